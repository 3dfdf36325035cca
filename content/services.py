"""Writes: publishing, importing and the newsletter. Views, admin, tasks and commands call these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from fitsperfect.outbox import outbox_email_queue
from fitsperfect.queueing import enqueue_on_commit

from .caching import invalidate_content_cache
from .importer import REFERENCE_KEYS
from .models import Article, ArticleStatusChange, ArticleTopic, Reference, Subscriber, Topic

CONFIRM_SALT = "content.newsletter.confirm"
UNSUBSCRIBE_SALT = "content.newsletter.unsubscribe"
CONFIRM_MAX_AGE = timedelta(days=7)
RESEND_AFTER = timedelta(minutes=10)
NEWSLETTER_CONFIRM_KIND = "newsletter-confirm"
ARTICLE_EMAIL_KIND = "article-announcement"
# Only news is emailed: an article backdated (imported, restored) further than this is not.
ANNOUNCE_WINDOW = timedelta(days=2)


# --- Publishing ---------------------------------------------------------------------------------
def _record_status(
    *, article: Article, to_status: str, published_at, actor, note: str = ""
) -> ArticleStatusChange | None:
    if article.status == to_status and article.published_at == published_at:
        return None
    change = ArticleStatusChange.objects.create(
        article=article,
        from_status=article.status,
        to_status=to_status,
        published_at=published_at,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note[:200],
    )
    article.status, article.published_at = to_status, published_at
    article.save(update_fields=["status", "published_at", "updated_at"])
    invalidate_content_cache()
    return change


@transaction.atomic
def article_publish(
    *,
    article: Article,
    actor: AbstractBaseUser | None = None,
    at: datetime | None = None,
    note: str = "",
) -> ArticleStatusChange | None:
    """Publish now, or schedule for `at` when it is in the future. Re-publishing keeps the date."""
    now = timezone.now()
    when = at or article.published_at or now  # an earlier date (or a chosen future one) is kept
    status = Article.Status.SCHEDULED if when > now else Article.Status.PUBLISHED
    change = _record_status(
        article=article, to_status=status, published_at=when, actor=actor, note=note
    )
    if change is not None and article.announced_at is None and when >= now - ANNOUNCE_WINDOW:
        article_id, eta = article.pk, (when if when > now else None)
        # A lost enqueue (broker down) is caught by `announce_due_articles`, never a 500.
        enqueue_on_commit("content.tasks.announce_article", article_id, eta=eta)
    return change


@transaction.atomic
def article_unpublish(
    *, article: Article, actor: AbstractBaseUser | None = None, note: str = ""
) -> ArticleStatusChange | None:
    """Back to draft; the original publication date is kept for when it comes back."""
    return _record_status(
        article=article,
        to_status=Article.Status.DRAFT,
        published_at=article.published_at,
        actor=actor,
        note=note,
    )


@transaction.atomic
def article_set_topics(*, article: Article, topics: list[Topic]) -> None:
    """Replace the article's topics, keeping their order (the first decides the call to action)."""
    ArticleTopic.objects.filter(article=article).delete()
    ArticleTopic.objects.bulk_create(
        ArticleTopic(article=article, topic=topic, position=index)
        for index, topic in enumerate(dict.fromkeys(topics))
    )
    if hasattr(article, "_prefetched_objects_cache"):
        article._prefetched_objects_cache.pop("topic_links", None)  # noqa: SLF001
    invalidate_content_cache()


# --- Import -------------------------------------------------------------------------------------
@dataclass
class ImportResult:
    article: Article
    outcome: str  # "created", "updated" or "unchanged"


