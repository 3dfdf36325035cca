"""The lab hand-off in the admin: submissions (failed and stuck ones first), resends, lab events."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fitsperfect.admin_bases import ReadOnlyInline, RecordAdmin
from orders.admin import OrderAdmin

from .models import LabEvent, LabSubmission


class LabSubmissionInline(ReadOnlyInline):
    model = LabSubmission
    fields = ["revision", "status", "attempts", "lab_reference", "last_error", "updated_at"]
    readonly_fields = fields
    show_change_link = True


# The order's page shows its submissions (the lab app depends on orders, never the reverse).
OrderAdmin.inlines = [*OrderAdmin.inlines, LabSubmissionInline]


class StuckFilter(admin.SimpleListFilter):
    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("failed", _("Failed")), ("stuck", _("Stuck (no progress for 15 minutes)"))]

    def queryset(self, request, queryset):
        if self.value() == "failed":
            return queryset.filter(status=LabSubmission.Status.FAILED)
        if self.value() == "stuck":
            cutoff = timezone.now() - timezone.timedelta(minutes=15)
            return queryset.filter(
                status__in=[
                    LabSubmission.Status.PENDING,
                    LabSubmission.Status.SENDING,
                    LabSubmission.Status.RETRYING,
                ],
                updated_at__lt=cutoff,
            )
        return queryset


@admin.register(LabSubmission)
class LabSubmissionAdmin(RecordAdmin):
    list_display = [
        "order",
        "revision",
        "status",
        "attempts",
        "short_error",
        "lab_reference",
        "created_at",
        "updated_at",
        "acknowledged_at",
        "next_attempt_at",
    ]
    list_filter = [StuckFilter, "status", "created_at"]
    search_fields = ["order__number", "lab_reference", "id"]
    list_select_related = ["order"]
    show_full_result_count = False
    actions = ["action_resend"]

    @admin.display(description=_("last error"))
    def short_error(self, obj: LabSubmission) -> str:
        return obj.last_error[:120]

    @admin.action(description=_("Resend to the lab (failed ones only)"), permissions=["resend"])
    def action_resend(self, request, queryset):
        from .services import lab_submission_resend

        done = sum(
            1
            for submission in queryset.select_related("order")
            if lab_submission_resend(submission=submission, actor=request.user)
        )
        skipped = queryset.count() - done
        self.message_user(
            request,
            _("%(done)s submission(s) queued again; %(skipped)s left as they were (not failed).")
            % {"done": done, "skipped": skipped},
        )

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("lab.resend_labsubmission")


@admin.register(LabEvent)
class LabEventAdmin(RecordAdmin):
    list_display = ["received_at", "event_id", "type", "valid", "processed", "outcome", "error"]
    list_filter = ["valid", "processed", "type"]
    search_fields = ["event_id", "submission__order__number"]
    show_full_result_count = False
