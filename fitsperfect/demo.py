"""Demo accounts for local use: an admin, a staff member, and a clinician (all password `demo-pass-123`)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

DEMO_PASSWORD = "demo-pass-123"  # noqa: S105 - local demo data only, printed for the developer


def seed(stdout) -> None:
    user_model = get_user_model()
    people = [
        ("admin", "admin@fitsperfect.example", {"is_staff": True, "is_superuser": True}, None),
        ("staff", "staff@fitsperfect.example", {"is_staff": True}, "Staff"),
        ("clinician", "clinician@fitsperfect.example", {}, "Clinicians"),
    ]
    for username, email, flags, group_name in people:
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"email": email, **flags}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        if group_name:
            group, _ = Group.objects.get_or_create(name=group_name)
            user.groups.add(group)
    stdout.write(f"Demo users: admin, staff, clinician (password {DEMO_PASSWORD}).")
