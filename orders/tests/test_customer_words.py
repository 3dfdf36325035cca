"""Customers are told the truth in their words: no internal identifiers in any order email or
template or on their timeline, who did what named, the dispatch date and the tracking link."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from orders import fulfilment, services
from orders.emails import render_email
from orders.models import OrderEmail
from orders.reminders import services as reminders

from .factories import add_valid_scan, clinician_user, create_order, seed_carriers

pytestmark = pytest.mark.django_db

FORBIDDEN = ("evt_", "pi_", "cs_", "folder:", "_r1_", "re_test")
EMAIL_FOLDERS = [
    Path(settings.BASE_DIR) / "orders" / "templates" / "orders" / "emails",
    Path(settings.BASE_DIR) / "orders" / "reminders" / "templates" / "reminders" / "emails",
]


def _leaks(text: str, *random_parts: str) -> list[str]:
    """The forbidden references in `text`, once the random link tokens (which may hold "pi_" by
    chance) are taken out."""
    for part in random_parts:
        text = text.replace(part, "TOKEN")
    return [token for token in FORBIDDEN if token in text]


def test_no_email_template_holds_an_internal_identifier():
    templates = [p for folder in EMAIL_FOLDERS for p in sorted(folder.iterdir())]
    assert len(templates) >= 20
    for template in templates:
        assert _leaks(template.read_text()) == [], template.name


def _order_through_every_step():
    """An order paid through Stripe, its scans accepted, approved by a named clinician, received
    by the lab through the drop folder, shipped and delivered: each step writes the internal notes
    the real code writes (event ids, payment intents, folder references)."""
    seed_carriers()
    order = create_order()
    event = SimpleNamespace(event_id="evt_test_1PQrSt2eZvKYlo2C")
    services.order_mark_paid(
        order=order,
        event=event,
        amount=order.total,
        currency="gbp",
        payment_intent_id="pi_3PQrSt2eZvKYlo2C1a2b3c4d",
        checkout_session_id="cs_test_a1B2c3D4e5F6",
    )
    add_valid_scan(order, "left")
    add_valid_scan(order, "right")
    staff = get_user_model().objects.create_user("anna", first_name="Anna", is_staff=True)
    services.order_add_note(order=order, actor=staff, note="Checked scan sha pi_ and evt_ refs")
    fulfilment.order_mark_scans_received(order=order)
    doctor = clinician_user()
    doctor.first_name, doctor.last_name = "Dr Priya", "Shah"
    doctor.save()
    fulfilment.order_approve_for_lab(order=order, actor=doctor, note="Approved, cs_ check.")
    reference = f"folder:{order.number}_r1_20261130T101500Z"
    fulfilment.order_mark_sent_to_lab(
        order=order,
        lab_reference=reference,
        note=f"Received by the lab (reference {reference}).",
    )
    fulfilment.order_mark_in_production(order=order)
    fulfilment.order_mark_shipped(order=order, carrier="Royal Mail", tracking_number="RM12 3GB")
    fulfilment.order_mark_delivered(order=order, actor=staff)
    order.refresh_from_db()
    return order


def test_every_order_email_and_the_timeline_say_it_in_the_customers_words(catalogue):
    order = _order_through_every_step()
    assert order.status_changes.filter(note__contains="evt_").exists()  # the notes do hold them
    rendered = {}
    for kind in OrderEmail.Kind.values:
        subject, text, html = render_email(OrderEmail(order=order, kind=kind))
        rendered[kind] = text + html
        assert _leaks(subject + text + html, order.access_token) == [], kind
    assert "Dr Priya Shah approved your orthotic prescription" in rendered["sent_to_lab"]
    assert "We expect to dispatch them by" in rendered["sent_to_lab"]
    tracking = "https://www.royalmail.com/track-your-item#/tracking-results/RM12%203GB"
    assert tracking in rendered["shipped"]
    html = Client().get(order.get_absolute_url()).content.decode()
    timeline = html.split('id="timeline-title"')[1].split("</section>")[0]
    assert _leaks(timeline, order.access_token) == []
    assert "We received your payment of £164.00." in timeline
    assert "Our team checked your foot scans" in timeline
    assert "Dr Priya Shah approved your orthotic prescription." in timeline
    assert "Our lab started making your orthotics." in timeline
    assert f'href="{tracking}"' in html


def test_every_reminder_renders_without_internal_identifiers(catalogue):
    from django.template.loader import render_to_string

    order = _order_through_every_step()
    context = {
        "order": order,
        "order_url": "https://fitsperfect.example/orders/x/",
        "scans_url": "https://fitsperfect.example/orders/x/scans/",
        "result_url": "https://fitsperfect.example/assessment/result/x/",
        "days": 3,
        "free_days": reminders.FREE_ADJUSTMENT_DAYS,
        "unsubscribe_url": reminders.unsubscribe_url(order.email),
    }
    for name in ("scans", "delivery", "assessment"):
        for suffix in ("_subject.txt", ".txt", ".html"):
            text = render_to_string(f"reminders/emails/{name}{suffix}", context)
            leaks = _leaks(text, context["unsubscribe_url"])
            assert text.strip() and leaks == [], name + suffix
