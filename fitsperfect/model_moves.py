"""Moving a model from one app to another without touching its table (for data migrations).

The table stays (`db_table` kept, `SeparateDatabaseAndState`); what must follow the model is its
content type, which the permissions (the Staff group's), admin log entries and audit records point
at. `move_content_types` renames the old content type to the new app label, so every permission
and group keeps its rows; if the new one already exists, the old one's grants are merged into it.
"""

from __future__ import annotations


def move_content_types(apps, *, old_label: str, new_label: str, models: list[str]) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group")
    for model in models:
        old = content_type.objects.filter(app_label=old_label, model=model).first()
        if old is None:
            continue
        new = content_type.objects.filter(app_label=new_label, model=model).first()
        if new is None:
            old.app_label = new_label
            old.save(update_fields=["app_label"])
            continue
        for perm in permission.objects.filter(content_type=old):
            twin = permission.objects.filter(content_type=new, codename=perm.codename).first()
            if twin is None:
                perm.content_type = new
                perm.save(update_fields=["content_type"])
                continue
            for holder in group.objects.filter(permissions=perm):
                holder.permissions.add(twin)
            for user in perm.user_set.all():
                user.user_permissions.add(twin)
            perm.delete()
        old.delete()


def move_audit_records(apps, *, renames: dict[str, str]) -> None:
    """Audit records name the object type by label ("orders.scan"): keep them findable."""
    record = apps.get_model("fitsperfect", "AccessRecord")
    for old, new in renames.items():
        record.objects.filter(object_type=old).update(object_type=new)
