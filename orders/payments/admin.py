"""Payments in the admin: Stripe deliveries, the order's payment rows and the refund action.

`orders.admin.OrderAdmin` mixes in `RefundActionMixin` and shows `PaymentInline` (admin wiring is the
one place the order app imports this app).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from fitsperfect.admin_bases import ReadOnlyInline, RecordAdmin
from orders import services
from orders.templatetags.orders_tags import money

from . import checkout, selectors, webhook
from . import services as payment_services
from .models import Dispute, Payment, PaymentFlag, ProductVatRate, StripeEvent


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount to refund"),
        min_value=Decimal("0.01"),
        decimal_places=2,
        help_text=_(
            "In the order's currency, e.g. 25.00. Leave the full amount for a full refund."
        ),
    )


class AmountInCurrency:
    """Amounts as the customer saw them (£149.00), never as stored minor units (14900)."""

    @admin.display(description=_("amount"), ordering="amount")
    def amount_shown(self, obj) -> str:
        return money(obj.amount, obj.currency)


class PaymentInline(AmountInCurrency, ReadOnlyInline):
    model = Payment
    fields = [
        "created_at",
        "kind",
        "status",
        "amount_shown",
        "is_extra",
        "payment_intent_id",
        "stripe_object_id",
        "failure_reason",
    ]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("payments.view_payment")


class PaymentFlagInline(ReadOnlyInline):
    model = PaymentFlag
    verbose_name_plural = _("payment flags (open and resolved)")
    fields = ["raised_at", "kind", "message", "resolved_at", "resolution"]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("payments.view_payment")


class DisputeInline(AmountInCurrency, ReadOnlyInline):
    model = Dispute
    fields = ["stripe_dispute_id", "status", "reason", "amount_shown", "evidence_due_by"]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("payments.view_payment")


# The order admin shows these (orders.admin adds them to its inlines).
ORDER_INLINES = [PaymentInline, PaymentFlagInline, DisputeInline]


class RefundActionMixin:
    """The order admin's "Refund through Stripe" action (needs `orders.refund_order`)."""

    @admin.action(description=_("Refund through Stripe"), permissions=["refund"])
    def action_refund(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Refund one order at a time."), level=messages.ERROR)
            return None
        order = queryset.get()
        left = selectors.refundable_amount(order=order)
        initial = {"amount": Decimal(left) / 100}
        form = RefundForm(request.POST if "apply" in request.POST else None, initial=initial)
        if "apply" in request.POST and form.is_valid():
            amount = int((form.cleaned_data["amount"] * 100).to_integral_value())
            try:
                refund_id = checkout.request_refund(order=order, amount=amount, actor=request.user)
            except (ValueError, checkout.PaymentsUnavailable) as error:
                self.message_user(request, f"{order.number}: {error}", level=messages.ERROR)
                return None
            services.order_add_note(
                order=order,
                actor=request.user,
                note=_("Refund of %(amount)s requested from Stripe (%(id)s).")
                % {"amount": money(amount, order.currency), "id": refund_id},
            )
            self.message_user(
                request,
                _("Refund requested; the order counts it once Stripe reports it succeeded."),
            )
            return None
        return self._form_page(
            request,
            queryset,
            form=form,
            title=_("Refund %(number)s (up to %(amount)s)")
            % {"number": order.number, "amount": money(left, order.currency)},
            action="action_refund",
        )

    @admin.action(description=_("Mark payment flags as checked"), permissions=["refund"])
    def action_resolve_flags(self, request, queryset):
        """For flags only a person can settle (e.g. "other"): resolved with who did it."""
        count = 0
        for order in queryset:
            for kind in {flag.kind for flag in selectors.open_flags(order=order)}:
                count += payment_services.flags_resolve(
                    order=order,
                    kind=kind,
                    resolution=_("Checked by %(user)s.") % {"user": request.user.get_username()},
                )
        self.message_user(request, _("%(count)s flag(s) resolved.") % {"count": count})

    @admin.action(description=_("Refund the extra payment (paid twice)"), permissions=["refund"])
    def action_refund_extra(self, request, queryset):
        """One click: gives back every second payment of the chosen orders in full."""
        done = 0
        for order in queryset:
            for row in selectors.extra_payments_to_refund(order=order):
                amount = selectors.refundable_amount(
                    order=order, payment_intent_id=row.payment_intent_id
                )
                try:
                    refund_id = checkout.request_refund(
                        order=order,
                        amount=amount,
                        actor=request.user,
                        payment_intent_id=row.payment_intent_id,
                    )
                except (ValueError, checkout.PaymentsUnavailable) as error:
                    self.message_user(request, f"{order.number}: {error}", level=messages.ERROR)
                    continue
                services.order_add_note(
                    order=order,
                    actor=request.user,
                    note=_("Refund of the extra payment %(pi)s (%(amount)s) requested (%(id)s).")
                    % {
                        "pi": row.payment_intent_id,
                        "amount": money(amount, order.currency),
                        "id": refund_id,
                    },
                )
                done += 1
        self.message_user(
            request, _("%(count)s extra payment refund(s) requested.") % {"count": done}
        )

    def has_refund_permission(self, request) -> bool:
        return request.user.has_perm("orders.refund_order")


@admin.register(StripeEvent)
class StripeEventAdmin(RecordAdmin):
    list_display = [
        "received_at",
        "event_id",
        "type",
        "valid",
        "processed",
        "deliveries",
        "result",
        "outcome",
        "short_error",
        "api_version",
        "order",
    ]
    list_filter = ["valid", "processed", "result", "type", "api_version", "received_at"]
    search_fields = ["event_id", "order__number"]
    list_select_related = ["order"]
    show_full_result_count = False
    actions = ["action_reprocess"]

    @admin.display(description=_("error"))
    def short_error(self, obj: StripeEvent) -> str:
        return obj.error[:80]

    @admin.action(description=_("Process again (failed ones only)"), permissions=["change"])
    def action_reprocess(self, request, queryset):
        ok, failed = webhook.reprocess(queryset)
        self.message_user(
            request, _("%(ok)s processed, %(failed)s still failing.") % {"ok": ok, "failed": failed}
        )


@admin.register(Dispute)
class DisputeAdmin(AmountInCurrency, RecordAdmin):
    list_display = [
        "created_at",
        "stripe_dispute_id",
        "order",
        "status",
        "amount_shown",
        "evidence_due_by",
    ]
    list_filter = ["status", "reason"]
    search_fields = ["stripe_dispute_id", "order__number"]

    def get_fields(self, request, obj=None):
        """Every field, with the amount in its currency in place of the raw minor units."""
        names = [f.name for f in self.model._meta.fields if f.name not in ("id", "currency")]
        return ["amount_shown" if name == "amount" else name for name in names]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    list_select_related = ["order"]
    ordering = ["evidence_due_by"]


@admin.register(ProductVatRate)
class ProductVatRateAdmin(admin.ModelAdmin):
    """A product without a row here is sold at `settings.VAT_DEFAULT_RATE_BASIS_POINTS` (20%)."""

    list_display = ["product", "rate_basis_points"]
    list_select_related = ["product"]
