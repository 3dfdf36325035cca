"""Staff run every order here. Status and payment fields are read-only: actions call the services.

The changelist reads only the order row (no per-row queries), so it costs the same with 10 or 10,000
orders. Payments are shown only to users with `payments.view_payment` (clinicians do not have it).
"""

from __future__ import annotations

import csv

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from fitsperfect.admin_bases import ReadOnlyInline, RecordAdmin

from . import services
from .forms import ShipForm
from .models import (
    FootPhoto,
    LabEvent,
    LabSubmission,
    Order,
    OrderEmail,
    OrderLine,
    OrderStatusChange,
    Product,
    ProductOption,
    Scan,
)
from .payments.admin import ORDER_INLINES, RefundActionMixin
from .states import IllegalTransition, Status
from .templatetags.orders_tags import money


class ProductOptionInline(admin.TabularInline):
    model = ProductOption
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "price", "turnaround_days", "is_active", "position"]
    list_editable = ["is_active", "position"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProductOptionInline]

    @admin.display(description=_("price"))
    def price(self, obj: Product) -> str:
        return money(obj.base_price, obj.currency)


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["line_number", "description", "size_system", "size", "quantity", "unit_price"]
    readonly_fields = fields


class OrderStatusChangeInline(ReadOnlyInline):
    model = OrderStatusChange
    verbose_name_plural = _("timeline")
    fields = ["created_at", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields


class OrderEmailInline(ReadOnlyInline):
    model = OrderEmail
    fields = ["created_at", "kind", "status", "attempts", "sent_at", "last_error"]
    readonly_fields = fields


class FlagFilter(admin.SimpleListFilter):
    title = _("needs attention")
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        return [
            ("scans", _("Waiting on scans")),
            ("review", _("Waiting on review")),
            ("lab_error", _("Lab error")),
            ("payment", _("Payment problem")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "scans":
            return queryset.filter(status__in=[Status.PAID, Status.AWAITING_SCANS])
        if value == "review":
            return queryset.filter(status=Status.SCANS_RECEIVED)
        if value == "lab_error":
            return queryset.exclude(lab_error="")
        if value == "payment":
            return queryset.exclude(payment_flag="")
        return queryset


PAYMENT_FIELDS = [
    "currency",
    "subtotal_display",
    "total_display",
    "amount_paid_display",
    "amount_refunded_display",
    "paid_at",
    "payment_flag",
    "checkout_attempt",
    "stripe_checkout_session_id",
    "stripe_payment_intent_id",
]


@admin.register(Order)
class OrderAdmin(RefundActionMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "customer",
        "total_display",
        "status",
        "paid_at",
        "flags",
        "created_at",
    ]
    list_filter = ["status", FlagFilter, "paid_at", "created_at", "country"]
    search_fields = ["number", "email", "full_name"]
    show_full_result_count = False
    list_per_page = 50
    ordering = ["-created_at"]
    inlines = [OrderLineInline, OrderStatusChangeInline, *ORDER_INLINES, OrderEmailInline]
    actions = [
        "action_mark_shipped",
        "action_cancel",
        "action_refund",
        "action_refund_extra",
        "action_resolve_flags",
        "action_resend_email",
        "action_revoke_link",
        "action_erase_customer_data",
        "action_export_csv",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("assessment", "user")

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (
                None,
                {
                    "fields": [
                        "number",
                        "status",
                        "flags",
                        "created_at",
                        "customer_page",
                        "user",
                    ]
                },
            ),
            (
                _("Customer and delivery"),
                {
                    "fields": [
                        "email",
                        "full_name",
                        "phone",
                        "address_line1",
                        "address_line2",
                        "city",
                        "region",
                        "postcode",
                        "country",
                    ]
                },
            ),
            (
                _("Assessment and approval"),
                {
                    "fields": [
                        "assessment_summary",
                        "health_screen_at",
                        "adult_confirmed_at",
                        "red_flags_confirmed_at",
                        "red_flags_confirmed_by",
                        "approved_for_lab_at",
                        "approved_for_lab_by",
                    ]
                },
            ),
            (
                _("Lab and shipping"),
                {
                    "fields": [
                        "lab_reference",
                        "lab_error",
                        "carrier",
                        "tracking_number",
                        "shipped_at",
                        "delivered_at",
                        "cancelled_at",
                    ]
                },
            ),
        ]
        if request.user.has_perm("payments.view_payment"):
            fieldsets.insert(1, (_("Payment"), {"fields": PAYMENT_FIELDS}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        # Status, payments, approval and shipping only change through the actions (the services).
        editable = {"email", "full_name", "phone", "address_line1", "address_line2"}
        editable |= {"city", "region", "postcode"}
        fields = {
            name for _title, opts in self.get_fieldsets(request, obj) for name in opts["fields"]
        }
        return sorted(fields - editable)

    def has_add_permission(self, request) -> bool:
        return False  # orders come from checkout

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # orders are records: cancel or refund instead

    # --- columns ---------------------------------------------------------------------------------

    @admin.display(description=_("customer"), ordering="full_name")
    def customer(self, obj: Order) -> str:
        return f"{obj.full_name} <{obj.email}>"

    @admin.display(description=_("total"), ordering="total")
    def total_display(self, obj: Order) -> str:
        return money(obj.total, obj.currency)

    @admin.display(description=_("subtotal"))
    def subtotal_display(self, obj: Order) -> str:
        return money(obj.subtotal, obj.currency)

    @admin.display(description=_("paid"))
    def amount_paid_display(self, obj: Order) -> str:
        return money(obj.amount_paid, obj.currency)

    @admin.display(description=_("refunded"))
    def amount_refunded_display(self, obj: Order) -> str:
        return money(obj.amount_refunded, obj.currency)

    @admin.display(description=_("flags"))
    def flags(self, obj: Order) -> str:
        flags = []
        if obj.status in {Status.PAID, Status.AWAITING_SCANS}:
            flags.append(_("waiting on scans"))
        if obj.status == Status.SCANS_RECEIVED:
            flags.append(_("waiting on review"))
        if obj.lab_error:
            flags.append(_("lab error"))
        if obj.payment_flag:
            flags.append(_("payment problem"))
        return ", ".join(str(flag) for flag in flags) or "-"

    @admin.display(description=_("customer's order page"))
    def customer_page(self, obj: Order) -> str:
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("open"))

    @admin.display(description=_("assessment"))
    def assessment_summary(self, obj: Order) -> str:
        assessment = obj.assessment
        if assessment is None:
            return _("None: a clinician approves it for the lab in the clinic.")
        try:
            url = reverse("admin:assessments_assessment_change", args=[assessment.pk])
        except NoReverseMatch:
            url = ""
        rows = [
            (_("Status"), assessment.get_status_display()),
            (_("Band"), assessment.get_band_display() or "-"),
            (_("Review"), assessment.get_decision_display() or _("Not reviewed yet")),
        ]
        body = format_html_join("", "<div>{}: <strong>{}</strong></div>", rows)
        if url:
            body += format_html('<div><a href="{}">{}</a></div>', url, _("Open the assessment"))
        return body

    # --- actions ---------------------------------------------------------------------------------

    def _form_page(self, request, queryset, *, form, title, action, intro=""):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "orders": queryset,
            "form": form,
            "action": action,
            "intro": intro,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/orders/order/action_form.html", context)

    def _report(self, request, done: int, errors: list[str]) -> None:
        if done:
            self.message_user(request, _("%(count)s order(s) updated.") % {"count": done})
        for error in errors:
            self.message_user(request, error, level=messages.ERROR)

    @admin.action(description=_("Mark shipped (with tracking)"), permissions=["change"])
    def action_mark_shipped(self, request, queryset):
        form = ShipForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done, errors = 0, []
            for order in queryset:
                try:
                    services.order_mark_shipped(
                        order=order,
                        carrier=form.cleaned_data["carrier"],
                        tracking_number=form.cleaned_data["tracking_number"],
                        actor=request.user,
                    )
                    done += 1
                except (IllegalTransition, ValueError) as error:
                    errors.append(f"{order.number}: {error}")
            self._report(request, done, errors)
            return None
        return self._form_page(
            request,
            queryset,
            form=form,
            title=_("Mark shipped"),
            action="action_mark_shipped",
        )

    @admin.action(description=_("Cancel"), permissions=["change"])
    def action_cancel(self, request, queryset):
        done, errors = 0, []
        for order in queryset:
            try:
                services.order_cancel(
                    order=order, actor=request.user, note=_("Cancelled by staff.")
                )
                done += 1
            except IllegalTransition as error:
                errors.append(f"{order.number}: {error}")
        self._report(request, done, errors)

    @admin.action(description=_("Resend the latest customer email"), permissions=["change"])
    def action_resend_email(self, request, queryset):
        done = 0
        for order in queryset:
            latest = order.emails.order_by("-created_at", "-id").first()
            if latest is not None:
                services.order_queue_email(order=order, kind=latest.kind)
                done += 1
        self.message_user(request, _("%(count)s email(s) queued.") % {"count": done})

    @admin.action(
        description=_("Revoke the customer's link (issue a new one)"), permissions=["change"]
    )
    def action_revoke_link(self, request, queryset):
        for order in queryset:
            services.order_revoke_access_token(order=order, actor=request.user)
        self.message_user(
            request,
            _("%(count)s link(s) revoked. Resend an email to give customers their new link.")
            % {"count": len(queryset)},
        )

    @admin.action(
        description=_("Erase these customers' personal data (keeps the accounting record)"),
        permissions=["erase"],
    )
    def action_erase_customer_data(self, request, queryset):
        from fitsperfect.privacy import ErasureBlocked, erase_customer_data

        for email in sorted({order.email for order in queryset}):
            try:
                report = erase_customer_data(email=email, actor=request.user)
            except ErasureBlocked as blocked:
                self.message_user(
                    request,
                    _("Not erased: %(reason)s. Use the erase_customer_data command with --force.")
                    % {"reason": blocked},
                    level=messages.WARNING,
                )
            else:
                self.message_user(
                    request,
                    _("Erased: %(orders)s order(s), %(assessments)s assessment(s).")
                    % {"orders": report.orders, "assessments": report.assessments},
                )

    def has_erase_permission(self, request) -> bool:
        """Erasure is irreversible: superusers only."""
        return request.user.is_superuser

    @admin.action(description=_("Export selected as CSV"), permissions=["view"])
    def action_export_csv(self, request, queryset: QuerySet[Order]) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.csv"'
        writer = csv.writer(response)
        show_money = request.user.has_perm("payments.view_payment")
        header = ["number", "created_at", "status", "email", "full_name", "country"]
        if show_money:
            header += ["currency", "total", "amount_paid", "amount_refunded", "paid_at"]
        header += ["carrier", "tracking_number"]
        writer.writerow(header)
        for order in queryset.order_by("created_at").iterator(chunk_size=2000):
            row = [
                order.number,
                order.created_at.isoformat(),
                order.status,
                order.email,
                order.full_name,
                order.country,
            ]
            if show_money:
                row += [
                    order.currency.upper(),
                    f"{order.total / 100:.2f}",
                    f"{order.amount_paid / 100:.2f}",
                    f"{order.amount_refunded / 100:.2f}",
                    order.paid_at.isoformat() if order.paid_at else "",
                ]
            row += [order.carrier, order.tracking_number]
            writer.writerow([_csv_safe(value) for value in row])
        return response


def _csv_safe(value) -> str:
    """Stops spreadsheet formula injection from customer-typed text."""
    text = str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


@admin.register(OrderEmail)
class OrderEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "order", "kind", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["order__number", "order__email"]
    list_select_related = ["order"]
    readonly_fields = [f.name for f in OrderEmail._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(~Q(order=None))


# --- Scans, photos and the lab hand-off (issue 7) ------------------------------------------------------


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
    from .selectors import scan_summary

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


class LabSubmissionInline(ReadOnlyInline):
    model = LabSubmission
    fields = ["revision", "status", "attempts", "lab_reference", "last_error", "updated_at"]
    readonly_fields = fields
    show_change_link = True


OrderAdmin.inlines = [*OrderAdmin.inlines, ScanInline, FootPhotoInline, LabSubmissionInline]


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
        from .scan_services import scan_accept_after_review

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
        return request.user.has_perm("orders.accept_scan")


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
        from .lab_services import lab_submission_resend

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
        return request.user.has_perm("orders.resend_labsubmission")


@admin.register(LabEvent)
class LabEventAdmin(RecordAdmin):
    list_display = ["received_at", "event_id", "type", "valid", "processed", "outcome", "error"]
    list_filter = ["valid", "processed", "type"]
    search_fields = ["event_id", "submission__order__number"]
    show_full_result_count = False
