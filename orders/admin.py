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

from fitsperfect.admin_bases import ReadOnlyInline
from fitsperfect.money import money

from . import services
from .address import ADDRESS_FIELDS, ADDRESS_PERSONAL_FIELDS
from .emails import order_email_resend
from .models import Order, OrderEmail, OrderLine
from .orderdesk.actions import OrderDeskMixin, OrderNoteInline, WorkFilter
from .payments.admin import ORDER_INLINES, RefundActionMixin
from .states import WAITING_FOR_SCANS_STATUSES, Status


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["line_number", "description", "size_system", "size", "quantity", "price"]
    readonly_fields = fields

    @admin.display(description=_("line total"))
    def price(self, line: OrderLine) -> str:
        return money(line.line_total, line.order.currency)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order")


class OrderEmailInline(ReadOnlyInline):
    model = OrderEmail
    fields = ["created_at", "kind", "status", "attempts", "sent_at", "last_error"]
    readonly_fields = fields


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
class OrderAdmin(OrderDeskMixin, RefundActionMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "customer",
        "total_display",
        "status",
        "paid_at",
        "flags",
        "created_at",
    ]
    list_filter = [WorkFilter, "status", "paid_at", "created_at", "country"]
    # Postcodes are stored upper case; staff may type "sw1a 1aa" (icontains).
    search_fields = ["number", "email", "full_name", "postcode", "phone"]
    show_full_result_count = False
    list_per_page = 50
    ordering = ["-created_at"]
    inlines = [OrderLineInline, OrderNoteInline, *ORDER_INLINES, OrderEmailInline]
    actions = [
        *OrderDeskMixin.desk_actions,
        "action_refund",
        "action_refund_extra",
        "action_resolve_flags",
        "action_resend_email",
        "action_revoke_link",
        "action_erase_customer_data",
        "action_export_csv",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("assessment", "user", "approved_for_lab_by", "red_flags_confirmed_by")
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (
                None,
                {
                    "fields": [
                        ("number", "status"),
                        "flags",
                        ("created_at", "dispatch_due_at"),
                        ("customer_page", "user"),
                    ]
                },
            ),
            (_("Timeline"), {"fields": ["timeline_display"]}),
            (
                _("Customer and delivery"),
                {"fields": [("full_name", "email", "phone"), *ADDRESS_FIELDS]},
            ),
            (
                _("Assessment and approval"),
                {
                    "fields": [
                        "assessment_summary",
                        ("health_screen_at", "adult_confirmed_at"),
                        ("red_flags_confirmed_at", "red_flags_confirmed_by"),
                        ("approved_for_lab_at", "approved_for_lab_by"),
                    ],
                    "classes": ["collapse"],
                },
            ),
            (
                _("Lab and shipping"),
                {
                    "fields": [
                        ("lab_reference", "lab_error"),
                        ("tracking_display", "shipped_at"),
                        ("delivered_at", "cancelled_at"),
                    ]
                },
            ),
        ]
        if request.user.has_perm("payments.view_payment"):
            fieldsets.insert(3, (_("Payment"), {"fields": PAYMENT_FIELDS, "classes": ["collapse"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        # Status, payments, approval and shipping only change through the actions (the services).
        editable = {"email", "full_name", "phone", *ADDRESS_PERSONAL_FIELDS}
        fields = {
            name
            for _title, opts in self.get_fieldsets(request, obj)
            for row in opts["fields"]
            for name in (row if isinstance(row, tuple) else [row])
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
        if obj.status in WAITING_FOR_SCANS_STATUSES:
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
        from fitsperfect.accounts.privacy import ErasureBlocked, erase_customer_data

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
    actions = ["action_resend"]

    @admin.action(description=_("Resend failed emails"), permissions=["resend"])
    def action_resend(self, request, queryset):
        resent = sum(
            order_email_resend(email=email)
            for email in queryset.filter(status=OrderEmail.Status.FAILED)
        )
        self.message_user(request, _("%(count)s email(s) queued again.") % {"count": resent})

    def has_resend_permission(self, request) -> bool:
        """Whoever runs orders (the same right as the order page's "resend" action)."""
        return request.user.has_perm("orders.change_order")

    def has_add_permission(self, request) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(~Q(order=None))
