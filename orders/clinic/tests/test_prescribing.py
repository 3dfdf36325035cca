"""The suggested prescription (a pure function of the assessment) and that every suggestion is a
prescription the model accepts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from assessments import scoring
from assessments.tests.factories import complete_answers
from orders.clinic import prescribing
from orders.clinic.models import Prescription


def result(left: str, right: str, foot_type: str = "") -> dict:
    return {
        "left": {"band": left, "score": 5.0},
        "right": {"band": right, "score": 5.0},
        "foot_type": foot_type,
    }


def test_pronated_feet_get_a_functional_device_posted_in_varus():
    suggestion = prescribing.suggest(
        result=result("pronated", "typical"), answers=complete_answers(), product_slug="everyday"
    )
    values = suggestion.values
    assert values["device_type"] == "functional"
    assert values["shell_material"] == "polypropylene" and values["shell_rigidity"] == "semi_rigid"
    assert values["rearfoot_post_left"] == 4 and values["rearfoot_post_right"] == 0
    assert any("Rearfoot post left" in reason for reason in suggestion.reasons)


def test_a_highly_pronated_foot_gets_a_rigid_shell_and_a_deep_heel_cup():
    values = prescribing.suggest(
        result=result("highly_pronated", "pronated"), answers=complete_answers()
    ).values
    assert values["shell_rigidity"] == "rigid"
    assert values["heel_cup_depth_mm"] == prescribing.DEEP_HEEL_CUP_MM
    assert (values["rearfoot_post_left"], values["rearfoot_post_right"]) == (6, 4)


def test_high_arched_feet_are_cushioned_not_posted():
    values = prescribing.suggest(
        result=result("supinated", "highly_supinated"), answers=complete_answers()
    ).values
    assert values["device_type"] == "accommodative"
    assert values["shell_material"] == "eva" and values["shell_rigidity"] == "flexible"
    assert values["rearfoot_post_left"] == values["rearfoot_post_right"] == 0
    assert values["arch_height_adjustment_mm"] == 2


def test_impact_sport_beats_foot_type_and_slim_shoes_give_a_dress_device():
    sport = prescribing.suggest(
        result=result("supinated", "supinated"), answers=complete_answers(impact="three_plus")
    ).values
    assert sport["device_type"] == "sports" and sport["extension"] == "sulcus"
    dress = prescribing.suggest(
        result=result("highly_pronated", "highly_pronated"), answers=complete_answers(shoes="slim")
    ).values
    assert dress["device_type"] == "dress" and dress["top_cover"] == "leather"
    assert dress["heel_cup_depth_mm"] <= 14  # fits a slim shoe, even for a highly pronated foot
    assert dress["rearfoot_post_left"] == 4  # capped: little room in a slim shoe


def test_heel_pain_suggests_a_heel_lift_and_sole_pain_a_metatarsal_pad():
    answers = complete_answers(pain={"areas": ["heel", "arch"], "symptoms": []})
    values = prescribing.suggest(result=result("typical", "typical"), answers=answers).values
    assert values["heel_lift_mm"] == prescribing.HEEL_PAIN_LIFT_MM
    assert values["metatarsal_pad"] is True
    none = complete_answers(pain={"areas": ["knee"], "symptoms": []})
    values = prescribing.suggest(result=result("typical", "typical"), answers=none).values
    assert values["heel_lift_mm"] == 0 and values["metatarsal_pad"] is False


def test_without_an_assessment_the_product_decides_and_nothing_is_posted():
    suggestion = prescribing.suggest(result=None, answers=None, product_slug="sport-orthotic")
    assert suggestion.values["device_type"] == "sports"
    assert suggestion.values["rearfoot_post_left"] == suggestion.values["rearfoot_post_right"] == 0
    assert "No assessment" in suggestion.reasons[-1]
    assert prescribing.suggest(result=None, answers=None).values["device_type"] == "functional"


def test_a_stored_v1_result_is_read_too():
    """v1 results name the band `posture_band` only."""
    v1 = {"left": {"posture_band": "pronated"}, "right": {"posture_band": "typical"}}
    values = prescribing.suggest(result=v1, answers=complete_answers()).values
    assert values["rearfoot_post_left"] == 4


BANDS = st.sampled_from(["", *scoring.POSTURE_BANDS, "highly_supinated", "highly_pronated"])


@given(
    left=BANDS,
    right=BANDS,
    impact=st.sampled_from(["none", "one_or_two", "three_plus"]),
    shoes=st.sampled_from(["trainers", "everyday", "slim", "boots"]),
    areas=st.lists(st.sampled_from(["heel", "arch", "knee", "hip"]), unique=True),
    product=st.sampled_from(["", "everyday", "sport", "dress"]),
)
def test_every_suggestion_is_a_valid_prescription(left, right, impact, shoes, areas, product):
    answers = complete_answers(impact=impact, shoes=shoes, pain={"areas": areas, "symptoms": []})
    values = prescribing.suggest(
        result=result(left, right), answers=answers, product_slug=product
    ).values
    prescription = Prescription(version=1, **values)
    prescription.full_clean(exclude=["order", "version"])  # raises if a rule is broken


def test_the_model_refuses_out_of_range_values_and_clinical_contradictions():
    base = prescribing.suggest(result=result("pronated", "pronated"), answers={}).values
    cases = {
        "rearfoot_post_left": {"rearfoot_post_left": 12},
        "forefoot_post_right": {"forefoot_post_right": -9},
        "heel_cup_depth_mm": {"heel_cup_depth_mm": 40},
        "heel_lift_mm": {"heel_lift_mm": 13},
        "arch_height_adjustment_mm": {"arch_height_adjustment_mm": 6},
    }
    for field, change in cases.items():
        with pytest.raises(ValidationError) as caught:
            Prescription(version=1, **{**base, **change}).full_clean(exclude=["order", "version"])
        assert field in caught.value.message_dict
    contradictions = {
        "shell_rigidity": {"device_type": "accommodative", "shell_rigidity": "rigid"},
        "heel_cup_depth_mm": {"device_type": "dress", "heel_cup_depth_mm": 18},
        "top_cover": {"device_type": "dress", "heel_cup_depth_mm": 12, "top_cover": "neoprene"},
        "metatarsal_pad": {"extension": "mortons", "metatarsal_pad": True},
    }
    for field, change in contradictions.items():
        with pytest.raises(ValidationError) as caught:
            Prescription(version=1, **{**base, **change}).full_clean(exclude=["order", "version"])
        assert field in caught.value.message_dict, field
    eva_rigid = {**base, "shell_material": "eva", "shell_rigidity": "rigid"}
    with pytest.raises(ValidationError, match="EVA"):
        Prescription(version=1, **eva_rigid).full_clean(exclude=["order", "version"])
