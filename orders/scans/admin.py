"""Foot scans in the admin: every revision with its preview and measurements; staff accept a scan
flagged for review."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from fitsperfect.admin_bases import ReadOnlyInline
from orders.admin import OrderAdmin
from orders.states import IllegalTransition

from .models import FootPhoto, Scan
from .selectors import scan_summary
from .services import scan_accept_after_review


def _preview_tag(scan: Scan) -> str:
    if not scan.preview:
        return "-"
    url = reverse("orders:staff_scan_preview", args=[scan.pk])
    return format_html(
        '<a href="{}"><img src="{}" width="60" height="120" alt="{}"></a>',
        url,
        url,
        _("Sole preview of the %(side)s scan") % {"side": scan.get_side_display()},
    )


def _measurements_text(scan: Scan) -> str:
    return scan_summary(scan) or "-"


class ScanInline(ReadOnlyInline):
    model = Scan
    verbose_name_plural = _("foot scans (newest revision first)")
    fields = [
        "side",
        "revision",
        "status",
        "is_current",
        "original_name",
        "preview_image",
        "measurements_text",
        "unit",
        "unit_confidence",
        "notes",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("preview"))
    def preview_image(self, obj: Scan) -> str:
        return _preview_tag(obj)

    @admin.display(description=_("measurements"))
    def measurements_text(self, obj: Scan) -> str:
        return _measurements_text(obj)

    @admin.display(description=_("warnings, review reasons, rejection"))
    def notes(self, obj: Scan) -> str:
        items = [*obj.warnings, *obj.review_reasons]
        if obj.rejection_message:
            items.append(obj.rejection_message)
        return format_html_join("", "<div>{}</div>", ((item,) for item in items)) or "-"


class FootPhotoInline(ReadOnlyInline):
    model = FootPhoto
    fields = ["role", "file_format", "width", "height", "is_current", "created_at"]
    readonly_fields = fields


# The order's page shows its scans and photos (this app depends on orders, never the reverse).
OrderAdmin.inlines = [*OrderAdmin.inlines, ScanInline, FootPhotoInline]


@admin.register(Scan)
class ScanAdmin(admin.ModelAdmin):
    list_display = [
        "order",
        "side",
        "revision",
        "status",
        "is_current",
        "original_name",
        "unit",
        "unit_confidence",
        "created_at",
    ]
    list_filter = ["status", "is_current", "side", "unit"]
    search_fields = ["order__number", "original_name", "sha256"]
    list_select_related = ["order"]
    show_full_result_count = False
    actions = ["action_accept"]
    fields = [
        "order",
        "side",
        "revision",
        "status",
        "is_current",
        "original_name",
        "file_format",
        "size_bytes",
        "sha256",
        "preview_image",
        "measurements_text",
        "unit",
        "unit_confidence",
        "side_guess",
        "triangle_count",
        "bbox_mm",
        "warnings",
        "review_reasons",
        "rejection_message",
        "accepted_by",
        "accepted_at",
        "created_at",
        "validated_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("preview"))
    def preview_image(self, obj: Scan) -> str:
        return _preview_tag(obj)

    @admin.display(description=_("measurements"))
    def measurements_text(self, obj: Scan) -> str:
        return _measurements_text(obj)

    @admin.action(description=_("Accept scan after review"), permissions=["accept"])
    def action_accept(self, request, queryset):
        done = 0
        for scan in queryset.select_related("order"):
            try:
                scan_accept_after_review(scan=scan, actor=request.user)
                done += 1
            except (ValueError, IllegalTransition) as error:
                self.message_user(
                    request, f"{scan.order.number} {scan.side}: {error}", level=messages.ERROR
                )
        if done:
            self.message_user(request, _("%(count)s scan(s) accepted.") % {"count": done})

    def has_accept_permission(self, request) -> bool:
        return request.user.has_perm("scans.accept_scan")
