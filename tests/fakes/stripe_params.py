"""Request checking for the fake Stripe: each request against the parameter types the installed SDK
declares for the pinned API version (`stripe.params...*CreateParams` TypedDicts).

The SDK's typed dicts are generated from Stripe's OpenAPI spec for the version the SDK pins, so an
unknown, misspelt or mistyped parameter is refused here as Stripe refuses it, with Stripe's error
shape (`invalid_request_error`, `parameter_unknown`...), instead of being silently accepted.
"""

from __future__ import annotations

import sys
import types
import typing
from decimal import Decimal
from functools import cache
from typing import Literal, NotRequired, Required

import stripe
from stripe._request_options import RequestOptions
from stripe.params._charge_retrieve_params import ChargeRetrieveParams
from stripe.params._refund_create_params import RefundCreateParams
from stripe.params._refund_list_params import RefundListParams
from stripe.params._refund_retrieve_params import RefundRetrieveParams
from stripe.params.checkout._session_create_params import SessionCreateParams
from stripe.params.checkout._session_retrieve_params import SessionRetrieveParams
from typing_extensions import is_typeddict

# (method, path pattern) -> the SDK's params type for that call.
ENDPOINTS = {
    ("POST", "/v1/checkout/sessions"): SessionCreateParams,
    ("GET", "/v1/checkout/sessions/{id}"): SessionRetrieveParams,
    ("POST", "/v1/refunds"): RefundCreateParams,
    ("GET", "/v1/refunds"): RefundListParams,
    ("GET", "/v1/refunds/{id}"): RefundRetrieveParams,
    ("GET", "/v1/charges/{id}"): ChargeRetrieveParams,
}
# Request options (api_key, idempotency_key...) travel as headers, never as parameters.
OPTION_NAMES = frozenset(RequestOptions.__annotations__)
SDK_API_VERSION = stripe.api_version


class ParamError(Exception):
    def __init__(self, code: str, param: str, message: str):
        super().__init__(message)
        self.code, self.param, self.message = code, param, message

    def body(self) -> dict:
        return {
            "error": {
                "type": "invalid_request_error",
                "code": self.code,
                "param": self.param,
                "message": self.message,
                "doc_url": f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}",
            }
        }


def _resolve(annotation, owner):
    if isinstance(annotation, str):
        annotation = typing.ForwardRef(annotation)
    if isinstance(annotation, typing.ForwardRef):
        namespace = dict(vars(sys.modules[owner.__module__]))
        namespace.update({"Literal": Literal, "NotRequired": NotRequired})
        return eval(annotation.__forward_arg__, namespace)  # noqa: S307 - the SDK's own annotations
    return annotation


@cache
def fields(typed_dict) -> tuple[dict, frozenset]:
    """{name: annotation} and the required names of an SDK TypedDict (options left out)."""
    found, required = {}, set()
    for klass in reversed(typed_dict.__mro__):
        if klass is RequestOptions or not is_typeddict(klass):
            continue
        for name, annotation in klass.__dict__.get("__annotations__", {}).items():
            if klass is not typed_dict and typed_dict is not klass and name in OPTION_NAMES:
                continue
            origin = typing.get_origin(annotation)
            if origin is NotRequired:
                found[name] = typing.get_args(annotation)[0]
            else:
                found[name] = annotation.__args__[0] if origin is Required else annotation
                required.add(name)
    for name in OPTION_NAMES:
        found.pop(name, None)
        required.discard(name)
    return {name: (value, typed_dict) for name, value in found.items()}, frozenset(required)


def check(value, annotation, owner, param: str) -> None:
    """Raises ParamError when `value` (form-decoded strings, dicts and lists) does not fit."""
    annotation = _resolve(annotation, owner)
    origin = typing.get_origin(annotation)
    if origin in (NotRequired, Required):
        return check(value, typing.get_args(annotation)[0], owner, param)
    if origin in (typing.Union, types.UnionType):
        errors = []
        for option in typing.get_args(annotation):
            try:
                return check(value, option, owner, param)
            except ParamError as error:
                errors.append(error)
        unknown = [error for error in errors if error.code == "parameter_unknown"]
        raise (unknown or errors)[0]
    if origin is Literal:
        if str(value) not in {str(option) for option in typing.get_args(annotation)}:
            raise ParamError("parameter_invalid", param, f"Invalid {param}: {value!r}")
        return None
    if is_typeddict(annotation):
        if not isinstance(value, dict):
            raise ParamError("parameter_invalid", param, f"Invalid object: {param}")
        return check_params(value, annotation, prefix=param)
    if origin in (list, typing.List):  # noqa: UP006
        if not isinstance(value, list):
            raise ParamError("parameter_invalid", param, f"Invalid array: {param}")
        (item,) = typing.get_args(annotation) or (str,)
        for index, element in enumerate(value):
            check(element, item, owner, f"{param}[{index}]")
        return None
    if origin in (dict, typing.Dict) or getattr(origin, "__name__", "") == "UntypedStripeObject":  # noqa: UP006
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ParamError("parameter_invalid", param, f"Invalid hash: {param}")
        return None
    if annotation is bool:
        if value not in ("true", "false"):
            raise ParamError("parameter_invalid_boolean", param, f"Invalid boolean: {value!r}")
        return None
    if annotation is int:
        if not isinstance(value, str) or not value.lstrip("-").isdigit():
            raise ParamError("parameter_invalid_integer", param, f"Invalid integer: {value!r}")
        return None
    if annotation in (float, Decimal):
        try:
            Decimal(value)
        except Exception as error:
            raise ParamError("parameter_invalid", param, f"Invalid decimal: {value!r}") from error
        return None
    if annotation is str:
        if not isinstance(value, str):
            raise ParamError("parameter_invalid_string", param, f"Invalid string: {param}")
        return None
    return None  # a type the fake does not model: accepted, as the SDK would send it


def check_params(params: dict, typed_dict, *, prefix: str = "") -> None:
    known, required = fields(typed_dict)
    for name, value in params.items():
        param = f"{prefix}[{name}]" if prefix else name
        if name not in known:
            raise ParamError("parameter_unknown", param, f"Received unknown parameter: {param}")
        annotation, owner = known[name]
        check(value, annotation, owner, param)
    for name in sorted(required - set(params)):
        param = f"{prefix}[{name}]" if prefix else name
        raise ParamError("parameter_missing", param, f"Missing required param: {param}.")


def params_type(method: str, path: str):
    """The SDK params type for a request, or None (the fake answers 404 for those)."""
    parts = path.strip("/").split("/")
    for (known_method, pattern), typed_dict in ENDPOINTS.items():
        pattern_parts = pattern.strip("/").split("/")
        if (
            known_method == method
            and len(parts) == len(pattern_parts)
            and all(p == "{id}" or p == q for p, q in zip(pattern_parts, parts, strict=True))
        ):
            return typed_dict
    return None
