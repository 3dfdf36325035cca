"""Admin: read-mostly views of assessments; changes go through the services, never by hand."""

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .models import Assessment, AssessmentPhoto, Review


class PhotoInline(admin.TabularInline):
    model = AssessmentPhoto
    extra = 0
    can_delete = False
    fields = ("kind", "content_type", "width", "height", "created_at")
    readonly_fields = fields


class ReviewInline(admin.TabularInline):
    model = Review
    extra = 0
    can_delete = False
    fields = ("created_at", "reviewer", "previous_decision", "decision", "notes")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("pk", "status", "band", "decision", "left_score", "right_score", "submitted_at")
    list_filter = ("status", "band", "decision", "model_version")
    search_fields = ("contact_email", "source_article_slug")
    date_hierarchy = "submitted_at"
    inlines = [PhotoInline, ReviewInline]
    readonly_fields = [field.name for field in Assessment._meta.fields]
    actions = ["action_revoke_link"]

    def has_add_permission(self, request):
        return False

    @admin.action(
        description=gettext_lazy("Revoke the result link (issue a new one)"), permissions=["change"]
    )
    def action_revoke_link(self, request, queryset):
        for assessment in queryset:
            services.assessment_revoke_token(assessment=assessment)
        self.message_user(request, _("%(count)s link(s) revoked.") % {"count": len(queryset)})


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("assessment", "reviewer", "decision", "created_at")
    list_filter = ("decision",)
    readonly_fields = [field.name for field in Review._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
