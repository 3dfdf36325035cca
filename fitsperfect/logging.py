"""Keeps health answers, addresses, card numbers and secrets out of logs and error reports.

`RedactingFilter` sits on every log handler (settings `LOGGING`): it renders each record's message
(and traceback) once and masks what must never be written down. `RedactingExceptionReporterFilter`
(settings `DEFAULT_EXCEPTION_REPORTER_FILTER`) hides every POST value and the signature and
authorization headers in Django's error pages and admin error emails, because the forms here carry
health answers and addresses, not only passwords.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.views.debug import SafeExceptionReporterFilter

from orders.address import ADDRESS_PERSONAL_FIELDS

MASK = "[redacted]"

# Keys whose values are personal, health or secret data, wherever they appear as key=value or
# "key": value in a message.
SENSITIVE_KEYS = (
    "password",
    "passwd",
    "secret",
    "api_key",
    "apikey",
    "authorization",
    "stripe-signature",
    "x-lab-signature",
    "cookie",
    "sessionid",
    "csrftoken",
    "full_name",
    "name",
    "phone",
    "address",
    *ADDRESS_PERSONAL_FIELDS,
    "answers",
    "notes",
    "conditions",
    "aggravates",
    "card",
    "card_number",
    "cvc",
)

_KEY_VALUE = re.compile(
    r"""(?P<key>['"]?\b(?:"""
    + "|".join(SENSITIVE_KEYS)
    + r""")\b['"]?\s*[:=]\s*)(?P<value>'[^']*'|"[^"]*"|\{[^}]*\}|\[[^\]]*\]|[^\s,;&]+)""",
    re.IGNORECASE,
)
_SECRET_TOKENS = re.compile(r"\b(?:whsec|sk_live|sk_test|rk_live|rk_test)_[A-Za-z0-9_]+")
_BEARER = re.compile(r"\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_SIGNATURE = re.compile(r"\b(t=\d+,\s*v\d=)[0-9a-fA-F]+")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_EMAIL = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")
# Order, result and newsletter tokens in URLs are keys to personal data.
_URL_TOKEN = re.compile(
    r"(/(?:orders|result|test-payment|confirm|unsubscribe|scans)/)[A-Za-z0-9_-]{16,}"
)
_SETTINGS_SECRETS = (
    "SECRET_KEY",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "LAB_WEBHOOK_SECRET",
    "LAB_API_KEY",
    "EMAIL_HOST_PASSWORD",
)


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[card]" if 13 <= len(digits) <= 19 and _luhn(digits) else match.group(0)


def _configured_secrets() -> list[str]:
    values = []
    for name in _SETTINGS_SECRETS:
        value = str(getattr(settings, name, "") or "")
        if len(value) >= 8:
            values.append(value)
    return values


def redact(text: str) -> str:
    """The text with secrets, card numbers, personal key=values, emails and URL tokens masked."""
    if not text:
        return text
    for secret in _configured_secrets():
        text = text.replace(secret, MASK)
    text = _SECRET_TOKENS.sub(MASK, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _SIGNATURE.sub(lambda m: m.group(1) + MASK, text)
    text = _KEY_VALUE.sub(lambda m: m.group("key") + MASK, text)
    text = _CARD.sub(_mask_card, text)
    text = _URL_TOKEN.sub(lambda m: m.group(1) + "[token]", text)
    if getattr(settings, "LOG_REDACT_EMAILS", True):
        text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record with its message and traceback redacted; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_fitsperfect_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record  # noqa: BLE001
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        # Django's request logger attaches the request: it must not carry POST data to handlers.
        if hasattr(record, "request"):
            record.request = None
        record._fitsperfect_redacted = True  # noqa: SLF001
        return True


class RedactingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Error pages and emails: every POST value hidden, signatures and tokens too."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE_URL|REDIS_URL|EMAIL_URL",
        flags=re.IGNORECASE,
    )
    HIDDEN_META = re.compile(r"AUTHORIZATION|SIGNATURE|COOKIE|X_LAB|STRIPE", re.IGNORECASE)

    def get_post_parameters(self, request):
        if request is None:
            return {}
        cleansed = request.POST.copy()
        for key in cleansed:
            cleansed[key] = self.cleansed_substitute
        return cleansed

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        return {
            key: (self.cleansed_substitute if self.HIDDEN_META.search(key) else value)
            for key, value in meta.items()
        }
