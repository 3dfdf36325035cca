"""The clinic's orders (issue 14): paid orders without an assessment wait for a clinician, who
approves them in /clinic/orders/; nobody else can, a superuser included; an order placed before
checkout asked the red-flag questions needs the clinician's confirmation that they asked them."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.tests.factories import clinician, submitted
from orders import fulfilment, services
from orders.clinic.tests.factories import TYPICAL, add_prescription
from orders.lab.models import LabSubmission
from orders.models import Order
from orders.states import Status
from orders.tests.factories import (
    add_valid_scan,
    create_order,
    make_ready_for_lab,
    pay,
    seed_catalogue,
    staff_user,
)

pytestmark = pytest.mark.django_db
HYPOTHESIS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def catalogue(db):
    seed_catalogue()


# The clinic's approval carries a prescription (issue 19): the form's fields, prefixed "rx-".
RX = {f"rx-{name}": ("on" if value is True else value) for name, value in TYPICAL.items()}
RX = {key: value for key, value in RX.items() if value is not False}


def _scanned(order):
    add_valid_scan(order, "left")
    add_valid_scan(order, "right")
    fulfilment.order_mark_scans_received(order=order)
    order.refresh_from_db()
    assert order.status == Status.SCANS_RECEIVED
    return order


def _paid_at(order, minutes_ago: int):
    Order.objects.filter(pk=order.pk).update(
        paid_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return order


# --- Who may open it ---------------------------------------------------------------------------------


def test_only_clinicians_open_the_clinics_orders(client, catalogue, django_user_model):
    order = pay(create_order())
    staff, nurse = staff_user(), clinician("nurse")
    for url in ("/clinic/orders/", f"/clinic/orders/{order.pk}/"):
        client.logout()
        assert client.get(url)["Location"].startswith("/accounts/login/")
        client.force_login(staff)
        assert client.get(url).status_code == 403
        assert client.post(url, {"notes": "x"}).status_code == 403
        client.force_login(nurse)
        assert client.get(url).status_code == 200
    order.refresh_from_db()
    assert order.approved_for_lab_at is None


def test_a_superuser_outside_the_clinicians_group_is_refused_the_approval(
    client, catalogue, django_user_model
):
    boss = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    order = _scanned(pay(create_order()))
    client.force_login(boss)
    assert client.get(f"/clinic/orders/{order.pk}/").status_code == 200  # may look
    response = client.post(f"/clinic/orders/{order.pk}/", {**RX, "notes": "looks fine"})
    assert response.status_code == 200
    assert "Only a clinician can approve an order for the lab." in response.content.decode()
    order.refresh_from_db()
    assert order.status == Status.SCANS_RECEIVED and order.approved_for_lab_at is None
    assert not LabSubmission.objects.filter(order=order).exists()


# --- The list ----------------------------------------------------------------------------------------


def test_the_list_shows_paid_orders_without_an_assessment_and_approval_newest_payment_first(
    client, catalogue
):
    older = _paid_at(pay(create_order(email="old@example.com")), 180)
    newer = _paid_at(pay(create_order(email="new@example.com")), 5)
    unpaid = create_order(email="unpaid@example.com")
    assessed = pay(create_order(assessment=submitted()))
    approved = pay(create_order(email="done@example.com"))
    add_prescription(approved)
    fulfilment.order_approve_for_lab(order=approved, actor=clinician("approver"))
    client.force_login(clinician("nurse"))
    html = client.get("/clinic/orders/").content.decode()
    assert html.index(newer.number) < html.index(older.number)
    for absent in (unpaid, assessed, approved):
        assert f">{absent.number}</a>" not in html
    assert f">{newer.number}</a>" in html
    assert "3\xa0hours" in html  # how long the older one has waited
    assert "£" not in html and "stripe" not in html.lower()  # no payment details
    assert 'href="/clinic/orders/"' in html and 'aria-current="page"' in html  # the clinic nav


# --- Approving ---------------------------------------------------------------------------------------


def test_a_clinician_approves_and_the_scanned_order_goes_on_to_the_lab(
    client, catalogue, django_capture_on_commit_callbacks
):
    order = _scanned(pay(create_order()))
    nurse = clinician("nurse")
    client.force_login(nurse)
    page = client.get(f"/clinic/orders/{order.pk}/").content.decode()
    assert "None of these" in page and "Yes (confirmed" in page  # the health answers
    assert page.count("Valid: Length 262 mm, ball 102 mm") == 2  # each scan's status, measures
    assert "£" not in page and "Payment confirmed" not in page
    assert 'name="red_flags_checked"' not in page  # asked at checkout: no confirmation needed
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            f"/clinic/orders/{order.pk}/", {**RX, "notes": "Fine for a standard pair."}
        )
    assert response["Location"] == "/clinic/orders/"
    order.refresh_from_db()
    assert order.status == Status.CLINICALLY_APPROVED
    assert order.approved_for_lab_by == nurse
    assert LabSubmission.objects.filter(order=order).count() == 1
    last = order.status_changes.order_by("-created_at", "-id").first()
    assert last.actor == nurse and last.note == "Fine for a standard pair."
    listing = client.get("/clinic/orders/").content.decode()
    assert f"Order {order.number} is approved for the lab." in listing  # the message
    assert f">{order.number}</a>" not in listing  # no longer waiting


def test_an_approval_before_the_scans_waits_for_them(client, catalogue):
    order = pay(create_order())
    client.force_login(clinician("nurse"))
    client.post(f"/clinic/orders/{order.pk}/", {**RX, "notes": ""})
    order.refresh_from_db()
    assert order.status == Status.AWAITING_SCANS and order.approved_for_lab_at is not None
    _scanned_status = _scanned_after_approval(order)
    assert _scanned_status == Status.CLINICALLY_APPROVED


def _scanned_after_approval(order) -> str:
    add_valid_scan(order, "left")
    add_valid_scan(order, "right")
    fulfilment.order_mark_scans_received(order=order)
    order.refresh_from_db()
    return order.status


def test_an_order_with_a_failed_screen_cannot_be_made_and_cannot_be_approved(catalogue):
    """Checkout never makes one (test_checkout_health); were one written straight to the database,
    no clinician's approval would let it reach the lab."""
    from orders.checkout.health_screen import screen_from_answers

    for screen in (
        screen_from_answers(flags=["cancer_history"], adult=True),
        screen_from_answers(flags=["none"], adult=False),
    ):
        with pytest.raises(ValueError, match="referral"):
            create_order(health_screen=screen)
    assert not Order.objects.exists()
    order = _scanned(pay(create_order()))
    Order.objects.filter(pk=order.pk).update(
        health_screen={"red_flags": ["cancer_history"], "adult": True}
    )
    order.refresh_from_db()
    with pytest.raises(services.ClinicalApprovalRefused, match="referral"):
        fulfilment.order_approve_for_lab(
            order=order, actor=clinician("nurse"), red_flags_checked=True
        )
    with pytest.raises(services.ClinicalApprovalRefused):
        services.order_set_status(order=order, to_status=Status.CLINICALLY_APPROVED)
    order.refresh_from_db()
    assert order.status == Status.SCANS_RECEIVED and order.approved_for_lab_at is None


