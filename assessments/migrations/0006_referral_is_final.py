from django.db import migrations, models


def close_referred_assessments(apps, schema_editor):
    """Repairs what the old two-definition gate allowed: an in-person referral is final from its
    first review, and a red-flag assessment that a clinician reviewed is REFERRED again."""
    Assessment = apps.get_model("assessments", "Assessment")
    Review = apps.get_model("assessments", "Review")
    first_referrals = {}
    for assessment_id, created_at in (
        Review.objects.filter(decision="refer_in_person")
        .order_by("created_at")
        .values_list("assessment_id", "created_at")
    ):
        first_referrals.setdefault(assessment_id, created_at)
    for assessment_id, created_at in first_referrals.items():
        Assessment.objects.filter(pk=assessment_id).update(referred_in_person_at=created_at)
    for assessment in Assessment.objects.exclude(status__in=["draft", "referred"]):
        if assessment.red_flags:
            changes = {"status": "referred"}
            if assessment.decision == "approved":
                changes["decision"] = "refer_in_person"
            Assessment.objects.filter(pk=assessment.pk).update(**changes)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0005_health_data_consent"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="referred_in_person_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(close_referred_assessments, migrations.RunPython.noop),
    ]
