"""Articles, topics, the newsletter list, and the record of every publishing state change."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .rendering import render_markdown, sanitise
from .storage import public_storage

# Owned by the assessment app: the body area an assessment starts with.
ASSESSMENT_AREAS = [
    ("heel", _("Heel")),
    ("arch", _("Arch")),
    ("ankle", _("Ankle")),
    ("shin", _("Shin")),
    ("knee", _("Knee")),
    ("hip", _("Hip")),
    ("lower_back", _("Lower back")),
]
# Slugs the article URL space needs for itself.
RESERVED_SLUGS = {"feed", "topic", "newsletter", "search", "page"}


def validate_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(
            _("“%(slug)s” is reserved; choose another slug."), params={"slug": value}
        )


class Topic(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    assessment_area = models.CharField(
        _("assessment area"),
        max_length=20,
        choices=ASSESSMENT_AREAS,
        blank=True,
        help_text=_("Articles on this topic start the foot assessment with this area in view."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("content:topic_detail", kwargs={"slug": self.slug})


def review_today() -> dt.date:
    """The date review deadlines are compared with (UTC, like every time here)."""
    return timezone.now().astimezone(dt.UTC).date()


class ArticleQuerySet(models.QuerySet):
    def review_overdue(self, *, today: dt.date | None = None) -> ArticleQuerySet:
        """Past their "next review due" date: staff must re-review them (due today is not late)."""
        return self.filter(next_review_due__lt=today or review_today())

    def public(self, *, now=None) -> ArticleQuerySet:
        """Published or scheduled, and their time has come."""
        return self.filter(
            status__in=[Article.Status.PUBLISHED, Article.Status.SCHEDULED],
            published_at__lte=now or timezone.now(),
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"), max_length=100, unique=True, validators=[validate_not_reserved]
    )
    summary = models.TextField(
        _("summary"), max_length=400, help_text=_("One or two sentences shown in lists and feeds.")
    )
    body = models.TextField(_("body"), help_text=_("Markdown: ## headings, lists, links, quotes."))
    body_html = models.TextField(editable=False, default="")
    toc = models.JSONField(editable=False, default=list)
    reading_minutes = models.PositiveSmallIntegerField(
        _("reading time (minutes)"), default=1, editable=False
    )
    hero_image = models.ImageField(
        _("hero image"),
        storage=public_storage,
        upload_to="articles/originals/",
        blank=True,
        width_field="hero_width",
        height_field="hero_height",
    )
    hero_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_alt = models.CharField(
        _("hero image alt text"),
        max_length=250,
        blank=True,
        help_text=_("Describe the image for people who cannot see it. Required with an image."),
    )
    hero_renditions = models.JSONField(editable=False, default=list)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), related_name="articles", blank=True, through="ArticleTopic"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    announced_at = models.DateTimeField(
        _("emailed to subscribers at"), null=True, blank=True, editable=False
    )
    seo_title = models.CharField(_("SEO title"), max_length=70, blank=True)
    seo_description = models.CharField(_("SEO description"), max_length=160, blank=True)
    # Clinical governance: who checked the content, when, and when it must be checked again.
    reviewer_name = models.CharField(
        _("clinical reviewer"),
        max_length=120,
        blank=True,
        help_text=_("The clinician who checked this article, e.g. “Dr Priya Shah”."),
    )
    reviewer_role = models.CharField(
        _("reviewer’s role and credentials"),
        max_length=200,
        blank=True,
        help_text=_("Shown after the name, e.g. “Consultant podiatrist, HCPC registered”."),
    )
    last_reviewed = models.DateField(_("last reviewed"), null=True, blank=True)
    next_review_due = models.DateField(_("next review due"), null=True, blank=True, db_index=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [models.Index(fields=["status", "published_at"], name="content_art_status_pub")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        """Render the body once here, so pages never render Markdown per request."""
        rendered = render_markdown(self.body)
        self.body_html, self.toc, self.reading_minutes = (
            rendered.html,
            rendered.toc,
            rendered.reading_minutes,
        )
        if self.status == self.Status.PUBLISHED and not self.published_at:
            self.published_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html", "toc", "reading_minutes"}
        super().save(*args, **kwargs)
        from .images import ensure_renditions

        ensure_renditions(self)

    def get_absolute_url(self) -> str:
        return reverse("content:article_detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        super().clean()
        if self.hero_image and not self.hero_alt.strip():
            raise ValidationError(
                {"hero_alt": _("Describe the image: alt text is required with an image.")}
            )
        if self.status == self.Status.SCHEDULED and not self.published_at:
            raise ValidationError(
                {"published_at": _("Choose when the scheduled article goes live.")}
            )
        self._clean_review()

    def _clean_review(self) -> None:
        """A review names its reviewer and both dates, and the next one comes after the last."""
        given = [self.reviewer_name.strip(), self.last_reviewed, self.next_review_due]
        if not any(given):
            return
        errors = {}
        if not given[0]:
            errors["reviewer_name"] = _("Name the clinician who reviewed the article.")
        if not self.last_reviewed:
            errors["last_reviewed"] = _("Give the date the article was last reviewed.")
        if not self.next_review_due:
            errors["next_review_due"] = _("Give the date the next review is due.")
        elif self.last_reviewed and self.next_review_due <= self.last_reviewed:
            errors["next_review_due"] = _("The next review must be due after the last review.")
        if errors:
            raise ValidationError(errors)

    # --- Presentation helpers (no queries beyond what the selectors prefetch) ---------------------
    @property
    def safe_body_html(self) -> str:
        return sanitise(self.body_html)

    @property
    def is_public(self) -> bool:
        return (
            self.status in (self.Status.PUBLISHED, self.Status.SCHEDULED)
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def meta_title(self) -> str:
        return self.seo_title or self.title

    @property
    def meta_description(self) -> str:
        return self.seo_description or self.summary

    @property
    def show_toc(self) -> bool:
        return len(self.toc) >= 2 and self.reading_minutes >= 3

    @property
    def was_updated(self) -> bool:
        """Edited a day or more after it first went out (a backdated import is not an update)."""
        if not (self.published_at and self.updated_at and self.created_at):
            return False
        return (self.updated_at - max(self.published_at, self.created_at)).days >= 1

    @property
    def is_reviewed(self) -> bool:
        return bool(self.reviewer_name and self.last_reviewed)

    @property
    def review_overdue(self) -> bool:
        """The same rule as `Article.objects.review_overdue()`, for one loaded article."""
        return self.next_review_due is not None and self.next_review_due < review_today()

    @property
    def byline(self) -> str:
        if self.author_id and self.author:
            return self.author.get_full_name() or self.author.get_username()
        return str(_("The Fits Perfect team"))

    @property
    def assessment_area(self) -> str:
        """The area of the first topic (in the article's order) that maps to one."""
        for topic in self.ordered_topics:
            if topic.assessment_area:
                return topic.assessment_area
        return ""

    @property
    def ordered_topics(self) -> list[Topic]:
        """Topics in the order staff gave them (selectors prefetch `topic_links__topic`)."""
        return [link.topic for link in self.topic_links.all()]


class ArticleTopic(models.Model):
    """An article's topic, in order: the first one with an assessment area sets the call to action."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="topic_links")
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="article_links"
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("article topic")
        verbose_name_plural = _(
            "topics (the first with an assessment area sets the call to action)"
        )
        constraints = [
            models.UniqueConstraint(
                fields=["article", "topic"], name="content_unique_article_topic"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id} · {self.topic_id}"


class Reference(models.Model):
    """A published source the article relies on, listed under it and cited in its JSON-LD."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="references"
    )
    authors = models.CharField(
        _("authors"),
        max_length=300,
        blank=True,
        help_text=_("e.g. “Redmond AC, Crane YZ, Menz HB”."),
    )
    title = models.CharField(_("title"), max_length=300)
    source = models.CharField(
        _("source"),
        max_length=200,
        help_text=_("The journal or publisher, e.g. “Journal of Foot and Ankle Research”."),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1800), MaxValueValidator(2100)]
    )
    url = models.URLField(
        _("link"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["https", "http"])],
        help_text=_("Prefer the DOI link, e.g. https://doi.org/10.1136/bmj.k1662."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("reference")
        verbose_name_plural = _("references")

    def __str__(self) -> str:
        return f"{self.title} ({self.source}, {self.year})"

    @property
    def authors_sentence(self) -> str:
        """The authors ending in one full stop ("…, et al." stays as it is)."""
        return f"{self.authors.rstrip('. ')}." if self.authors.strip() else ""

    def clean(self) -> None:
        super().clean()
        if self.year and self.year > review_today().year:
            raise ValidationError({"year": _("The year cannot be in the future.")})


class ArticleStatusChange(models.Model):
    """Who moved an article between draft, scheduled and published, and when."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=Article.Status.choices)
    to_status = models.CharField(max_length=10, choices=Article.Status.choices)
    published_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.article_id}: {self.from_status} → {self.to_status}"


class Subscriber(models.Model):
    """A newsletter address. Consent is the time they confirmed through the emailed link."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    email = models.EmailField(_("email"), unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    source_article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    consented_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("newsletter subscriber")
        verbose_name_plural = _("newsletter subscribers")

    def __str__(self) -> str:
        return self.email


class ArticleDailyView(models.Model):
    """How many times an article page was served on one day (UTC): a counter, nothing about who.

    Incremented by `content.viewcount` (page-cache hits included; HEAD, previews and obvious bots
    left out); read by the operations page's funnel.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="daily_views")
    day = models.DateField(_("day"))
    count = models.PositiveBigIntegerField(_("views"), default=0)

    class Meta:
        ordering = ["-day", "article"]
        constraints = [
            models.UniqueConstraint(fields=["article", "day"], name="uniq_article_daily_view")
        ]
        indexes = [models.Index(fields=["day"], name="content_view_day")]
        verbose_name = _("article views on a day")
        verbose_name_plural = _("article views per day")

    def __str__(self) -> str:
        return f"{self.article_id} {self.day}: {self.count}"