def test_a_legacy_order_needs_the_clinicians_red_flag_confirmation(client, catalogue):
    order = _scanned(pay(create_order(screened=False)))
    assert order.health_screen_at is None
    nurse = clinician("nurse")
    client.force_login(nurse)
    page = client.get(f"/clinic/orders/{order.pk}/").content.decode()
    assert "placed before checkout asked the red-flag questions" in page
    assert 'name="red_flags_checked"' in page
    response = client.post(f"/clinic/orders/{order.pk}/", {"notes": "ok"})
    html = response.content.decode()
    assert response.status_code == 200 and 'class="error-summary"' in html
    assert 'href="#id_red_flags_checked"' in html
    order.refresh_from_db()
    assert order.approved_for_lab_at is None and order.red_flags_confirmed_at is None
    # The service refuses it too, without the confirmation.
    with pytest.raises(services.ClinicalApprovalRefused, match="placed before checkout"):
        fulfilment.order_approve_for_lab(order=order, actor=nurse)
    order.refresh_from_db()
    assert order.approved_for_lab_at is None and order.status == Status.SCANS_RECEIVED

    response = client.post(
        f"/clinic/orders/{order.pk}/", {**RX, "red_flags_checked": "on", "notes": ""}
    )
    assert response["Location"] == "/clinic/orders/"
    order.refresh_from_db()
    assert order.status == Status.CLINICALLY_APPROVED
    assert order.red_flags_confirmed_by == nurse and order.red_flags_confirmed_at is not None
    notes = list(order.status_changes.values_list("note", flat=True))
    assert "A clinician confirmed they asked the red-flag questions with the customer." in notes


def test_a_staff_approval_from_before_is_replaced_by_a_clinicians(catalogue):
    """Legacy: general staff approved an order for the lab (the removed admin action); it never
    stands, and a clinician's approval replaces it."""
    order = _scanned(pay(create_order()))
    staff = staff_user()
    Order.objects.filter(pk=order.pk).update(
        approved_for_lab_at=timezone.now(), approved_for_lab_by=staff
    )
    order.refresh_from_db()
    assert "clinician" in services.order_clinical_refusal(order=order)
    with pytest.raises(services.ClinicalApprovalRefused):
        services.order_set_status(order=order, to_status=Status.CLINICALLY_APPROVED)
    nurse = clinician("nurse")
    fulfilment.order_approve_for_lab(order=order, actor=nurse)
    order.refresh_from_db()
    assert order.status == Status.CLINICALLY_APPROVED and order.approved_for_lab_by == nurse


