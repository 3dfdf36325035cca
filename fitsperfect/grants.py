"""Giving a group permissions from a data migration, written once for every app's migrations.

A migration calls these from its own module-level `grant`/`revoke` functions (so it stays
squashable); the app's permissions are created first, since Django only creates them after the
whole `migrate` run."""

from __future__ import annotations

from collections.abc import Iterable


def _permissions(apps, app_label: str, codenames: Iterable[str]):
    permission = apps.get_model("auth", "Permission")
    return permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)


def group_grant(apps, *, group: str, app_label: str, codenames: Iterable[str]) -> None:
    """Creates ``app_label``'s permissions if need be and adds ``codenames`` of them to ``group``."""
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    found, _created = apps.get_model("auth", "Group").objects.get_or_create(name=group)
    found.permissions.add(*_permissions(apps, app_label, codenames))


def group_revoke(apps, *, group: str, app_label: str, codenames: Iterable[str]) -> None:
    """Takes ``codenames`` of ``app_label`` away from ``group`` (the reverse of `group_grant`)."""
    found = apps.get_model("auth", "Group").objects.filter(name=group).first()
    if found is not None:
        found.permissions.remove(*_permissions(apps, app_label, codenames))
