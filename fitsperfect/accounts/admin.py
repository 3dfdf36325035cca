"""Customers' erasure requests in the admin: superusers only (the model stays
fitsperfect.ErasureRequest, so its admin page is /admin/fitsperfect/erasurerequest/ as before)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from fitsperfect.admin_bases import SuperusersOnly
from fitsperfect.models import ErasureRequest

from . import services


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
            done = services.erasure_request_carry_out(
                erasure_request=erasure_request, actor=request.user
            )
            level = (
                messages.SUCCESS if done.status == ErasureRequest.Status.DONE else messages.WARNING
            )
            self.message_user(
                request, f"#{done.pk}: {done.get_status_display()}. {done.outcome}", level
            )
