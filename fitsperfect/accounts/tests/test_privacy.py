"""Right of access and right to erasure (fitsperfect.accounts.privacy and its two commands)."""

from __future__ import annotations

import io
import json

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import Client

from assessments import services as assessment_services
from assessments.tests.factories import UserFactory, clinician, submitted
from content.tests.factories import SubscriberFactory
from fitsperfect.accounts.privacy import ErasureBlocked, erase_customer_data, export_customer_data
from orders.tests.factories import create_order

pytestmark = pytest.mark.django_db

EMAIL = "gina@example.com"


def _photo(assessment):
    model = apps.get_model("assessments", "AssessmentPhoto")
    photo = model(
        assessment=assessment, kind="footprint", content_type="image/png", width=1, height=1
    )
    photo.file.save("x.png", ContentFile(b"\x89PNG fake"), save=False)
    photo.save()
    return photo


def _scan(order):
    model = apps.get_model("scans", "Scan")
    scan = model(
        order=order, side="left", revision=1, original_name="gina-left.stl", status="valid"
    )
    scan.file.save("left.stl", ContentFile(b"solid gina"), save=False)
    scan.preview.save("p.png", ContentFile(b"\x89PNG"), save=False)
    scan.save()
    return scan


@pytest.fixture
def gina(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = UserFactory(username="gina", email=EMAIL, first_name="Gina", last_name="Green")
    assessment = submitted(activity={"conditions": "gout"})
    assessment.user = user
    assessment.contact_email = EMAIL
    assessment.save()
    photo = _photo(assessment)
    assessment_services.review_create(
        assessment=assessment, reviewer=clinician(), decision="approved", notes="flat feet, gout"
    )
    order = create_order(email=EMAIL, user=user, assessment=assessment)
    type(order).objects.filter(pk=order.pk).update(status="delivered", amount_paid=order.total)
    order.refresh_from_db()
    scan = _scan(order)
    from assessments import clinic_questions

    question = clinic_questions.question_ask(
        assessment=assessment, clinician=clinician(), question="Does the heel hurt at night?"
    )
    clinic_questions.question_reply(question=question, reply="Only after long walks.")
    SubscriberFactory(email=EMAIL)
    other_order = create_order(email="hal@example.com")
    return {
        "user": user,
        "assessment": assessment,
        "photo": photo,
        "order": order,
        "scan": scan,
        "other": other_order,
    }


def test_export_has_everything_about_the_person_and_nothing_else(gina):
    data = export_customer_data(email=EMAIL.upper())
    assert [a["username"] for a in data["accounts"]] == ["gina"]
    assert "password" not in data["accounts"][0]
    assert data["assessments"][0]["answers"]["activity"]["conditions"] == "gout"
    assert data["assessments"][0]["reviews"][0]["notes"] == "flat feet, gout"
    assert data["assessments"][0]["photos"][0]["kind"] == "footprint"
    assert [q["reply"] for q in data["assessments"][0]["clinic_questions"]] == [
        "Only after long walks."
    ]
    # The consent they gave, with the wording's version, is part of what they get back.
    from assessments.consent import HEALTH_DATA_CONSENT_VERSION

    assert data["assessments"][0]["health_data_consent_version"] == HEALTH_DATA_CONSENT_VERSION
    assert data["assessments"][0]["health_data_consent_at"]
    assert [o["number"] for o in data["orders"]] == [gina["order"].number]
    assert data["orders"][0]["lines"] and data["orders"][0]["scans"]
    assert data["newsletter"][0]["email"] == EMAIL
    assert gina["other"].number not in json.dumps(data, default=str)


def test_erasure_anonymises_deletes_files_and_keeps_the_accounting_record(
    gina, django_capture_on_commit_callbacks
):
    order, scan, photo = gina["order"], gina["scan"], gina["photo"]
    old_token, old_result = order.access_token, gina["assessment"].token
    storage = scan.file.storage
    names = [scan.file.name, scan.preview.name, photo.file.name]
    assert all(storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        report = erase_customer_data(email=EMAIL, actor="dpo")
    assert (report.orders, report.assessments, report.users, report.subscribers) == (1, 1, 1, 1)
    assert report.files_deleted == 3
    assert not any(storage.exists(n) for n in names)

    order.refresh_from_db()
    assert order.number == gina["order"].number  # kept for the accounts
    assert order.total == gina["order"].total and order.amount_paid == order.total
    assert order.created_at == gina["order"].created_at
    for personal in ("Ann Example", "1 High Street", "SW1A 1AA", EMAIL):
        assert personal not in json.dumps(
            [order.full_name, order.address_line1, order.postcode, order.email]
        )
    assert order.user_id is None
    assert order.access_token != old_token

    assessment = apps.get_model("assessments", "Assessment").objects.get(pk=gina["assessment"].pk)
    assert assessment.answers == {} and assessment.result == {} and assessment.contact_email == ""
    assert assessment.reviews.get().notes == ""
    assert not assessment.photos.exists()
    scan.refresh_from_db()
    assert scan.original_name == "erased" and not scan.file.name

    user = gina["user"]
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password() and user.email == ""
    assert not apps.get_model("content", "Subscriber").objects.filter(email=EMAIL).exists()

    # Old links stop working; the other customer is untouched.
    client = Client()
    assert client.get(f"/orders/{old_token}/").status_code == 404
    assert client.get(f"/assessment/result/{old_result}/").status_code == 404
    other = gina["other"]
    other.refresh_from_db()
    assert other.email == "hal@example.com" and other.full_name == "Ann Example"
    assert export_customer_data(email=EMAIL)["orders"] == []


def test_checkouts_health_answers_are_exported_and_erased(gina):
    """An order without an assessment keeps the checkout health answers: they are the person's
    health data, in their export and gone after erasure (when they were given is kept)."""
    screened = create_order(email=EMAIL, user=gina["user"])
    type(screened).objects.filter(pk=screened.pk).update(status="delivered")
    exported = {o["number"]: o for o in export_customer_data(email=EMAIL)["orders"]}
    assert exported[screened.number]["health_screen"] == {"red_flags": [], "adult": True}
    assert exported[screened.number]["adult_confirmed_at"]
    erase_customer_data(email=EMAIL, actor="dpo")
    screened.refresh_from_db()
    assert screened.health_screen == {} and screened.health_screen_at is not None


def test_an_order_in_progress_blocks_erasure_and_nothing_changes(gina):
    order = gina["order"]
    type(order).objects.filter(pk=order.pk).update(status="sent_to_lab")
    with pytest.raises(ErasureBlocked, match=order.number):
        erase_customer_data(email=EMAIL, actor="dpo")
    order.refresh_from_db()
    assert order.email == EMAIL
    assert gina["scan"].file.storage.exists(gina["scan"].file.name)
    report = erase_customer_data(email=EMAIL, actor="dpo", force=True)
    assert report.orders == 1


def test_the_commands(gina, tmp_path, django_capture_on_commit_callbacks):
    target = tmp_path / "gina.json"
    call_command("export_customer_data", email=EMAIL, output=str(target), stdout=io.StringIO())
    assert json.loads(target.read_text())["orders"][0]["number"] == gina["order"].number
    out = io.StringIO()
    call_command("erase_customer_data", email=EMAIL, actor="dpo", dry_run=True, stdout=out)
    assert json.loads(out.getvalue())["orders"] == 1
    type(gina["order"]).objects.filter(pk=gina["order"].pk).update(status="paid")
    with pytest.raises(CommandError, match="Not erased"):
        call_command("erase_customer_data", email=EMAIL, actor="dpo", stdout=io.StringIO())
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("erase_customer_data", email=EMAIL, actor="dpo", force=True, stdout=out)
    assert json.loads(out.getvalue())["orders"] == 1
    assert EMAIL not in out.getvalue()


# --- Self-service: a signed-in customer downloads their data and asks for erasure -----------------


def test_a_customer_downloads_only_what_their_account_holds(gina, settings):
    from django.test import Client

    guest_order = create_order(email=EMAIL)  # same email typed at a guest checkout: not proven
    other = create_order(email="someone@example.com")
    client = Client()
    assert client.get("/account/your-data.json").status_code == 302  # sign in first
    client.force_login(gina["user"])
    response = client.get("/account/your-data.json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="fits-perfect-my-data.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert [a["username"] for a in data["accounts"]] == ["gina"]
    assert "password" not in data["accounts"][0]
    numbers = [o["number"] for o in data["orders"]]
    assert numbers == [gina["order"].number]
    assert guest_order.number not in numbers and other.number not in numbers
    assert data["assessments"][0]["answers"]["activity"]["conditions"] == "gout"
    assert data["newsletter"] == []


def test_asking_for_erasure_is_recorded_once_and_tells_the_privacy_team(
    gina, django_capture_on_commit_callbacks, mailoutbox
):
    from fitsperfect.models import ErasureRequest

    client = Client()
    client.force_login(gina["user"])
    page = client.get("/account/delete-my-data/")
    assert page.status_code == 200 and b"Ask for my data to be erased" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/account/delete-my-data/")
        second = client.post("/account/delete-my-data/")
    request = ErasureRequest.objects.get()
    assert request.user == gina["user"] and request.status == "pending"
    for response in (first, second):
        assert f"Your reference is {request.pk}".encode() in response.content
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["privacy@fitsperfect.example"]
    assert EMAIL not in mailoutbox[0].body and "gout" not in mailoutbox[0].body


def test_a_superuser_carries_out_the_request_from_the_admin(gina, django_user_model):
    from fitsperfect.accounts.services import erasure_request_create
    from fitsperfect.models import ErasureRequest

    request = erasure_request_create(user=gina["user"])
    boss = django_user_model.objects.create_superuser("boss", "b@example.com", "boss-pass-123")
    staff = UserFactory(username="sam", is_staff=True)
    url = "/admin/fitsperfect/erasurerequest/"
    staff_client, admin_client = Client(), Client()
    staff_client.force_login(staff)
    admin_client.force_login(boss)
    assert staff_client.get(url).status_code == 403
    assert (
        staff_client.post(
            url, {"action": "action_erase", "_selected_action": [request.pk]}
        ).status_code
        == 403
    )
    response = admin_client.post(
        url, {"action": "action_erase", "_selected_action": [request.pk]}, follow=True
    )
    assert response.status_code == 200
    request.refresh_from_db()
    assert (request.status, request.handled_by, request.email) == ("done", "boss", "")
    order = gina["order"]
    order.refresh_from_db()
    assert order.full_name == "Erased customer" and order.number  # accounting record kept
    assert not ErasureRequest.objects.filter(email=EMAIL).exists()


def test_an_order_still_being_made_refuses_erasure_and_says_so(gina, django_user_model):
    from fitsperfect.accounts.services import erasure_request_carry_out, erasure_request_create

    type(gina["order"]).objects.filter(pk=gina["order"].pk).update(status="in_production")
    boss = django_user_model.objects.create_superuser("boss", "b@example.com", "boss-pass-123")
    done = erasure_request_carry_out(
        erasure_request=erasure_request_create(user=gina["user"]), actor=boss
    )
    assert done.status == "refused" and gina["order"].number in done.outcome
    gina["order"].refresh_from_db()
    assert gina["order"].full_name != "Erased customer"  # nothing half-erased


def test_the_download_runs_the_same_queries_for_one_order_or_many(gina):
    """Relations are read once each, not once per order or assessment."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fitsperfect.accounts.privacy import export_account_data

    with CaptureQueriesContext(connection) as one:
        export_account_data(user=gina["user"])
    for _ in range(3):
        create_order(email=EMAIL, user=gina["user"])
    with CaptureQueriesContext(connection) as many:
        data = export_account_data(user=gina["user"])
    assert len(data["orders"]) == 4
    assert len(many.captured_queries) == len(one.captured_queries)


def test_export_and_erasure_reach_payments_foot_photos_and_stripe_deliveries(
    gina, django_capture_on_commit_callbacks
):
    from orders.payments.models import Payment, StripeEvent
    from orders.scans.models import FootPhoto

    order = gina["order"]
    Payment.objects.create(
        order=order, kind="charge", stripe_object_id="pi_gina", amount=order.total, currency="gbp"
    )
    photo = FootPhoto(order=order, role="left_photo", file_format="jpeg", width=1, height=1)
    photo.file.save("left.jpg", ContentFile(b"\xff\xd8\xff fake"), save=False)
    photo.save()
    body = json.dumps({"data": {"object": {"customer_details": {"email": EMAIL}}}})
    event = StripeEvent.objects.create(
        event_id="evt_gina", type="checkout.session.completed", raw_body=body, order=order
    )
    event.headers = {"Stripe-Signature": "t=1,v1=x"}
    event.save()

    exported = export_customer_data(email=EMAIL)["orders"][0]
    assert [p["amount"] for p in exported["payments"]] == [order.total]
    assert [p["role"] for p in exported["foot_photos"]] == ["left_photo"]
    assert "report" not in exported["scans"][0]  # the scan's own analysis stays out
    with django_capture_on_commit_callbacks(execute=True):
        erase_customer_data(email=EMAIL, actor="dpo")
    event.refresh_from_db()
    assert (event.raw_body, event.headers, event.type) == ("", {}, "checkout.session.completed")
    assert Payment.objects.get(order=order).amount == order.total  # kept for the accounts


def test_privacy_writes_no_other_apps_rows_itself():
    """Export and erasure go through each app's own selectors and services: the module imports
    no other app's models and looks none up by name."""
    import ast
    from pathlib import Path

    import fitsperfect.accounts.privacy as privacy

    tree = ast.parse(Path(privacy.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not {m for m in imported if m.endswith(".models") and not m.startswith("django.")}
    assert "get_model" not in {
        node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
    }