@transaction.atomic
def article_import(
    *,
    slug: str,
    title: str,
    summary: str,
    body: str,
    topic_names: list[str],
    published: bool | datetime | None,
    publish_if_new: bool = False,
    actor: AbstractBaseUser | None = None,
    review: dict | None = None,
    references: list[dict] | None = None,
) -> ImportResult:
    """Create or update the article with this slug; identical input changes nothing (no save).

    `published` (from the file) is applied every time; `publish_if_new` only to a new article, so
    re-running an import never re-publishes what staff took down. `review` (Article field → value)
    and `references` change only what the file gives; None keeps what staff entered.
    """
    article = Article.objects.select_for_update().filter(slug=slug).first()
    outcome = "unchanged"
    if article is None:
        article = Article(slug=slug)
        outcome = "created"
        if published is None and publish_if_new:
            published = True
    if topic_names:
        topics = _topics_for(topic_names)
    else:  # only a new article gets topics guessed from its title; staff edits are kept later
        topics = _topics_in_title(title) if outcome == "created" else []
    fields = {"title": title, "summary": summary, "body": body, **(review or {})}
    if any(getattr(article, name) != value for name, value in fields.items()):
        for name, value in fields.items():
            setattr(article, name, value)
        article.full_clean(exclude=["topics"])
        article.save()
        outcome = "updated" if outcome == "unchanged" else outcome
    if topics and [t.pk for t in article.ordered_topics] != [t.pk for t in topics]:
        article_set_topics(article=article, topics=topics)
        outcome = "updated" if outcome == "unchanged" else outcome
    if references is not None and article_set_references(article=article, references=references):
        outcome = "updated" if outcome == "unchanged" else outcome
    if published is True and article.status == Article.Status.DRAFT:
        article_publish(article=article, actor=actor, note="import")
        outcome = "updated" if outcome == "unchanged" else outcome
    elif isinstance(published, datetime) and (
        article.published_at != published or article.status == Article.Status.DRAFT
    ):
        article_publish(article=article, actor=actor, at=published, note="import")
        outcome = "updated" if outcome == "unchanged" else outcome
    elif published is False and article.status != Article.Status.DRAFT:
        article_unpublish(article=article, actor=actor, note="import")
        outcome = "updated" if outcome == "unchanged" else outcome
    return ImportResult(article=article, outcome=outcome)


# A reference's fields: the importer's list is the one definition.
REFERENCE_FIELDS = REFERENCE_KEYS


@transaction.atomic
def article_set_references(*, article: Article, references: list[dict]) -> bool:
    """Replace the article's references with these (in order), validated as the admin does.

    Returns whether anything changed: the same list again writes nothing.
    """
    current = [
        {name: getattr(ref, name) for name in REFERENCE_FIELDS} for ref in article.references.all()
    ]
    wanted = [{name: item.get(name) or "" for name in REFERENCE_FIELDS} for item in references]
    if current == wanted:
        return False
    new = [Reference(article=article, position=i, **item) for i, item in enumerate(wanted)]
    for number, reference in enumerate(new, start=1):
        try:
            reference.full_clean(exclude=["article"])
        except ValidationError as error:
            raise ValidationError(
                {
                    f"reference {number} {field}": messages
                    for field, messages in error.message_dict.items()
                }
            ) from None
    article.references.all().delete()
    Reference.objects.bulk_create(new)
    if hasattr(article, "_prefetched_objects_cache"):
        article._prefetched_objects_cache.pop("references", None)  # noqa: SLF001
    invalidate_content_cache()
    return True


STOPWORDS = {"and", "or", "the", "of", "a", "an", "for", "to", "in", "on", "with", "your"}


def _topics_in_title(title: str) -> list[Topic]:
    """Existing topics whose name words appear in the title ("... Hip Pain" → Hip)."""
    import re

    words = {w.lower() for w in re.findall(r"\w+", title)}
    return [
        topic
        for topic in Topic.objects.all()
        if ({w.lower() for w in re.findall(r"\w+", topic.name)} - STOPWORDS) & words
        or topic.slug in words
    ]


def _topics_for(names: list[str]) -> list[Topic]:
    """Match topics by slug or name (case-insensitive); unknown ones are created."""
    from django.utils.text import slugify

    topics = []
    for name in names:
        slug = slugify(name)[:80]
        topic = (
            Topic.objects.filter(slug=slug).first()
            or Topic.objects.filter(name__iexact=name).first()
            or Topic.objects.create(name=name[:80], slug=slug)
        )
        if topic not in topics:
            topics.append(topic)
    return topics


# --- Newsletter ---------------------------------------------------------------------------------
def confirm_token(subscriber: Subscriber) -> str:
    return signing.dumps({"id": subscriber.pk, "email": subscriber.email}, salt=CONFIRM_SALT)


def unsubscribe_token(subscriber: Subscriber) -> str:
    return signing.dumps({"id": subscriber.pk, "email": subscriber.email}, salt=UNSUBSCRIBE_SALT)


def _subscriber_from(token: str, *, salt: str, max_age: timedelta | None) -> Subscriber | None:
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    return Subscriber.objects.filter(pk=data.get("id"), email=data.get("email")).first()


