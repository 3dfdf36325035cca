"""Stored assessments: re-scorable from their answers, and the illustrations they show are valid."""

from pathlib import Path
from xml.dom import minidom

import pytest
from django.conf import settings

from assessments import questions, scoring, services
from assessments.tests.factories import complete_answers, submitted

pytestmark = pytest.mark.django_db


def test_a_stored_assessment_re_scores_to_the_stored_result():
    assessment = submitted(
        left="2", right={**complete_answers()["right"], "heel_tilt": "cant_tell"}
    )
    again = services.score_answers(assessment.answers)
    assert scoring.snapshot(again) == assessment.result
    assert assessment.model_version == scoring.MODEL_VERSION
    assert (assessment.left_score, assessment.right_score) == (10, 5)


def test_item_level_answers_map_onto_the_model():
    answers = complete_answers(
        left={**complete_answers()["left"], "arch_height": "cant_tell"},
        impact="three_plus",
        about={"sex": "not_said", "height_cm": None, "weight_kg": None},
    )
    model = questions.to_model_answers(answers)
    assert model.left["arch_height"] is None and model.left["heel_tilt"] == 1
    assert model.sex == "" and model.height_cm is None
    assert model.impact_sessions_per_week == 3
    assert model.red_flags == frozenset()  # "none" is not a flag


@pytest.mark.parametrize(
    ("impact", "shoes", "jump", "expected"),
    [
        ("three_plus", "slim", "no", "sport"),
        ("none", "slim", "no", "dress"),
        ("one_or_two", "everyday", "yes", "sport"),
        ("none", "trainers", "no", "everyday"),
    ],
)
def test_product_suggestion(impact, shoes, jump, expected):
    answers = complete_answers(impact=impact, shoes=shoes, activity={"recent_training_jump": jump})
    assert questions.suggest_product(answers, services.score_answers(answers)) == expected


def test_no_product_for_a_red_flag():
    answers = complete_answers(flags=("cancer_history",))
    assert questions.suggest_product(answers, services.score_answers(answers)) == ""


def test_every_posture_choice_has_a_valid_svg_illustration():
    folder = Path(settings.BASE_DIR) / "static" / "img" / "assessment"
    for item in scoring.POSTURE_ITEMS:
        for slug in ("m2", "m1", "0", "p1", "p2"):
            document = minidom.parse(str(folder / f"{item}_{slug}.svg"))  # noqa: S318 - our files
            svg = document.documentElement
            assert svg.tagName == "svg" and svg.getAttribute("viewBox")
            assert not document.getElementsByTagName("script")


def test_abandoned_drafts_and_their_photos_are_purged(django_capture_on_commit_callbacks):
    import datetime as dt
    import io

    from django.conf import settings
    from django.utils import timezone
    from PIL import Image

    from assessments.models import Assessment, AssessmentPhoto
    from assessments.tasks import purge_abandoned_drafts
    from assessments.tests.factories import DraftFactory

    old, recent = DraftFactory(), DraftFactory()
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG")
    photo = services.assessment_photo_save(assessment=old, kind="footprint", upload=buffer)
    path = Path(settings.MEDIA_ROOT) / photo.file.name
    assert path.exists()
    kept = submitted()
    long_ago = timezone.now() - dt.timedelta(days=31)
    Assessment.objects.filter(pk__in=[old.pk, kept.pk]).update(updated_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_abandoned_drafts.delay().get() == 1
    assert set(Assessment.objects.values_list("pk", flat=True)) == {recent.pk, kept.pk}
    assert not AssessmentPhoto.objects.exists()
    assert not path.exists()
    assert "assessments-purge-abandoned-drafts" in settings.CELERY_BEAT_SCHEDULE
