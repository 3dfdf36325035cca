"""The Clinicians group: review assessments at /clinic/ without being staff.

Permissions are get_or_created here because Django only creates them after all migrations run.
`fitsperfect/demo.py` get_or_creates the same group, so either may run first.
"""

from django.db import migrations

GROUP = "Clinicians"
PERMISSIONS = {
    "assessment": [
        ("review_assessment", "Can review assessments as a clinician"),
        ("view_assessment", "Can view assessment"),
    ],
    "review": [
        ("add_review", "Can add clinician review"),
        ("view_review", "Can view clinician review"),
    ],
    "assessmentphoto": [("view_assessmentphoto", "Can view assessment photo")],
}


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for model, permissions in PERMISSIONS.items():
        content_type, _ = ContentType.objects.get_or_create(app_label="assessments", model=model)
        for codename, name in permissions:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": name}
            )
            group.permissions.add(permission)


def remove_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group:
        codenames = [c for permissions in PERMISSIONS.values() for c, _ in permissions]
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="assessments", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0002_answers_scores_photos_reviews"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_permissions)]
