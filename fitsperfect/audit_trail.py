"""Records who viewed or changed an assessment, a scan or an order (model `AccessRecord`).

- Views: `AuditTrailMiddleware` records each request to a URL that an app names in its AppConfig's
  `audited_url_names` (clinic pages, result and order pages, scan previews, the admin's pages for
  those models). Tokens in the
  URL are stored as a short hash, never as the key itself.
- Changes: post_save/post_delete receivers on the models apps list in `audited_models` (connected in
  `FitsPerfectConfig.ready` through `apps.get_model`, so no app is imported) record the field names
  that changed and who was signed in for the request that changed them.
- Bulk writes: signals do not fire for `QuerySet.update()`, `bulk_update()` or `bulk_create()`, so
  the audited models' managers are built on `AuditedQuerySet`, which records those too (a test
  fails if an audited model's manager is not).

Records are written once the surrounding transaction commits (at once in autocommit), so a change
that rolls back leaves no record and the pages' own query budgets are not touched.

Cost (`benchmarks/bench_audit_trail.py`, SQLite, 2-core machine): loading 1,000 orders takes
about 30 ms with the trail and 19 ms without (72 ms before only containers were copied on load);
an audited `update()` of one row is 7 queries (lock and read the keys, update, record) and about
13-20 ms, against one query for a plain update. Kept hand-written rather than django-pghistory:
it is not a dependency (adding one is outside issue 18's brief), and the trail stores field
names only, never values, so no health data is copied into it.
"""

from __future__ import annotations

import contextvars
import copy
import fnmatch
import hashlib
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete, post_init, post_save
from django.http import HttpRequest, HttpResponse

_current_user: contextvars.ContextVar = contextvars.ContextVar("audit_user", default=None)

# Each app says what of its own is audited, on its AppConfig (the kernel knows no app's names):
#   audited_url_names = {"<url name pattern>": "<app_label.model>"}   (views of health data)
#   audited_models = ("<app_label.Model>", ...)                        (changes to it)
# and a model may define `audit_skipped()` (e.g. a visitor's own unsent draft). Settings
# AUDITED_URL_NAMES / AUDITED_MODELS override the collected ones (tests).


def audited_url_names() -> dict[str, str]:
    configured = getattr(settings, "AUDITED_URL_NAMES", None)
    if configured is not None:
        return configured
    names: dict[str, str] = {}
    for config in apps.get_app_configs():
        names.update(getattr(config, "audited_url_names", {}))
    return names


def audited_models() -> list[str]:
    configured = getattr(settings, "AUDITED_MODELS", None)
    if configured is not None:
        return list(configured)
    return [
        label
        for config in apps.get_app_configs()
        for label in getattr(config, "audited_models", ())
    ]


_IGNORED_FIELDS = {"updated_at"}


def _object_type(view_name: str) -> str | None:
    for pattern, object_type in audited_url_names().items():
        if fnmatch.fnmatchcase(view_name, pattern):
            return object_type
    return None


def _object_id(kwargs: dict) -> str:
    for key in ("pk", "object_id"):
        if kwargs.get(key) not in (None, ""):
            return str(kwargs[key])[:64]
    token = kwargs.get("token")
    if token:
        return "token:" + hashlib.sha256(str(token).encode()).hexdigest()[:12]
    return ""


def _who(user) -> dict:
    """The record's user fields: the account and its name then (kept if the account goes)."""
    if user is not None and getattr(user, "is_authenticated", False):
        return {"user_id": user.pk, "username": user.get_username()[:150]}
    return {}


def _record(**values) -> None:
    model = apps.get_model("fitsperfect", "AccessRecord")
    values |= _who(values.pop("user", None))
    transaction.on_commit(lambda: model.objects.create(**values))


