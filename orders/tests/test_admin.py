"""Staff run orders in admin: constant queries, read-only payments, actions through the services."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.urls import reverse

from orders import fulfilment, services
from orders.models import Order, OrderStatusChange
from orders.payments.models import StripeEvent
from orders.states import Status
from tests.fakes.stripe import event, post_event

from .factories import clinician_user, create_order

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/orders/order/"


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_user("staffer", password="pw-long-12345", is_staff=True)
    user.groups.add(Group.objects.get(name="Staff"))
    client.force_login(user)
    client.user = user
    return client


def _bulk_orders(count: int, start: int = 0) -> None:
    template = create_order()
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Order._meta.concrete_fields
        if f.attname not in {"id", "number", "access_token", "checkout_key"}
    }
    Order.objects.bulk_create(
        [
            Order(**{**fields, "number": f"FP-B{n:07d}", "access_token": f"bulk-{n}"})
            for n in range(start, start + count - 1)
        ],
        batch_size=2000,
    )


def _changelist_queries(client, django_assert_max_num_queries, url=CHANGELIST, limit=12):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_staff_group_has_order_permissions_and_clinicians_no_payments(db):
    staff = set(Group.objects.get(name="Staff").permissions.values_list("codename", flat=True))
    assert {
        "view_order",
        "change_order",
        "refund_order",
        "view_payment",
        "view_stripeevent",
    } <= staff
    clinicians, _ = Group.objects.get_or_create(name="Clinicians")
    payment_perms = Permission.objects.filter(
        content_type__app_label="orders",
        codename__in=["view_payment", "refund_order", "view_stripeevent"],
    )
    assert not clinicians.permissions.filter(pk__in=payment_perms).exists()


def test_changelist_query_count_is_the_same_for_10_and_10000_orders(
    staff_client, catalogue, django_assert_max_num_queries
):
    _bulk_orders(10)
    small = _changelist_queries(staff_client, django_assert_max_num_queries)
    for url in (
        CHANGELIST + "?status=awaiting_payment",
        CHANGELIST + "?q=ann",
        CHANGELIST + "?work=overdue",
        CHANGELIST + "?work=scans_review",
        CHANGELIST + "?q=SW1A",
    ):
        _changelist_queries(staff_client, django_assert_max_num_queries, url)
    _bulk_orders(10_000, start=100)
    assert Order.objects.count() > 10_000
    large = _changelist_queries(staff_client, django_assert_max_num_queries)
    assert large == small
    html = staff_client.get(CHANGELIST).content.decode()
    assert "Ann Example &lt;ann@example.com&gt;" in html and "£164.00" in html


def test_change_page_runs_a_bounded_number_of_queries(
    staff_client, catalogue, django_assert_max_num_queries
):
    order = create_order()
    services.order_mark_paid(
        order=order, event=None, amount=order.total, currency="gbp", payment_intent_id="pi_1"
    )
    with django_assert_max_num_queries(30):
        response = staff_client.get(reverse("admin:orders_order_change", args=[order.pk]))
    html = response.content.decode()
    assert "Awaiting scans" in html and "pi_1" in html and "Timeline" in html.title()


def test_payment_fields_are_read_only(staff_client, catalogue):
    order = create_order()
    url = reverse("admin:orders_order_change", args=[order.pk])
    html = staff_client.get(url).content.decode()
    assert 'name="total"' not in html and 'name="status"' not in html
    assert 'name="stripe_payment_intent_id"' not in html and 'name="full_name"' in html


def test_a_clinician_with_order_view_access_does_not_see_payments(
    client, catalogue, django_user_model
):
    user = django_user_model.objects.create_user("clin", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(user)
    order = create_order()
    services.order_mark_paid(
        order=order, event=None, amount=order.total, currency="gbp", payment_intent_id="pi_secret"
    )
    html = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "pi_secret" not in html and "Amount paid" not in html
    assert client.get("/admin/payments/stripeevent/").status_code == 403


def test_mark_shipped_action_asks_for_tracking_then_ships(
    staff_client, catalogue, django_capture_on_commit_callbacks
):
    order = create_order()
    services.order_mark_paid(order=order, event=None, amount=order.total, currency="gbp")
    fulfilment.order_mark_scans_received(order=order)
    fulfilment.order_record_clinical_approval(order=order, actor=clinician_user())
    fulfilment.order_mark_sent_to_lab(order=order)
    data = {"action": "action_mark_shipped", "_selected_action": [order.pk]}
    page = staff_client.post(CHANGELIST, data)
    assert b"Tracking number" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            CHANGELIST,
            {**data, "apply": "1", "carrier": _carrier("DPD"), "tracking_number": "DPD123"},
        )
    order.refresh_from_db()
    assert order.status == Status.SHIPPED and order.tracking_number == "DPD123"
    change = order.status_changes.last()
    assert change.actor == staff_client.user
    shipped = [m for m in mail.outbox if "shipped" in m.subject]
    assert shipped and "https://track.dpd.co.uk/parcels/DPD123" in shipped[0].body


def _carrier(name: str) -> int:
    from orders.models import Carrier

    from .factories import seed_carriers

    seed_carriers()
    return Carrier.objects.get(name=name).pk


def test_an_illegal_action_reports_an_error_and_changes_nothing(staff_client, catalogue):
    order = create_order()
    staff_client.post(
        CHANGELIST,
        {
            "action": "action_mark_shipped",
            "_selected_action": [order.pk],
            "apply": "1",
            "carrier": _carrier("DPD"),
            "tracking_number": "1",
        },
    )
    assert Order.objects.get(pk=order.pk).status == Status.AWAITING_PAYMENT


def test_cancel_action(staff_client, catalogue):
    order = create_order()
    data = {"action": "action_cancel_refund", "_selected_action": [order.pk]}
    assert b"Why is it cancelled?" in staff_client.post(CHANGELIST, data).content
    assert Order.objects.get(pk=order.pk).status == Status.AWAITING_PAYMENT  # asked first
    staff_client.post(CHANGELIST, {**data, "apply": "1", "reason": "Customer changed their mind"})
    order = Order.objects.get(pk=order.pk)
    assert order.status == Status.CANCELLED
    assert order.status_changes.last().note == "Customer changed their mind"


def test_refund_action_goes_through_stripe_and_is_recorded_from_the_event(
    staff_client, catalogue, stripe_server, webhook_secret, client
):
    from orders.payments import checkout

    order = create_order()
    checkout.start_checkout(
        order=order, success_url="http://x/s", cancel_url="http://x/c", test_page_url="/"
    )
    order.refresh_from_db()
    session = stripe_server.pay(order.stripe_checkout_session_id)
    post_event(client, event("checkout.session.completed", session), webhook_secret)
    data = {"action": "action_refund", "_selected_action": [order.pk]}
    assert b"Amount to refund" in staff_client.post(CHANGELIST, data).content
    staff_client.post(CHANGELIST, {**data, "apply": "1", "amount": "164.00"})
    assert stripe_server.created["refund"] == 1
    refund_request = next(r for r in stripe_server.requests if r[1] == "/v1/refunds")
    assert refund_request[2]["amount"] == str(order.total) and refund_request[3]
    for settled in stripe_server.settle_refunds():
        post_event(client, settled, webhook_secret)
    order.refresh_from_db()
    assert order.status == Status.REFUNDED and order.amount_refunded == order.total


def test_general_staff_have_no_approve_for_lab_action(staff_client, catalogue):
    """Only a clinician approves an order for the lab (in the clinic); the old action is gone."""
    plain = create_order()
    services.order_mark_paid(order=plain, event=None, amount=plain.total, currency="gbp")
    fulfilment.order_mark_scans_received(order=plain)
    page = staff_client.get(CHANGELIST).content.decode()
    assert "action_approve_for_lab" not in page
    staff_client.post(
        CHANGELIST, {"action": "action_approve_for_lab", "_selected_action": [plain.pk]}
    )
    plain.refresh_from_db()
    assert plain.status == Status.SCANS_RECEIVED and plain.approved_for_lab_at is None


def test_resend_email_and_csv_export(staff_client, catalogue, django_capture_on_commit_callbacks):
    order = create_order(email="=cmd@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        services.order_mark_paid(order=order, event=None, amount=order.total, currency="gbp")
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            CHANGELIST, {"action": "action_resend_email", "_selected_action": [order.pk]}
        )
    assert len(mail.outbox) == sent + 1
    response = staff_client.post(
        CHANGELIST, {"action": "action_export_csv", "_selected_action": [order.pk]}
    )
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert order.number in body and "164.00" in body and "'=cmd@example.com" in body


def test_stripe_events_are_visible_and_can_be_reprocessed(
    staff_client, catalogue, webhook_secret, client
):
    post_event(
        client,
        event("charge.refunded", {"id": "ch_1", "object": "charge", "payment_intent": "pi_none"}),
        webhook_secret,
    )
    stored = StripeEvent.objects.get()
    html = staff_client.get("/admin/payments/stripeevent/?result__exact=deferred").content.decode()
    assert stored.event_id in html and "no paid order for PaymentIntent pi_none" in html
    staff_client.post(
        "/admin/payments/stripeevent/",
        {"action": "action_reprocess", "_selected_action": [stored.pk]},
    )
    stored.refresh_from_db()
    assert not stored.processed and stored.result == "deferred" and stored.error == ""


def _run_action(client, action: str, order) -> None:
    response = client.post(
        CHANGELIST, {"action": action, "_selected_action": [order.pk]}, follow=True
    )
    assert response.status_code == 200


def test_revoking_an_order_link_kills_the_old_one_and_records_it(staff_client, catalogue):
    order = create_order()
    old_url = order.get_absolute_url()
    assert staff_client.get(old_url).status_code == 200
    _run_action(staff_client, "action_revoke_link", order)
    order.refresh_from_db()
    assert order.get_absolute_url() != old_url
    assert staff_client.get(old_url).status_code == 404
    assert staff_client.get(order.get_absolute_url()).status_code == 200
    note = OrderStatusChange.objects.filter(order=order).latest("id")
    assert "revoked" in note.note and note.actor == staff_client.user


def test_checkout_records_which_consent_wording_was_agreed(catalogue):
    from orders.consent import HEALTH_DATA_CONSENT_VERSION

    order = create_order()
    assert order.health_data_consent_at is not None
    assert order.health_data_consent_version == HEALTH_DATA_CONSENT_VERSION


def test_only_superusers_may_erase_and_unfinished_orders_are_refused(
    staff_client, admin_client, catalogue
):
    order = create_order(email="erin@example.com")
    services.order_cancel(order=order, actor=None, note="changed mind")
    # Staff do not even see the action: erasure is irreversible.
    _run_action(staff_client, "action_erase_customer_data", order)
    order.refresh_from_db()
    assert order.email == "erin@example.com"

    _run_action(admin_client, "action_erase_customer_data", order)
    order.refresh_from_db()
    assert order.email.endswith("@erased.invalid") and order.full_name != "Ann Example"
    assert order.number.startswith("FP-")  # the accounting record stays

    busy = create_order(email="finn@example.com")
    services.order_mark_paid(order=busy, event=None, amount=busy.total, currency=busy.currency)
    response = admin_client.post(
        CHANGELIST,
        {"action": "action_erase_customer_data", "_selected_action": [busy.pk]},
        follow=True,
    )
    assert "Not erased" in response.content.decode()
    busy.refresh_from_db()
    assert busy.email == "finn@example.com"
