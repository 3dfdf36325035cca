"""Factories for assessments: complete answer sets and submitted/referred assessments."""

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments import scoring, services
from assessments.consent import HEALTH_DATA_CONSENT_VERSION
from assessments.models import Assessment

ITEMS = scoring.POSTURE_ITEMS


def posture(value: str) -> dict:
    return dict.fromkeys(ITEMS, value)


def complete_answers(
    *, left="1", right="1", flags=("none",), age=40, impact="none", shoes="everyday", **extra
) -> dict:
    answers = {
        "about": {"age": age, "sex": "male", "height_cm": 180, "weight_kg": 75},
        "pain": {
            "areas": ["heel"],
            "duration": "6_weeks_to_3_months",
            "pain_score": 5,
            "symptoms": [],
            "aggravates": "",
        },
        "red_flags": {"flags": list(flags)},
        "left": posture(left) if isinstance(left, str) else left,
        "right": posture(right) if isinstance(right, str) else right,
        "activity": {
            "impact": impact,
            "recent_training_jump": "no",
            "previous_overuse_injury": "no",
            "hypermobility": "no",
            "previous_orthoses": "no",
            "shoes": shoes,
            "conditions": "",
        },
        "photos": {"uploaded_now": []},
    }
    for key, value in extra.items():
        answers[key] = {**answers.get(key, {}), **value}
    return answers


class DraftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    answers = factory.LazyFunction(complete_answers)
    health_data_consent_at = factory.LazyFunction(timezone.now)
    health_data_consent_version = HEALTH_DATA_CONSENT_VERSION
    health_data_consent_language = "en"


def submitted(model_version: str = scoring.MODEL_VERSION, **answer_kwargs) -> Assessment:
    draft = DraftFactory(answers=complete_answers(**answer_kwargs))
    return services.assessment_submit(assessment=draft, model_version=model_version)


def referred(flags=("nerve_symptoms",), **answer_kwargs) -> Assessment:
    draft = DraftFactory(answers=complete_answers(flags=flags, **answer_kwargs))
    return services.assessment_refer(assessment=draft)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("demo-pass-123")


def clinician(username="clin") -> object:
    user = UserFactory(username=username)
    user.groups.add(services.clinicians_group())
    return get_user_model().objects.get(pk=user.pk)  # fresh: no cached permissions
