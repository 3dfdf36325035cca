"""Carriers in the admin: staff add one, or change its tracking page, without a deploy."""

from django.contrib import admin

from orders.models import Carrier


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ["name", "tracking_url_template", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # orders name their carrier: switch it off instead