class AuditTrailMiddleware:
    """Remembers the signed-in user for the change receivers and records views of audited pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_user.set(getattr(request, "user", None))
        try:
            response = self.get_response(request)
        finally:
            _current_user.reset(token)
        match = getattr(request, "resolver_match", None)
        if match is not None and response.status_code < 400:
            object_type = _object_type(match.view_name or "")
            if object_type:
                _record(
                    user=getattr(request, "user", None),
                    action="view" if request.method in ("GET", "HEAD") else "change",
                    object_type=object_type,
                    object_id=_object_id(match.kwargs),
                    url_name=match.view_name[:120],
                    method=request.method[:8],
                    status_code=response.status_code,
                )
        return response


def _label(sender) -> str:
    return f"{sender._meta.app_label}.{sender._meta.model_name}"


def _remember_loaded(sender, instance, **kwargs) -> None:
    """The values as loaded, to name the fields a save changes (no extra query)."""
    instance._audit_old = None if instance.pk is None else _snapshot(sender, instance)


def _snapshot(sender, instance) -> dict:
    """Strings, numbers, dates and UUIDs cannot change in place, so only containers (JSON fields)
    are copied; deep-copying every field cost 4 times the load itself (benchmarks/bench_audit_trail)."""
    values = instance.__dict__
    return {
        f.attname: _copy(values[f.attname])
        for f in sender._meta.concrete_fields
        if f.attname in values
    }


def _copy(value):
    return copy.deepcopy(value) if isinstance(value, (dict, list)) else value


def _saved(sender, instance, created, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    skipped = getattr(instance, "audit_skipped", None)
    if skipped is not None and skipped():
        return  # e.g. a visitor's own unsent answers: recorded once submitted
    changed: list[str] = []
    old = getattr(instance, "_audit_old", None)
    if old:
        for model_field in sender._meta.concrete_fields:
            name = model_field.attname
            if name in _IGNORED_FIELDS or name not in old:
                continue
            value = getattr(instance, name)
            if hasattr(value, "name") and not isinstance(value, str):  # FieldFile
                value = value.name
            before = old[name]
            if hasattr(before, "name") and not isinstance(before, str):
                before = before.name
            if before != value:
                changed.append(model_field.name)
        if not changed:
            return
    instance._audit_old = _snapshot(sender, instance)  # later saves compare against this
    _record(
        user=_current_user.get(),
        action="create" if created else "change",
        object_type=_label(sender),
        object_id=str(instance.pk),
        fields=changed,
    )


def _deleted(sender, instance, **kwargs) -> None:
    _record(
        user=_current_user.get(),
        action="delete",
        object_type=_label(sender),
        object_id=str(instance.pk),
    )


class AuditedQuerySet(models.QuerySet):
    """A queryset whose bulk writes reach the audit trail like single saves do
    (`bulk_update()` is recorded through `update()`, which it calls).

    `update()` first locks the rows it is about to change (`SELECT ... FOR UPDATE` on PostgreSQL,
    which also re-checks the filter against rows another transaction just changed), so the trail
    names exactly the rows the UPDATE changes, then updates those rows by primary key.
    """

    def update(self, **kwargs) -> int:
        if not kwargs:
            return super().update(**kwargs)
        with transaction.atomic(using=self.db, savepoint=False):
            # Locked in one order (by key), so two bulk updates cannot deadlock each other.
            locked = self.select_for_update(of=("self",)).order_by("pk")
            pks = list(locked.values_list("pk", flat=True))
            if not pks:
                return 0
            count = self.model._base_manager.using(self.db).filter(pk__in=pks).update(**kwargs)
            names = sorted(self.model._meta.get_field(name).name for name in kwargs)
            _record_bulk(self.model, "change", pks, names)
        return count

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs) -> list:
        created = super().bulk_create(objs, *args, **kwargs)
        _record_bulk(self.model, "create", [obj.pk for obj in created if obj.pk is not None], [])
        return created

    bulk_create.alters_data = True


def _record_bulk(model, action: str, pks: list, fields: list[str]) -> None:
    fields = [name for name in fields if name not in _IGNORED_FIELDS]
    if action == "change" and not fields:
        return
    who = _who(_current_user.get())
    record = apps.get_model("fitsperfect", "AccessRecord")
    rows = [
        record(action=action, object_type=_label(model), object_id=str(pk), fields=fields, **who)
        for pk in pks
    ]
    transaction.on_commit(lambda: record.objects.bulk_create(rows))


def connect() -> None:
    """Called from `FitsPerfectConfig.ready`; a model that does not exist yet is skipped."""
    for label in audited_models():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        uid = f"audit-trail-{label}"
        post_init.connect(_remember_loaded, sender=model, dispatch_uid=uid + "-init")
        post_save.connect(_saved, sender=model, dispatch_uid=uid + "-post")
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid + "-delete")
