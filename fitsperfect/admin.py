"""The audit trail and the customer-email outbox in the admin: superusers only (customers'
erasure requests: fitsperfect.accounts.admin)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_bases import SuperusersOnly
from .models import AccessRecord, OutboxEmail
from .outbox import outbox_email_resend


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
