"""The audit trail: who viewed or changed an assessment, a scan or an order; superusers read it."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from assessments.tests.factories import UserFactory, clinician, submitted
from fitsperfect.models import AccessRecord
from orders.tests.factories import create_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick(settings):
    settings.RATE_LIMITS_ENABLED = False


def test_a_clinicians_view_and_review_are_recorded(django_capture_on_commit_callbacks):
    reviewer = clinician()
    assessment = submitted(activity={"conditions": "secret-condition"})
    client = Client()
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(f"/clinic/assessments/{assessment.pk}/").status_code == 200
        client.post(
            f"/clinic/assessments/{assessment.pk}/", {"decision": "approved", "notes": "fine"}
        )
    view = AccessRecord.objects.get(action="view", object_type="assessments.assessment")
    assert (view.user, view.username, view.object_id) == (reviewer, "clin", str(assessment.pk))
    assert view.url_name == "assessments:clinic_assessment"
    review = AccessRecord.objects.get(object_type="assessments.review", action="create")
    assert review.username == "clin"
    changed = AccessRecord.objects.filter(
        object_type="assessments.assessment", action="change", username="clin"
    )
    assert any("decision" in r.fields for r in changed)
    # Field names only: the trail is not a second copy of the health data.
    stored = json.dumps(list(AccessRecord.objects.values()), default=str)
    assert "secret-condition" not in stored and "fine" not in stored


def test_token_pages_are_recorded_without_the_token(django_capture_on_commit_callbacks):
    order = create_order()
    assessment = submitted()
    with django_capture_on_commit_callbacks(execute=True):
        Client().get(order.get_absolute_url())
        Client().get(f"/assessment/result/{assessment.token}/")
        Client().get("/orders/not-a-real-token/")  # a 404 is not a view of anything
    records = list(AccessRecord.objects.filter(action="view"))
    assert {r.object_type for r in records} == {"orders.order", "assessments.assessment"}
    assert all(r.user is None and r.object_id.startswith("token:") for r in records)
    stored = json.dumps(list(AccessRecord.objects.values()), default=str)
    assert order.access_token not in stored and assessment.token not in stored


def test_order_changes_name_the_fields_and_the_person(django_capture_on_commit_callbacks):
    staff = UserFactory(username="sam", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name="Staff")[0])
    with django_capture_on_commit_callbacks(execute=True):
        order = create_order()
    created = AccessRecord.objects.get(object_type="orders.order", action="create")
    assert created.object_id == str(order.pk) and created.user is None
    from orders.models import Order

    before = AccessRecord.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        loaded = Order.objects.get(pk=order.pk)
        loaded.phone = "0123"
        loaded.save()
        loaded.save()  # nothing changed: nothing recorded
    changes = AccessRecord.objects.order_by("id")[before:]
    assert [(r.action, r.fields) for r in changes] == [("change", ["phone"])]


def test_a_change_that_rolls_back_leaves_no_record(django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        create_order()
        raise RuntimeError
    assert not AccessRecord.objects.exists()


def test_only_superusers_read_the_trail(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        create_order()
    record = AccessRecord.objects.first()
    boss = get_user_model().objects.create_superuser("boss", "b@example.com", "x-pass-123456")
    staff = UserFactory(username="sam", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name="Staff")[0])
    superuser, other = Client(), Client()
    superuser.force_login(boss)
    other.force_login(staff)
    url = "/admin/fitsperfect/accessrecord/"
    assert superuser.get(url).status_code == 200
    assert superuser.get(f"{url}{record.pk}/change/").status_code == 200
    assert superuser.get(f"{url}add/").status_code == 403
    assert other.get(url).status_code == 403
