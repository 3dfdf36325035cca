"""Newsletter: double opt-in by a signed emailed link; sign-ups repeat harmlessly; unsubscribe works."""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.utils import timezone

from content import services
from content.models import Subscriber

from .factories import ArticleFactory


def links(message) -> dict:
    found = re.findall(
        r"https?://\S+/articles/newsletter/(confirm|unsubscribe)/(\S+)/", message.body
    )
    return {kind: f"/articles/newsletter/{kind}/{token}/" for kind, token in found}


@pytest.mark.django_db
def test_double_opt_in(client, django_capture_on_commit_callbacks):
    ArticleFactory(slug="feet")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/articles/newsletter/", {"email": "Reader@Example.COM", "article": "feet"}
        )
    assert response.status_code == 302
    assert response["Location"] == "/articles/newsletter/check-your-email/"
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "Reader@example.com"
    assert subscriber.status == Subscriber.Status.PENDING and subscriber.consented_at is None
    assert subscriber.source_article.slug == "feet"
    (message,) = mail.outbox
    assert message.to == ["Reader@example.com"]
    urls = links(message)
    assert message.extra_headers["List-Unsubscribe"].endswith(urls["unsubscribe"] + ">")
    # Opening the link only asks; a link scanner fetching it does not give consent.
    page = client.get(urls["confirm"])
    assert page.status_code == 200 and b"<form" in page.content
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING
    response = client.post(urls["confirm"])
    assert response.status_code == 200 and b"Subscription confirmed" in response.content
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED and subscriber.consented_at
    consent = subscriber.consented_at
    client.post(urls["confirm"])  # confirming again keeps the first consent time
    subscriber.refresh_from_db()
    assert subscriber.consented_at == consent
    response = client.post(urls["unsubscribe"])
    assert b"You have unsubscribed" in response.content
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED and subscriber.unsubscribed_at


@pytest.mark.django_db
def test_article_pages_set_no_cookie_and_sign_up_needs_no_csrf_token(
    django_capture_on_commit_callbacks,
):
    """So the shared page cache can store article pages for every anonymous reader."""
    from django.test import Client

    ArticleFactory(slug="feet")
    strict = Client(enforce_csrf_checks=True)
    page = strict.get("/articles/feet/")
    assert page.status_code == 200 and not page.cookies
    assert b"csrfmiddlewaretoken" not in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = strict.post(
            "/articles/newsletter/", {"email": "a@example.com", "article": "feet"}
        )
    assert response.status_code == 302 and len(mail.outbox) == 1


@pytest.mark.django_db
def test_duplicate_sign_ups_are_harmless(client, django_capture_on_commit_callbacks):
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/articles/newsletter/", {"email": "twice@example.com"})
            client.post("/articles/newsletter/", {"email": "TWICE@example.com"})
    assert Subscriber.objects.count() == 1
    assert len(mail.outbox) == 1  # no flood of confirmation emails
    subscriber = Subscriber.objects.get()
    subscriber.confirmation_sent_at = timezone.now() - timedelta(hours=1)
    subscriber.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/articles/newsletter/", {"email": "twice@example.com"})
    assert len(mail.outbox) == 2  # a later retry resends the link
    services.newsletter_confirm(token=services.confirm_token(subscriber))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/articles/newsletter/", {"email": "twice@example.com"})
    assert response.status_code == 302  # same answer: the form does not reveal who subscribed
    assert len(mail.outbox) == 2
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED


@pytest.mark.django_db
def test_bad_email_is_explained_next_to_the_field_and_kept(client):
    response = client.post("/articles/newsletter/", {"email": "not-an-email"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html and 'href="#id_email"' in html
    assert 'value="not-an-email"' in html and 'aria-invalid="true"' in html
    assert not Subscriber.objects.exists()


@pytest.mark.django_db
def test_tampered_or_expired_links_do_nothing(client):
    subscriber = Subscriber.objects.create(email="a@example.com")
    token = services.confirm_token(subscriber)
    assert client.post(f"/articles/newsletter/confirm/{token}x/").status_code == 400
    wrong_salt = signing.dumps({"id": subscriber.pk, "email": subscriber.email})
    assert client.post(f"/articles/newsletter/confirm/{wrong_salt}/").status_code == 400
    unsubscribe = services.unsubscribe_token(subscriber)
    assert client.post(f"/articles/newsletter/confirm/{unsubscribe}/").status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING
    with pytest.MonkeyPatch.context() as patch:
        later = timezone.now() + timedelta(days=8)
        patch.setattr("django.core.signing.time.time", lambda: later.timestamp())
        assert services.newsletter_confirm(token=token) is None


@pytest.mark.worker
def test_the_confirmation_email_is_sent_by_a_real_worker(celery_worker, client):
    import time

    client.post("/articles/newsletter/", {"email": "worker@example.com"})

    deadline = time.monotonic() + 20
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [m.to for m in mail.outbox] == [["worker@example.com"]]
    assert "/articles/newsletter/confirm/" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_new_article_is_emailed_once_to_confirmed_subscribers(
    django_capture_on_commit_callbacks, monkeypatch
):
    confirmed = Subscriber.objects.create(email="yes@example.com")
    services.newsletter_confirm(token=services.confirm_token(confirmed))
    Subscriber.objects.create(email="pending@example.com")
    gone = Subscriber.objects.create(email="gone@example.com")
    services.newsletter_confirm(token=services.confirm_token(gone))
    services.newsletter_unsubscribe(token=services.unsubscribe_token(gone))
    draft = ArticleFactory(slug="fresh", title="Fresh piece", status="draft", published_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(article=draft)
    (message,) = mail.outbox
    assert message.to == ["yes@example.com"]
    assert "Fresh piece" in message.subject and "/articles/fresh/" in message.body
    assert "/articles/newsletter/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    updated = draft.updated_at
    draft.refresh_from_db()
    assert draft.announced_at is not None
    # Unpublishing and publishing again is not news twice.
    with django_capture_on_commit_callbacks(execute=True):
        services.article_unpublish(article=draft)
        services.article_publish(article=draft)
    assert len(mail.outbox) == 1
    assert draft.updated_at >= updated


@pytest.mark.django_db
def test_scheduled_articles_are_emailed_when_they_go_live_and_old_ones_never(
    django_capture_on_commit_callbacks, monkeypatch
):
    subscriber = Subscriber.objects.create(email="yes@example.com")
    services.newsletter_confirm(token=services.confirm_token(subscriber))
    later = timezone.now() + timedelta(hours=3)
    article = ArticleFactory(slug="later", status="draft", published_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(article=article, at=later)
    assert mail.outbox == []  # the task ran early (eager here; eta on a real worker): nothing
    monkeypatch.setattr(timezone, "now", lambda: later + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.announce_due_articles() == 1
    assert len(mail.outbox) == 1
    backdated = ArticleFactory(slug="old", status="draft", published_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(article=backdated, at=later - timedelta(days=30))
        assert services.announce_due_articles() == 0
    assert len(mail.outbox) == 1
