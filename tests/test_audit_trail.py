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


# --- Bulk writes: QuerySet.update(), bulk_update(), bulk_create() fire no signals --------------


def test_queryset_update_is_recorded_with_the_fields_and_the_person(
    django_capture_on_commit_callbacks,
):
    from fitsperfect import audit_trail
    from orders.models import Order

    staff = UserFactory(username="sam", is_staff=True)
    first, second, untouched = create_order(), create_order(), create_order()
    before = AccessRecord.objects.count()
    token = audit_trail._current_user.set(staff)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            count = Order.objects.filter(pk__in=[first.pk, second.pk]).update(phone="0999")
    finally:
        audit_trail._current_user.reset(token)
    assert count == 2
    records = AccessRecord.objects.order_by("id")[before:]
    assert sorted((r.action, r.object_id, r.fields, r.username) for r in records) == sorted(
        ("change", str(order.pk), ["phone"], "sam") for order in (first, second)
    )
    assert str(untouched.pk) not in {r.object_id for r in records}


def test_an_update_that_matches_nothing_records_nothing(django_capture_on_commit_callbacks):
    from orders.models import Order

    order = create_order()
    before = AccessRecord.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assert Order.objects.filter(pk=order.pk, phone="not-this").update(phone="1") == 0
        assert order.scans.update(check_attempts=3) == 0  # related managers are audited too
    assert AccessRecord.objects.count() == before


def test_related_manager_update_and_bulk_update_name_model_fields(
    django_capture_on_commit_callbacks,
):
    from orders.models import Order
    from orders.scans.models import Scan
    from orders.tests.factories import add_valid_scan

    order = create_order()
    scan = add_valid_scan(order, "left")
    before = AccessRecord.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assert order.scans.update(check_attempts=7) == 1
        order.phone = "0777"
        Order.objects.bulk_update([order], ["phone"])
        Scan.objects.filter(pk=scan.pk).update(order_id=order.pk)  # attname → field name
    records = list(AccessRecord.objects.order_by("id")[before:])
    assert [(r.object_type, r.object_id, r.fields) for r in records] == [
        ("scans.scan", str(scan.pk), ["check_attempts"]),
        ("orders.order", str(order.pk), ["phone"]),
        ("scans.scan", str(scan.pk), ["order"]),
    ]


def test_a_bulk_update_that_rolls_back_leaves_no_record(django_capture_on_commit_callbacks):
    from django.db import transaction

    from orders.models import Order

    order = create_order()
    before = AccessRecord.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        Order.objects.filter(pk=order.pk).update(phone="0111")
        raise RuntimeError
    assert AccessRecord.objects.count() == before
    assert Order.objects.get(pk=order.pk).phone != "0111"


def test_every_audited_model_is_written_through_the_audited_queryset():
    """A new audited model, or a custom manager, must not open a way round the trail."""
    from django.apps import apps

    from fitsperfect.audit_trail import AuditedQuerySet, audited_models
    from orders.models import Order

    labels = audited_models()  # each app lists its own on its AppConfig
    assert {"assessments.Assessment", "assessments.Review", "orders.Order", "scans.Scan"} <= set(
        labels
    )
    for label in labels:
        model = apps.get_model(label)
        for manager in model._meta.managers:
            assert isinstance(manager.get_queryset(), AuditedQuerySet), (label, manager.name)
    assert isinstance(Order(pk=1).scans.all(), AuditedQuerySet)


def test_bulk_create_is_recorded(django_capture_on_commit_callbacks):
    from assessments.models import Review

    assessment = submitted()
    before = AccessRecord.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        created = Review.objects.bulk_create(
            [Review(assessment=assessment, decision="approved") for _ in range(2)]
        )
    records = AccessRecord.objects.order_by("id")[before:]
    assert sorted((r.action, r.object_type, r.object_id) for r in records) == sorted(
        ("create", "assessments.review", str(review.pk)) for review in created
    )
