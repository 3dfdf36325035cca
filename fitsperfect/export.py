"""One row as JSON-ready data, for a customer's data export (right of access): every concrete
field by name, files as their stored name, datetimes in ISO 8601. Each app exports its own rows
with it (`*_export` selectors); fitsperfect.accounts.privacy puts them together."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Model


def row_data(obj: Model, *, exclude: frozenset[str] | set[str] = frozenset()) -> dict:
    data = {}
    for model_field in obj._meta.concrete_fields:
        if model_field.name in exclude:
            continue
        value = getattr(obj, model_field.attname)
        if hasattr(value, "name") and model_field.get_internal_type() == "FileField":
            value = value.name or ""
        elif isinstance(value, datetime):
            value = value.isoformat()
        data[model_field.name] = value
    return data