@transaction.atomic
def newsletter_subscribe(*, email: str, source_article: Article | None = None) -> Subscriber:
    """Start (or restart) double opt-in. Repeating it is harmless: at most one email per few minutes,
    and a confirmed address is left as it is (and not told apart, so the form leaks nothing)."""
    email = email.strip()
    email = email[: email.rfind("@")] + email[email.rfind("@") :].lower()
    subscriber, created = Subscriber.objects.select_for_update().get_or_create(
        email__iexact=email, defaults={"email": email, "source_article": source_article}
    )
    now = timezone.now()
    if subscriber.status == Subscriber.Status.CONFIRMED:
        return subscriber
    if subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        subscriber.status = Subscriber.Status.PENDING
        subscriber.unsubscribed_at = None
        subscriber.confirmation_sent_at = None
    if subscriber.confirmation_sent_at and now - subscriber.confirmation_sent_at < RESEND_AFTER:
        return subscriber
    subscriber.confirmation_sent_at = now
    subscriber.save()
    _confirmation_email_queue(subscriber)
    return subscriber


@transaction.atomic
def newsletter_confirm(*, token: str) -> Subscriber | None:
    """Record consent (the confirmation time). Confirming twice keeps the first consent time."""
    subscriber = _subscriber_from(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    if subscriber is None or subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        return None
    if subscriber.status != Subscriber.Status.CONFIRMED:
        subscriber.status = Subscriber.Status.CONFIRMED
        subscriber.consented_at = timezone.now()
        subscriber.save(update_fields=["status", "consented_at"])
    return subscriber


@transaction.atomic
def newsletter_unsubscribe(*, token: str) -> Subscriber | None:
    subscriber = _subscriber_from(token, salt=UNSUBSCRIBE_SALT, max_age=None)
    if subscriber is None:
        return None
    if subscriber.status != Subscriber.Status.UNSUBSCRIBED:
        subscriber.status = Subscriber.Status.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["status", "unsubscribed_at"])
    return subscriber


def _confirmation_email_queue(subscriber: Subscriber) -> None:
    """The double opt-in email, owed in the sign-up's transaction (an outbox row)."""
    context = {
        "confirm_url": settings.SITE_URL
        + reverse("content:newsletter_confirm", kwargs={"token": confirm_token(subscriber)}),
        "unsubscribe_url": settings.SITE_URL
        + reverse(
            "content:newsletter_unsubscribe", kwargs={"token": unsubscribe_token(subscriber)}
        ),
    }
    outbox_email_queue(
        to=subscriber.email,
        subject=render_to_string("content/email/confirm_subject.txt", context).strip(),
        text=render_to_string("content/email/confirm_body.txt", context),
        kind=NEWSLETTER_CONFIRM_KIND,
        ref=str(subscriber.pk),
        headers={"List-Unsubscribe": f"<{context['unsubscribe_url']}>"},
    )


@transaction.atomic
def article_announce(*, article_id: int) -> list[int]:
    """Email a newly public article to confirmed subscribers, once. Runs when the article goes live
    (a scheduled one via the task's eta); early, repeated or late runs do nothing."""
    article = Article.objects.select_for_update().filter(pk=article_id).first()
    now = timezone.now()
    if article is None or article.announced_at is not None or not article.is_public:
        return []
    if article.published_at < now - ANNOUNCE_WINDOW:
        return []
    Article.objects.filter(pk=article.pk).update(announced_at=now)  # not an edit: no updated time
    subscribers = list(Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED))
    for subscriber in subscribers:
        _article_email_queue(article=article, subscriber=subscriber)
    return [subscriber.pk for subscriber in subscribers]


def announce_due_articles() -> int:
    """Safety net for a lost eta task: announce any recent public article not yet emailed."""
    now = timezone.now()
    due = Article.objects.public(now=now).filter(
        announced_at__isnull=True, published_at__gte=now - ANNOUNCE_WINDOW
    )
    return sum(1 for pk in due.values_list("pk", flat=True) if article_announce(article_id=pk))


def _article_email_queue(*, article: Article, subscriber: Subscriber) -> None:
    """One new-article email to one confirmed subscriber, with a one-click unsubscribe link,
    owed in the announcing transaction (an outbox row)."""
    unsubscribe_url = settings.SITE_URL + reverse(
        "content:newsletter_unsubscribe", kwargs={"token": unsubscribe_token(subscriber)}
    )
    context = {
        "article": article,
        "article_url": settings.SITE_URL + article.get_absolute_url(),
        "unsubscribe_url": unsubscribe_url,
    }
    outbox_email_queue(
        to=subscriber.email,
        subject=render_to_string("content/email/article_subject.txt", context).strip(),
        text=render_to_string("content/email/article_body.txt", context),
        kind=ARTICLE_EMAIL_KIND,
        ref=f"{article.pk}:{subscriber.pk}",
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>"},
    )


def subscribers_erase(*, email: str) -> int:
    """A customer's right to erasure: their newsletter sign-ups go."""
    deleted, _ = Subscriber.objects.filter(email__iexact=email.strip()).delete()
    return deleted