def test_an_order_with_an_assessment_is_approved_through_its_review_not_directly(client, catalogue):
    """Its clinic page exists (issue 19: the approval carries a prescription), but the approval
    is the assessment's review; `order_approve_for_lab` still refuses it."""
    order = pay(create_order(assessment=submitted()))
    client.force_login(clinician("nurse"))
    assert client.get(f"/clinic/orders/{order.pk}/").status_code == 200
    assert f">{order.number}</a>" not in client.get("/clinic/orders/").content.decode()
    with pytest.raises(services.ClinicalApprovalRefused):
        fulfilment.order_approve_for_lab(order=order, actor=clinician("other"))


def test_the_factory_helper_still_reaches_the_lab_through_a_clinician(catalogue):
    order = make_ready_for_lab(pay(create_order()))
    assert order.status == Status.CLINICALLY_APPROVED
    assert services.order_clinical_refusal(order=order) == ""


# --- No sequence opens the gate --------------------------------------------------------------------

LAB_SIDE = {
    Status.CLINICALLY_APPROVED,
    Status.SENT_TO_LAB,
    Status.IN_PRODUCTION,
    Status.SHIPPED,
    Status.DELIVERED,
}
ATTEMPTS = [
    "scans",
    "rescan",
    "approve_as_staff",
    "approve_as_superuser",
    "approve_as_nobody",
    "record_as_staff",
    "legacy_clinician_without_check",
    "force_approved",
    "force_sent_to_lab",
    "http_clinic_as_superuser",
    "http_clinic_as_staff",
    "http_admin_actions_as_superuser",
]


def _attempt(name, order, people) -> None:
    from django.test import Client

    from orders.admin import OrderAdmin

    refused = (services.ClinicalApprovalRefused, services.IllegalTransition, ValueError)
    try:
        if name == "scans":
            add_valid_scan(order, "left")
            add_valid_scan(order, "right")
            fulfilment.order_mark_scans_received(order=order)
        elif name == "rescan":
            fulfilment.order_mark_scans_needed(order=order)
        elif name == "approve_as_staff":
            fulfilment.order_approve_for_lab(
                order=order, actor=people["staff"], red_flags_checked=True
            )
        elif name == "approve_as_superuser":
            fulfilment.order_approve_for_lab(
                order=order, actor=people["boss"], red_flags_checked=True
            )
        elif name == "approve_as_nobody":
            fulfilment.order_record_clinical_approval(order=order, actor=None)
        elif name == "record_as_staff":
            fulfilment.order_record_clinical_approval(order=order, actor=people["staff"])
        elif name == "legacy_clinician_without_check":
            if order.health_screen_at is None:  # a clinician, but the red flags were never asked
                fulfilment.order_approve_for_lab(order=order, actor=people["nurse"])
        elif name == "force_approved":
            services.order_set_status(order=order, to_status=Status.CLINICALLY_APPROVED)
        elif name == "force_sent_to_lab":
            fulfilment.order_mark_sent_to_lab(order=order, lab_reference="LAB-1")
        elif name.startswith("http_"):
            client = Client()
            client.force_login(people["staff" if name.endswith("staff") else "boss"])
            if name.startswith("http_clinic"):
                client.post(f"/clinic/orders/{order.pk}/", {"red_flags_checked": "on"})
            else:
                for action in OrderAdmin.actions:
                    client.post(
                        "/admin/orders/order/",
                        {"action": action, "_selected_action": [order.pk], "apply": "1"},
                    )
    except refused:
        pass
    order.refresh_from_db()


@HYPOTHESIS
@given(
    screened=st.booleans(),
    attempts=st.lists(st.sampled_from(ATTEMPTS), min_size=1, max_size=6),
)
def test_no_sequence_without_a_clinicians_approval_reaches_the_lab(
    screened, attempts, catalogue, django_user_model, django_capture_on_commit_callbacks
):
    """Without an assessment: staff, a superuser, nobody, forced statuses, the clinic and admin
    over HTTP, and (for an order placed before checkout asked the red-flag questions) a clinician
    who did not confirm asking them; whatever the order, the order never goes towards the lab."""
    people = {
        "staff": django_user_model.objects.filter(username="staffer").first() or staff_user(),
        "boss": django_user_model.objects.filter(username="boss").first()
        or django_user_model.objects.create_superuser("boss", "boss@example.com", "pw"),
        "nurse": django_user_model.objects.filter(username="gate-nurse").first()
        or clinician("gate-nurse"),
    }
    order = pay(create_order(screened=screened))
    with django_capture_on_commit_callbacks(execute=True):
        for name in attempts:
            _attempt(name, order, people)
            assert order.status not in LAB_SIDE, (name, order.status)
    assert not LabSubmission.objects.filter(order=order).exists()
    assert services.order_clinical_refusal(order=order)
