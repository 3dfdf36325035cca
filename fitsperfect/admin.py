"""The audit trail and customers' erasure requests in the admin: superusers only."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import data_requests
from .models import AccessRecord, ErasureRequest, OutboxEmail
from .outbox import outbox_email_resend


class SuperusersOnly:
    """Health-data evidence and erasure are for superusers; nobody adds or deletes rows here."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccessRecord)
class AccessRecordAdmin(SuperusersOnly, admin.ModelAdmin):
    list_display = (
        "at",
        "username",
        "action",
        "object_type",
        "object_id",
        "url_name",
        "status_code",
    )
    list_filter = ("action", "object_type")
    search_fields = ("username", "object_id", "url_name")
    date_hierarchy = "at"

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ErasureRequest)
class ErasureRequestAdmin(SuperusersOnly, admin.ModelAdmin):
    """Requests wait here; "Erase" runs the erasure (orders still being made refuse it)."""

    list_display = ("id", "requested_at", "status", "user", "handled_at", "handled_by")
    list_filter = ("status",)
    readonly_fields = [f.name for f in ErasureRequest._meta.fields]
    actions = ["action_erase"]

    def has_change_permission(self, request, obj=None) -> bool:  # runs the "Erase" action
        return request.user.is_active and request.user.is_superuser

    @admin.action(description=_("Erase these customers' data (after checking who asked)"))
    def action_erase(self, request, queryset) -> None:
        for erasure_request in queryset:
            done = data_requests.erasure_request_carry_out(
                erasure_request=erasure_request, actor=request.user
            )
            level = (
                messages.SUCCESS if done.status == ErasureRequest.Status.DONE else messages.WARNING
            )
            self.message_user(
                request, f"#{done.pk}: {done.get_status_display()}. {done.outcome}", level
            )


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """The customer-email outbox: read-only; failed emails are resent after fixing the cause.
    Bodies can be health data, so only superusers and those allowed to change them see it."""

    list_display = ("created_at", "kind", "status", "attempts", "sent_at", "ref")
    list_filter = ("status", "kind")
    search_fields = ("ref",)
    readonly_fields = [f.name for f in OutboxEmail._meta.fields]
    actions = ["action_resend"]

    @admin.action(description=_("Resend failed emails"), permissions=["resend"])
    def action_resend(self, request, queryset) -> None:
        resent = sum(
            outbox_email_resend(email=email)
            for email in queryset.filter(status=OutboxEmail.Status.FAILED)
        )
        self.message_user(request, _("%(count)s email(s) queued again.") % {"count": resent})

    def has_resend_permission(self, request) -> bool:
        return request.user.is_active and (
            request.user.is_superuser or request.user.has_perm("fitsperfect.change_outboxemail")
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
