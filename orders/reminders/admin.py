"""Which reminders went out and who opted out of follow-ups: read-only evidence for superusers
(an opt-out is an email address; a reminder links to a customer's order or assessment)."""

from django.contrib import admin

from fitsperfect.admin_bases import SuperusersOnly

from .models import ReminderOptOut, SentReminder


class _ReadOnly(SuperusersOnly, admin.ModelAdmin):
    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SentReminder)
class SentReminderAdmin(_ReadOnly):
    list_display = ("created_at", "kind", "order", "assessment")
    list_filter = ("kind",)
    search_fields = ("order__number",)
    list_select_related = ("order", "assessment")
    date_hierarchy = "created_at"


@admin.register(ReminderOptOut)
class ReminderOptOutAdmin(_ReadOnly):
    list_display = ("created_at", "email")
    search_fields = ("email",)
