""" "Talk to a clinician": the message form (from a result or on its own), the clinic's list and
detail pages, the answer emailed after commit, who may see what, and the person's data rights."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import ClinicMessage
from assessments.tests.factories import UserFactory, clinician, referred, submitted
from fitsperfect.accounts.privacy import (
    erase_customer_data,
    export_account_data,
    export_customer_data,
)
from fitsperfect.models import OutboxEmail
from fitsperfect.tasks import send_outbox_email

pytestmark = pytest.mark.django_db

FORM_URL = reverse("assessments:message")
VALID = {"name": "Gina Green", "email": "gina@example.com", "message": "Is +6 a lot?"}


def result_form_url(assessment):
    return reverse("assessments:result_message", kwargs={"token": assessment.token})


def detail_url(message):
    return reverse("assessments:clinic_message", kwargs={"pk": message.pk})


def a_message(**kwargs):
    values = {**VALID, **kwargs}
    return services.clinic_message_create(**values)


# --- The public form ----------------------------------------------------------------------------


def test_the_result_page_links_to_the_form_instead_of_an_address(client):
    assessment = submitted(left="1", right="1")
    html = client.get(reverse("assessments:result", kwargs={"token": assessment.token})).content
    html = html.decode()
    next_step = html.split('id="next-heading"', 1)[1].split("</section>", 1)[0]
    assert f'href="{result_form_url(assessment)}">Or talk to a clinician first</a>' in next_step
    assert "mailto:" not in next_step and reverse("contact") not in next_step


def test_the_referral_page_links_to_the_form(client):
    assessment = referred()
    html = client.get(reverse("assessments:result", kwargs={"token": assessment.token}))
    assert result_form_url(assessment) in html.content.decode()


def test_form_errors_link_to_the_fields_and_keep_what_was_typed(client):
    response = client.post(
        FORM_URL, {"name": "Gina <b>", "email": "not-an-email", "message": "My heel hurts"}
    )
    assert response.status_code == 200  # like the question pages
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_email"' in html  # the summary links to the field
    assert "Enter an email address in the right format" in html
    assert 'value="Gina &lt;b&gt;"' in html and 'value="not-an-email"' in html
    assert "My heel hurts</textarea>" in html
    assert "<title>Error:" in html
    assert not ClinicMessage.objects.exists()


def test_every_field_is_required(client):
    response = client.post(FORM_URL, {})
    html = response.content.decode()
    for text in ("Enter your name", "Enter your email address", "Enter your message"):
        assert text in html
    assert 'href="#id_name"' in html and 'href="#id_message"' in html


def test_a_message_from_a_result_is_stored_with_its_assessment(client):
    assessment = submitted()
    page = client.get(result_form_url(assessment))
    assert page.status_code == 200 and page["Cache-Control"].startswith("private")
    response = client.post(result_form_url(assessment), VALID)
    assert response.status_code == 302
    assert response.url == reverse("assessments:message_sent")
    stored = ClinicMessage.objects.get()
    assert (stored.name, stored.email, stored.message) == (
        VALID["name"],
        VALID["email"],
        VALID["message"],
    )
    assert stored.assessment == assessment and stored.answered_at is None
    assert "Message sent" in client.get(response.url).content.decode()


def test_a_message_without_a_result_has_no_assessment_and_keeps_the_account(client):
    user = UserFactory(username="gina", email="gina@example.com", first_name="Gina")
    client.force_login(user)
    assert 'value="gina@example.com"' in client.get(FORM_URL).content.decode()
    client.post(FORM_URL, VALID)
    stored = ClinicMessage.objects.get()
    assert stored.assessment is None and stored.user == user


def test_an_unknown_result_token_has_no_form(client):
    assert client.get("/assessment/result/not-a-token/talk-to-a-clinician/").status_code == 404
    assert (
        client.post("/assessment/result/not-a-token/talk-to-a-clinician/", VALID).status_code == 404
    )
    assert not ClinicMessage.objects.exists()


def test_the_form_is_rate_limited(client, settings):
    settings.RATE_LIMITS_ENABLED = True
    limit = next(r for r in settings.RATE_LIMITS if r["name"] == "clinic-message")["limit"]
    for _ in range(limit):
        assert client.post(FORM_URL, VALID).status_code == 302
    assert client.post(FORM_URL, VALID).status_code == 429
    assert ClinicMessage.objects.count() == limit


# --- The clinic -----------------------------------------------------------------------------------


def test_clinicians_see_waiting_messages_in_the_clinic_with_how_long_they_waited(client):
    old = a_message(name="Olga Old")
    ClinicMessage.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    a_message(name="Nina New", assessment=submitted())
    client.force_login(clinician())
    queue = client.get(reverse("assessments:clinic_queue")).content.decode()
    assert "Messages from customers" in queue
    assert queue.index("Olga Old") < queue.index("Nina New")  # longest-waiting first
    assert "2\xa0days" in queue
    listing = client.get(reverse("assessments:clinic_messages")).content.decode()
    assert detail_url(old) in listing
    detail = client.get(detail_url(old)).content.decode()
    assert "Is +6 a lot?" in detail and "gina@example.com" in detail
    assert "waiting 2\xa0days" in detail


@pytest.mark.parametrize(
    "name", ["assessments:clinic_messages", "assessments:clinic_message"], ids=["list", "detail"]
)
def test_only_clinicians_see_messages(client, name):
    message = a_message()
    url = reverse(name, kwargs={"pk": message.pk} if name.endswith("message") else {})
    assert client.get(url).url.startswith("/accounts/login/")
    client.force_login(UserFactory(username="customer", email=VALID["email"]))
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(username="staffer", is_staff=True))
    assert client.get(url).status_code == 403


def test_customers_cannot_answer(client):
    message = a_message()
    client.force_login(UserFactory(username="customer"))
    assert client.post(detail_url(message), {"answer": "Hi"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.clinic_message_answer(
            message=message, clinician=UserFactory(username="x"), answer="Hi"
        )
    message.refresh_from_db()
    assert message.answered_at is None


def test_an_answer_is_recorded_and_emailed_to_the_person_after_commit(
    client, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    message = a_message(assessment=submitted())
    reviewer = clinician()
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(detail_url(message), {"answer": "+6 is common. Try calf stretches."})
    assert response.status_code == 302
    assert mail.outbox == []  # nothing is sent before the answer is committed
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [VALID["email"]]
    assert "+6 is common. Try calf stretches." in sent.body
    assert "Hello Gina Green" in sent.body
    message.refresh_from_db()
    assert message.answer == "+6 is common. Try calf stretches."
    assert message.answered_by == reviewer and message.answered_at is not None
    assert message.answer_sent_at is not None
    html = client.get(detail_url(message)).content.decode()
    assert "Answered by clin" in html and "Send answer" not in html


def test_the_answer_email_goes_once_even_if_the_task_runs_again():
    message = a_message()
    services.clinic_message_answer(message=message, clinician=clinician(), answer="Hello")
    owed = OutboxEmail.objects.get(kind=services.CLINIC_ANSWER_KIND, ref=str(message.pk))
    assert send_outbox_email(owed.pk) == "sent"
    assert send_outbox_email(owed.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_a_message_is_answered_once(client):
    message = a_message()
    reviewer = clinician()
    services.clinic_message_answer(message=message, clinician=reviewer, answer="First")
    with pytest.raises(services.MessageAlreadyAnswered):
        services.clinic_message_answer(message=message, clinician=reviewer, answer="Second")
    client.force_login(reviewer)
    client.post(detail_url(message), {"answer": "Third"})
    message.refresh_from_db()
    assert message.answer == "First"


def test_an_empty_answer_is_refused_and_keeps_the_page(client):
    message = a_message()
    client.force_login(clinician())
    response = client.post(detail_url(message), {"answer": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter your answer" in html and 'href="#id_answer"' in html
    message.refresh_from_db()
    assert message.answered_at is None


def test_clinic_message_pages_run_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    client.force_login(clinician())
    for _ in range(3):
        a_message(assessment=submitted())
    with django_assert_max_num_queries(8):
        client.get(reverse("assessments:clinic_messages"))
    with django_assert_max_num_queries(9):
        client.get(reverse("assessments:clinic_queue"))
    for _ in range(12):
        a_message(assessment=submitted())
    with django_assert_max_num_queries(8):
        client.get(reverse("assessments:clinic_messages"))
    with django_assert_max_num_queries(9):
        client.get(reverse("assessments:clinic_queue"))


# --- The person's data --------------------------------------------------------------------------


def test_messages_are_in_the_export_and_go_with_erasure():
    user = UserFactory(username="gina", email=VALID["email"])
    own = a_message(user=user)
    assessment = submitted()
    from_result = a_message(email="other@example.com", assessment=assessment)
    assessment.user = user
    assessment.save(update_fields=["user"])
    stranger = a_message(email="hal@example.com", name="Hal")

    exported = {m["id"] for m in export_customer_data(email=VALID["email"])["clinic_messages"]}
    assert exported == {own.pk, from_result.pk}
    mine = {m["id"] for m in export_account_data(user=user)["clinic_messages"]}
    assert mine == {own.pk, from_result.pk}

    report = erase_customer_data(email=VALID["email"], actor="dpo")
    assert report.clinic_messages == 2
    assert list(ClinicMessage.objects.all()) == [stranger]
