"""Staff write, schedule, preview and publish articles here; publishing goes through services."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Article, ArticleStatusChange, ArticleTopic, Reference, Subscriber, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "assessment_area"]
    list_filter = ["assessment_area"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = "__all__"  # noqa: DJ007 - admin form; editable fields are listed in fieldsets

    def clean(self):
        cleaned = super().clean()
        image = cleaned.get("hero_image")
        if image and not (cleaned.get("hero_alt") or "").strip():
            self.add_error("hero_alt", _("Describe the image: alt text is required with an image."))
        return cleaned


class ArticleTopicInline(admin.TabularInline):
    model = ArticleTopic
    extra = 1
    fields = ["topic", "position"]
    autocomplete_fields = ["topic"]


class ReferenceInline(admin.TabularInline):
    model = Reference
    extra = 1
    fields = ["position", "authors", "title", "source", "year", "url"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class ReviewOverdueFilter(admin.SimpleListFilter):
    """Articles whose clinical review has lapsed, so staff can re-review them first."""

    title = _("clinical review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Review overdue")),
            ("in_date", _("Review in date")),
            ("none", _("Not reviewed")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "overdue":
            return queryset.review_overdue()
        if value == "in_date":
            overdue = queryset.review_overdue().values("pk")
            return queryset.filter(next_review_due__isnull=False).exclude(pk__in=overdue)
        if value == "none":
            return queryset.filter(next_review_due__isnull=True)
        return queryset


class StatusChangeInline(admin.TabularInline):
    model = ArticleStatusChange
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "published_at", "actor", "note"]
    readonly_fields = fields
    verbose_name_plural = _("Status history")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = [
        "title",
        "status",
        "published_at",
        "updated_at",
        "topic_list",
        "reading_minutes",
        "next_review_due",
        "review_overdue_flag",
        "preview_link",
    ]
    list_filter = ["status", ReviewOverdueFilter, "topics", "published_at"]
    search_fields = ["title", "slug", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    readonly_fields = ["reading_minutes", "created_at", "updated_at", "preview_link"]
    actions = ["publish_selected", "unpublish_selected"]
    inlines = [ArticleTopicInline, ReferenceInline, StatusChangeInline]
    list_select_related = ["author"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body", "author"]}),
        (_("Hero image"), {"fields": ["hero_image", "hero_alt"]}),
        (
            _("Publishing"),
            {
                "fields": ["status", "published_at", "preview_link", "reading_minutes"],
                "description": _(
                    "Scheduled articles go live at their publication time. Use the list’s actions "
                    "to publish or unpublish; each change is recorded below."
                ),
            },
        ),
        (
            _("Clinical review"),
            {
                "fields": ["reviewer_name", "reviewer_role", "last_reviewed", "next_review_due"],
                "description": _(
                    "Shown under the article with its references (below). Re-review the article "
                    "by the due date; overdue articles are flagged in the list."
                ),
            },
        ),
        (_("Search engines"), {"fields": ["seo_title", "seo_description"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).prefetch_related("topic_links__topic")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    @admin.display(description=_("Topics"))
    def topic_list(self, obj: Article) -> str:
        return ", ".join(topic.name for topic in obj.ordered_topics)

    @admin.display(description=_("Review overdue"), boolean=True, ordering="next_review_due")
    def review_overdue_flag(self, obj: Article) -> bool:
        return obj.review_overdue

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Warn on the change page itself when the clinical review has lapsed."""
        article = self.get_object(request, object_id)
        if article is not None and article.review_overdue and request.method == "GET":
            self.message_user(
                request,
                _(
                    "The clinical review of this article was due on %(date)s. Ask a clinician to "
                    "re-review it, then update the review dates."
                )
                % {"date": date_format(article.next_review_due, "j F Y")},
                messages.WARNING,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("Preview"))
    def preview_link(self, obj: Article) -> str:
        if not obj.pk:
            return "-"
        return format_html(
            '<a href="{}?preview=1" target="_blank" rel="noopener">{}</a>',
            obj.get_absolute_url(),
            _("Preview") if not obj.is_public else _("View"),
        )

    def view_on_site(self, obj: Article) -> str:
        return obj.get_absolute_url() + ("" if obj.is_public else "?preview=1")

    def save_model(self, request, obj, form, change) -> None:
        """Status edits in the form go through the same recorded path as the actions."""
        previous = Article.objects.filter(pk=obj.pk).values("status", "published_at").first()
        target_status, target_time = obj.status, obj.published_at
        if previous:
            obj.status, obj.published_at = previous["status"], previous["published_at"]
        else:
            obj.status = Article.Status.DRAFT
        super().save_model(request, obj, form, change)
        if target_status == Article.Status.DRAFT:
            services.article_unpublish(article=obj, actor=request.user, note="admin form")
        elif previous is None or (target_status, target_time) != (
            previous["status"],
            previous["published_at"],
        ):
            services.article_publish(
                article=obj, actor=request.user, at=target_time, note="admin form"
            )

    @admin.action(description=_("Publish selected articles (scheduled ones at their time)"))
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        changed = sum(
            1
            for article in queryset
            if services.article_publish(article=article, actor=request.user, note="admin action")
        )
        self.message_user(
            request,
            ngettext("%d article published.", "%d articles published.", changed) % changed,
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish selected articles (back to draft)"))
    def unpublish_selected(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        changed = sum(
            1
            for article in queryset
            if services.article_unpublish(article=article, actor=request.user, note="admin action")
        )
        self.message_user(
            request,
            ngettext("%d article unpublished.", "%d articles unpublished.", changed) % changed,
            messages.SUCCESS,
        )


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "status", "created_at", "consented_at", "unsubscribed_at"]
    list_filter = ["status"]
    search_fields = ["email"]
    readonly_fields = [
        "email",
        "status",
        "source_article",
        "created_at",
        "confirmation_sent_at",
        "consented_at",
        "unsubscribed_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # consent comes only from the subscriber's own confirmation
