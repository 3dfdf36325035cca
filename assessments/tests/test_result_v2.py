"""The result page claims only what it can (model v2); a stored v1 result reads exactly as before.

Each finding is checked on a v2 result and, where the page used to say otherwise, on the same
answers stored by model v1.
"""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from assessments import scoring
from assessments.models import Assessment
from assessments.tests.factories import complete_answers, posture, referred, submitted

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
NO_PAIN = {"areas": [], "pain_score": 0, "symptoms": []}
HEEL_PAIN = {"areas": ["heel"], "symptoms": ["first_step_heel_pain"]}
SEVEN_AND_A_HALF = {**posture("2"), "midfoot_bulge": "1", "arch_height": "1"} | {
    "toes_from_behind": "cant_tell"
}


def page(client, assessment) -> str:
    response = client.get(reverse("assessments:result", kwargs={"token": assessment.token}))
    assert response.status_code == 200
    return response.content.decode()


def text(html: str) -> str:
    """The page's words, without tags or repeated spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- Findings ---------------------------------------------------------------------------------


def test_a_raw_six_from_four_answers_reads_pronated_not_highly(client):
    v1 = page(client, submitted(model_version="1", left=SEVEN_AND_A_HALF, right="0"))
    assert "+8</strong>" in v1 and "highly pronated" in v1
    html = page(client, submitted(left=SEVEN_AND_A_HALF, right="0"))
    assert '<strong class="foot-score">+7.5</strong>' in html
    assert "pronated (rolling in)" in html and "highly pronated" not in html
    # The marker sits in the pronated part of the scale, not on +8.
    current = re.search(r'<li class="scale-cell ([a-z-]+) scale-current">', html)
    assert current.group(1) == "scale-pronated"


def test_high_wording_speaks_of_pain_only_when_pain_was_reported(client):
    no_pain = {"left": "2", "right": "0", "pain": NO_PAIN}
    v1 = page(client, submitted(model_version="1", **no_pain))
    assert "High: your feet may well be adding to your pain" in v1
    html = page(client, submitted(**no_pain))
    assert "adding to your pain" not in html
    assert "playing a part in your symptoms" not in html
    assert "Moderate: a foot that rolls in more than usual" in html
    with_pain = page(client, submitted(left="2", right="0", pain=HEEL_PAIN))
    assert "High: your feet may be adding to your pain" in with_pain


def test_very_high_arches_with_load_and_heel_pain_get_supinated_words(client):
    answers = {
        "left": "-2",
        "right": "-2",
        "pain": HEEL_PAIN,
        "about": {"height_cm": 169, "weight_kg": 100},  # BMI 35
    }
    v1 = page(client, submitted(model_version="1", **answers))
    assert "rolls in more than usual" in v1
    assessment = submitted(**answers)
    assert assessment.band == "moderate"
    html = page(client, assessment)
    assert "Moderate: high-arched, rigid feet" in html
    assert "high-arched, rigid feet: a cushioning orthotic may help" in html
    assert "rolls in" not in text(html).replace("+10 rolls in", "")  # only the scale's label
    assert "with cushioning for high-arched, rigid feet" in html  # the product's reason
    assert "highly supinated" in html


def test_what_led_to_this_result_lists_both_feet_with_answers_and_weights(client):
    left = {**posture("1"), "heel_tilt": "2", "arch_height": "cant_tell"}
    v1 = page(client, submitted(model_version="1", left=left, right="-1"))
    assert "(right foot)" not in v1  # v1 named the higher-scoring foot only
    html = page(client, submitted(left=left, right="-1"))
    drivers = html.split('id="drivers-heading"', 1)[1].split("</section>", 1)[0]
    assert "<caption>Left foot</caption>" in drivers and "<caption>Right foot</caption>" in drivers
    # The answer given beside its weight: 2 x 5/4 = 2.5; "I can't tell" is not counted.
    assert "The tilt of the heel, seen from behind</th><td>+2</td><td>+2.5</td>" in drivers
    assert "The height of the inner arch</th><td>I can't tell</td><td>not counted</td>" in drivers
    assert "<td>+5 from 4 answers</td><td>+6.3</td>" in drivers  # 6.25, one decimal
    assert "<td>-5 from 5 answers</td><td>-5.0</td>" in drivers


def test_average_is_about_plus_three(client):
    assert "a score of about +4 is average" in page(client, submitted(model_version="1"))
    html = page(client, submitted())
    assert "about +3 is average" in html and "+4 is average" not in html


def test_asymmetry_above_three_points_is_marked(client):
    html = page(client, submitted(left={**posture("1"), "toes_from_behind": "0"}, right="0"))
    assert "Your feet differ by 4.0 points: a marked difference" in html


@pytest.mark.parametrize(
    ("pain", "shown"),
    [
        ({"areas": ["heel"], "symptoms": ["first_step_heel_pain"]}, False),
        ({"areas": ["knee"], "symptoms": []}, True),
        ({"areas": ["hip"], "symptoms": []}, True),
        ({"areas": [], "symptoms": ["outer_hip_pain_lying_on_side"]}, True),
    ],
)
def test_the_knee_and_hip_section_is_for_knee_or_hip_pain_only(client, pain, shown):
    html = page(client, submitted(left="2", right="2", pain=pain))
    assert ("How feet can affect knees and hips" in html) is shown


def test_heel_pain_only_read_the_knee_and_hip_section_in_v1(client):
    v1 = page(client, submitted(model_version="1", left="2", right="2", pain=HEEL_PAIN))
    assert "How feet can affect knees and hips" in v1


def test_based_on_one_foot_only_says_so(client):
    html = page(client, submitted(left=posture("cant_tell"), right="2", pain=HEEL_PAIN))
    assert "This is based on your right foot only" in html
    assert "Not enough information: only 0 picture questions were answered." in html


def test_load_factors_alone_are_load_advice_with_no_product(client):
    answers = {
        "left": "0",
        "right": "0",
        "pain": HEEL_PAIN,
        "about": {"height_cm": 169, "weight_kg": 100},
    }
    v1 = submitted(model_version="1", **answers)
    assert v1.band == "moderate" and v1.suggested_product_slug == "everyday"
    assessment = submitted(**answers)
    assert assessment.band == "low" and assessment.suggested_product_slug == ""
    assert assessment.result["load_only"] is True
    html = page(client, assessment)
    assert "the load on your feet matters more" in html
    assert "Footwear:" in html and "Weight:" in html
    assert "Training load:" not in html  # they do no impact sport
    assert "?assessment=" not in html and "Order a custom orthotic" not in html


def test_low_band_names_the_product_and_why(client):
    assessment = submitted(left="0", right="0", shoes="slim")
    assert assessment.band == "low" and assessment.suggested_product_slug == "dress"
    html = page(client, assessment)
    assert (
        "We suggest the Dress (slim) orthotic because you wear slim or smart shoes "
        "(work or dress shoes) most days, shaped from your scan to support your feet." in html
    )
    assert "Order a custom orthotic anyway" in html


def test_email_form_error_keeps_the_v2_page(client):
    assessment = submitted(left=SEVEN_AND_A_HALF, right="0")
    response = client.post(
        reverse("assessments:email_link", kwargs={"token": assessment.token}), {"email": "no"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "+7.5" in html and "We suggest the Everyday orthotic" in html


# --- Referral urgency ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "flag",
    [
        "injury_cannot_bear_weight",
        "swelling_or_deformity",
        "diabetic_foot_wound",
        "red_hot_swollen_foot",
    ],
)
def test_same_day_cases_get_urgent_care_today(client, flag):
    assessment = referred(flags=(flag,))
    assert assessment.urgent and assessment.result["urgency"] == "same_day"
    html = page(client, assessment)
    assert "Please get medical help today" in html
    assert "Get urgent care today" in html and "NHS 111 today" in html
    assert "If it is severe, call 999" in html
    assert "week or two" not in html


def test_other_red_flags_see_a_clinician_soon(client):
    html = page(client, referred(flags=("nerve_symptoms",)))
    assert "Please see a clinician soon" in html and "NHS 111 today" not in html


def test_a_stored_v1_injury_referral_reads_as_before(client):
    assessment = referred(flags=("injury_cannot_bear_weight",))
    v1 = scoring.score(scoring.Answers(red_flags=frozenset({"injury_cannot_bear_weight"})))
    Assessment.objects.filter(pk=assessment.pk).update(
        model_version="1", urgent=v1.urgent, result=scoring.result_to_dict(v1)
    )
    html = page(client, assessment)
    assert "Please see a clinician before anything else" in html
    assert "within the next week or two" in html and "urgent care" not in html


# --- v1 results read exactly as before --------------------------------------------------------

GOLDEN_CASES = {
    # Rendered by the v1 code before model v2 existed (assessments/tests/data/).
    "high_asymmetric": dict(left="2", right="0", impact="three_plus"),
    "cant_tell_low": dict(
        left={
            "ankle_curves": "1",
            "heel_tilt": "1",
            "midfoot_bulge": "0",
            "arch_height": "cant_tell",
            "toes_from_behind": "0",
        },
        right="-1",
        shoes="slim",
    ),
}


def v1_sections(html: str, assessment) -> str:
    """The page from its heading to the next-step section (whose clinician link another change
    replaces), with the token and the date made constant."""
    start = html.index('<article class="assessment-result">')
    end = html.index('<section aria-labelledby="next-heading"')
    part = html[start:end].replace(assessment.token, "TOKEN")
    return re.sub(r"Assessment \d+, [^.]+\.", "Assessment N, DATE.", part)


@pytest.mark.parametrize("name", GOLDEN_CASES)
def test_a_stored_v1_result_renders_exactly_as_before(client, name):
    assessment = submitted(model_version="1", **GOLDEN_CASES[name])
    assert assessment.model_version == "1"
    html = page(client, assessment)
    golden = (DATA / f"result_v1_{name}.html").read_text()
    assert v1_sections(html, assessment) == golden
    next_step = html.split('<section aria-labelledby="next-heading"', 1)[1]
    assert "about +3" not in html and "What to do next" in next_step


def test_a_v1_row_from_before_the_float_columns_still_renders(client):
    """Rows stored by v1 hold whole-number scores; the v1 page reads the stored result only."""
    assessment = submitted(model_version="1", left="2", right="1")
    Assessment.objects.filter(pk=assessment.pk).update(left_score=10, right_score=5)
    assessment.refresh_from_db()
    assert (assessment.left_score, assessment.right_score) == (10.0, 5.0)
    html = page(client, assessment)
    assert '<strong class="foot-score">+10</strong>' in html
    assert "Scoring model version 1" in html


def test_v2_scores_are_stored_unrounded(client):
    assessment = submitted(left=SEVEN_AND_A_HALF, right=complete_answers()["right"])
    assessment.refresh_from_db()
    assert assessment.left_score == 7.5 and assessment.right_score == 5.0
    assert assessment.result["left"]["score"] == 7.5


@pytest.mark.parametrize(
    ("activity", "foot_type", "sentence"),
    [
        (
            {"impact": "three_plus", "shoes": "trainers"},
            "pronated",
            "We suggest the Sport orthotic because you run or do impact sport 3 or more times "
            "a week and you wear trainers or other sports shoes most days, shaped to limit how "
            "far your foot rolls in.",
        ),
        (
            {"impact": "none", "recent_training_jump": "yes", "shoes": "everyday"},
            "supinated",
            "We suggest the Sport orthotic because you have recently stepped up your training "
            "and you wear everyday casual shoes most days, with cushioning for high-arched, "
            "rigid feet.",
        ),
        (
            {},
            "",
            "We suggest the Everyday orthotic because it suits everyday shoes, shaped from your "
            "scan to support your feet.",
        ),
    ],
)
def test_the_product_reason_is_one_sentence_from_activity_shoes_and_foot_type(
    activity, foot_type, sentence
):
    from assessments import questions

    slug = "everyday" if not activity else "sport"
    answers = {"activity": activity}
    assert questions.product_reason(slug=slug, answers=answers, foot_type=foot_type) == sentence


def test_high_arches_without_a_matching_symptom_are_low_and_named_as_such(client):
    html = page(client, submitted(left="-2", right="-2", pain=NO_PAIN))
    assert "Low: nothing in your answers points to your feet needing an orthotic" in html
    assert "a foot that rolls out rather than in" in html
    assert "usual range" not in html.split('id="band-heading"', 1)[1].split("</section>", 1)[0]
