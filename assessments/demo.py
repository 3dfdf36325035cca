"""Demo assessments for `make run`: model v2 results (pronated, high-arched, a referral and a
same-day referral), a reviewed one, one stored by model v1 that still reads the v1 way, and a few
reviewed ones so the calibration page has figures."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from . import scoring, services
from .consent import HEALTH_DATA_CONSENT_VERSION, HealthDataConsent
from .models import Assessment

ITEMS = scoring.POSTURE_ITEMS
DEMO_EMAILS = {
    "submitted": "demo-submitted@fitsperfect.example",
    "approved": "demo-approved@fitsperfect.example",
    "referred": "demo-referred@fitsperfect.example",
    "urgent": "demo-urgent@fitsperfect.example",
    "high_arched": "demo-high-arched@fitsperfect.example",
    "version_1": "demo-version-1@fitsperfect.example",
}
HEEL_PAIN = {
    "areas": ["heel"],
    "duration": "6_weeks_to_3_months",
    "pain_score": 5,
    "symptoms": ["first_step_heel_pain"],
    "aggravates": "First steps in the morning",
}
# key -> (left posture answer, right posture answer, red flags, pain answers, model version)
DEMOS = (
    ("submitted", "2", "1", ("none",), None, scoring.MODEL_VERSION),
    ("approved", "1", "1", ("none",), None, scoring.MODEL_VERSION),
    ("referred", "0", "1", ("nerve_symptoms",), None, scoring.MODEL_VERSION),
    ("urgent", "0", "0", ("injury_cannot_bear_weight",), None, scoring.MODEL_VERSION),
    ("high_arched", "-2", "-2", ("none",), HEEL_PAIN, scoring.MODEL_VERSION),
    ("version_1", "2", "1", ("none",), None, scoring.MODEL_VERSION_V1),
)


def _answers(posture: str, flags=("none",), age=45, *, right="1", pain=None) -> dict:
    return {
        "about": {"age": age, "sex": "female", "height_cm": 165, "weight_kg": 80},
        "pain": pain
        or {
            "areas": ["hip"],
            "duration": "3_to_12_months",
            "pain_score": 6,
            "symptoms": ["outer_hip_pain_lying_on_side"],
            "aggravates": "Walking far",
        },
        "red_flags": {"flags": list(flags)},
        "left": dict.fromkeys(
            ("ankle_curves", "heel_tilt", "midfoot_bulge", "arch_height", "toes_from_behind"),
            posture,
        ),
        "right": dict.fromkeys(
            ("ankle_curves", "heel_tilt", "midfoot_bulge", "arch_height", "toes_from_behind"),
            right,
        ),
        "activity": {
            "impact": "three_plus",
            "recent_training_jump": "no",
            "previous_overuse_injury": "yes",
            "hypermobility": "no",
            "previous_orthoses": "no",
            "shoes": "trainers",
            "conditions": "",
        },
        "photos": {"uploaded_now": []},
    }


def seed(stdout) -> None:
    services.clinicians_group()
    for key, posture, right, flags, pain, version in DEMOS:
        if Assessment.objects.filter(contact_email=DEMO_EMAILS[key]).exists():
            continue
        demo_consent = HealthDataConsent(
            version=HEALTH_DATA_CONSENT_VERSION, at=timezone.now(), language="en"
        )
        draft = services.assessment_start_draft(
            consent=demo_consent, source_article_slug="hip-pain-and-your-feet"
        )
        draft.answers = _answers(posture, flags, right=right, pain=pain)
        draft.save(update_fields=["answers"])
        if flags != ("none",):
            done = services.assessment_refer(assessment=draft)
        else:
            done = services.assessment_submit(assessment=draft, model_version=version)
        # Set directly rather than through submission, so seeding sends no email.
        Assessment.objects.filter(pk=done.pk).update(contact_email=DEMO_EMAILS[key])
        if key == "approved":
            clinician = get_user_model().objects.filter(username="clinician").first()
            if clinician is not None and clinician.has_perm(services.REVIEW_PERMISSION):
                services.review_create(
                    assessment=done,
                    reviewer=clinician,
                    decision=Assessment.Decision.APPROVED,
                    notes="Demo review.",
                    fpi={"left_heel_tilt": 1, "left_arch_height": 1, "left_midfoot_bulge": 1},
                )
    for assessment in Assessment.objects.filter(contact_email__in=DEMO_EMAILS.values()):
        stdout.write(f"Demo assessment result: /assessment/result/{assessment.token}/")
    _seed_calibration()


# Reviewed assessments for /clinic/calibration/: (left answers, right answers, clinician's left
# and right FPI items 2-6), each five values in FPI order. Self-scores run a little high.
CALIBRATION_DEMOS = (
    ("22211", "21110", "11101", "1100-1"),
    ("11110", "11111", "01100", "11110"),
    ("00000", "0-1000", "00000", "00000"),
    ("22222", "22212", "21211", "12211"),
    ("11111", "0-1000", "1101-1", "00000"),
    ("-1-1-10-1", "-1-10-10", "-1-1-1-10", "-10-10-1"),
    ("21210", "11100", "11110", "11000"),
    ("1111-1", "21111", "0110-1", "11111"),
)


def _values(text: str) -> list[int]:
    """ "1100-1" -> [1, 1, 0, 0, -1]."""
    values, sign = [], 1
    for char in text:
        if char == "-":
            sign = -1
            continue
        values.append(sign * int(char))
        sign = 1
    return values


def _seed_calibration() -> None:
    clinician = get_user_model().objects.filter(username="clinician").first()
    if clinician is None or not clinician.has_perm(services.REVIEW_PERMISSION):
        return
    for number, (left, right, rated_left, rated_right) in enumerate(CALIBRATION_DEMOS, 1):
        email = f"demo-calibration-{number}@fitsperfect.example"
        if Assessment.objects.filter(contact_email=email).exists():
            continue
        answers = _answers("1")
        answers["left"] = dict(zip(ITEMS, (str(v) for v in _values(left)), strict=True))
        answers["right"] = dict(zip(ITEMS, (str(v) for v in _values(right)), strict=True))
        draft = services.assessment_start_draft(
            consent=HealthDataConsent(
                version=HEALTH_DATA_CONSENT_VERSION, at=timezone.now(), language="en"
            ),
            answers=answers,
        )
        done = services.assessment_submit(assessment=draft)
        Assessment.objects.filter(pk=done.pk).update(contact_email=email)
        fpi = {
            f"{side}_{item}": value
            for side, rated in (("left", rated_left), ("right", rated_right))
            for item, value in zip(ITEMS, _values(rated), strict=True)
        }
        services.review_create(
            assessment=done,
            reviewer=clinician,
            decision=Assessment.Decision.APPROVED,
            notes="Demo review for calibration.",
            fpi=fpi,
        )
