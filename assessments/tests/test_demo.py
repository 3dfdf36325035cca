"""Demo assessments: v2 results beside one stored by v1; seeding twice adds nothing."""

import io

import pytest

from assessments import demo
from assessments.models import Assessment

pytestmark = pytest.mark.django_db


def test_demo_seed_has_v1_and_v2_results_and_is_idempotent():
    demo.seed(io.StringIO())
    first = dict(Assessment.objects.values_list("contact_email", "model_version"))
    demo.seed(io.StringIO())
    assert Assessment.objects.count() == len(demo.DEMO_EMAILS) == len(first)
    assert first[demo.DEMO_EMAILS["version_1"]] == "1"
    assert first[demo.DEMO_EMAILS["submitted"]] == "2"
    high_arched = Assessment.objects.get(contact_email=demo.DEMO_EMAILS["high_arched"])
    assert high_arched.band == "moderate" and high_arched.result["foot_type"] == "supinated"
    urgent = Assessment.objects.get(contact_email=demo.DEMO_EMAILS["urgent"])
    assert urgent.urgent and urgent.result["urgency"] == "same_day"
