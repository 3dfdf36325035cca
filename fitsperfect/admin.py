"""The audit trail in the admin: superusers only, read only."""

from django.contrib import admin

from .models import AccessRecord


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
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

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
