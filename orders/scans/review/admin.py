"""Foot scans in the admin: every revision with its preview, measurements and 3D view. Staff act
on a scan from its page, each action on a confirmation page of its own that calls one service:
download the original file, accept, set the scale, swap left and right, reject and ask again."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.forms.widgets import Script
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from fitsperfect.admin_bases import ReadOnlyInline
from fitsperfect.storage import private_file_redirect
from orders.admin import OrderAdmin
from orders.states import IllegalTransition

from ..meshes import ScanRejected
from ..models import FootPhoto, Scan
from ..selectors import scan_summary
from ..services import scan_accept_after_review
from . import services
from .forms import ConfirmForm, RejectForm, ScaleForm
from .selectors import KIND_LABELS, scan_scale_text, scan_view_row


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


THREE = "vendor/three/three.module.js"
ACTION_TITLES = {
    "accept": _("Accept this scan"),
    "scale": _("Set the scale of this scan"),
    "swap": _("Swap the left and right scans"),
    "reject": _("Reject this scan and ask for a new one"),
}
ACTION_DONE = {
    "accept": _("The scan was accepted."),
    "scale": _("The scan was measured again with the new scale."),
    "swap": _("The left and right scans were swapped."),
    "reject": _("The scan was rejected and the customer was emailed."),
}

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
        "kind",
        "scale_status",
        "unit",
        "created_at",
    ]
    list_filter = ["status", "is_current", "side", "kind", "scale_status"]
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
        "review_actions",
        "viewer",
        "kind_text",
        "scale_text",
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

    class Media:
        js = [Script("js/scan-viewer.js", type="module")]
        css = {"all": ["css/scan-viewer.css"]}

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

    @admin.display(description=_("kind of scan"))
    def kind_text(self, obj: Scan) -> str:
        return KIND_LABELS.get(obj.kind, obj.kind or "-")

    @admin.display(description=_("scale"))
    def scale_text(self, obj: Scan) -> str:
        return scan_scale_text(obj)

    @admin.display(description=_("3D view"))
    def viewer(self, obj: Scan) -> str:
        row = scan_view_row(obj)
        return render_to_string("scans/_scan_viewer.html", {"row": row, "three_src": static(THREE)})

    @admin.display(description=_("review"))
    def review_actions(self, obj: Scan) -> str:
        links = [(reverse("admin:scans_scan_download", args=[obj.pk]), _("Download the file"))]
        if obj.status in services.REVIEWABLE:
            if obj.status == Scan.Status.NEEDS_REVIEW:
                links.append((self._action_url("accept", obj), _("Accept")))
            links += [
                (self._action_url("scale", obj), _("Set the scale")),
                (self._action_url("swap", obj), _("Swap left and right")),
                (self._action_url("reject", obj), _("Reject and ask for a new scan")),
            ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    @staticmethod
    def _action_url(action: str, obj: Scan) -> str:
        return reverse("admin:scans_scan_review", args=[obj.pk, action])

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/download/", wrap(self.download_view), name="scans_scan_download"),
            path(
                "<int:pk>/review/<str:action>/",
                wrap(self.review_view),
                name="scans_scan_review",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, pk: int):
        """The customer's original file, streamed through storage (or a short-lived signed URL)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        scan = Scan.objects.filter(pk=pk).first()
        if scan is None or not scan.file:
            raise Http404
        name = f"{scan.order.number}-{scan.side}-r{scan.revision}.{scan.file_format or 'bin'}"
        signed = private_file_redirect(
            scan.file, content_type="application/octet-stream", filename=name
        )
        if signed is not None:
            return signed
        return FileResponse(
            scan.file.open("rb"),
            as_attachment=True,
            filename=name,
            content_type="application/octet-stream",
        )

    REVIEW_FORMS = {"accept": ConfirmForm, "scale": ScaleForm, "swap": ConfirmForm}

    def review_view(self, request, pk: int, action: str):
        """One confirmation page per action; the POST calls the action's service."""
        if not self.has_accept_permission(request):
            raise PermissionDenied
        scan = Scan.objects.select_related("order").filter(pk=pk).first()
        form_class = self.REVIEW_FORMS.get(action, RejectForm if action == "reject" else None)
        if scan is None or form_class is None:
            raise Http404
        form = form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                self._do(action, scan, request.user, form)
            except (ValueError, IllegalTransition, ScanRejected) as error:
                form.add_error(None, str(getattr(error, "message", error)))
            else:
                self.message_user(request, ACTION_DONE[action])
                return redirect("admin:scans_scan_change", scan.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": scan,
            "scan": scan,
            "form": form,
            "action": action,
            "title": ACTION_TITLES[action],
            "summary": scan_summary(scan),
            "scale": scan_scale_text(scan),
        }
        return TemplateResponse(request, "scans/admin/review_action.html", context)

    @staticmethod
    def _do(action: str, scan: Scan, user, form) -> None:
        if action == "accept":
            scan_accept_after_review(scan=scan, actor=user)
        elif action == "scale":
            services.scan_set_scale(
                scan=scan, actor=user, accept=form.cleaned_data["accept"], **form.scale()
            )
        elif action == "swap":
            services.scans_swap_sides(order=scan.order, actor=user)
        else:
            services.scan_reject(
                scan=scan,
                actor=user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )

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
