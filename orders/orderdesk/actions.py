"""The order admin's work: list filters, confirmed actions and the readable timeline.

Every action shows a confirmation page (the chosen orders and a crispy form), then makes one
service call per order; the order's one state writer (`orders.services.order_set_status`)
records who did what. A refund goes through `orders.payments.checkout.request_refund`.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders import fulfilment, services
from orders import selectors as order_selectors
from orders.models import OrderNote
from orders.payments import checkout
from orders.payments.selectors import refundable_amount
from orders.states import IllegalTransition

from . import selectors
from .forms import CancelForm, NoteForm, ShipForm
from .timeline import staff_timeline


class WorkFilter(admin.SimpleListFilter):
    title = gettext_lazy("work")
    parameter_name = "work"

    def lookups(self, request, model_admin):
        return selectors.WORK_FILTERS

    def queryset(self, request, queryset):
        return selectors.orders_for_work(queryset, self.value()) if self.value() else queryset


class OrderNoteInline(admin.TabularInline):
    """Staff notes: added here (through `order_add_staff_note`), never edited or deleted."""

    model = OrderNote
    extra = 1
    can_delete = False
    fields = ["text", "author", "created_at"]
    readonly_fields = ["author", "created_at"]
    verbose_name_plural = gettext_lazy("staff notes (never shown to the customer)")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class OrderDeskMixin:
    """Mixed into `orders.admin.OrderAdmin`."""

    desk_actions = [
        "action_mark_in_production",
        "action_mark_shipped",
        "action_mark_delivered",
        "action_cancel_refund",
    ]

    class Media:
        css = {"all": ["orderdesk/admin.css"]}

    def save_formset(self, request, form, formset, change):
        if formset.model is not OrderNote:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for note_form in formset.forms:
            text = note_form.cleaned_data.get("text") if note_form.has_changed() else ""
            if text and note_form.instance.pk is None:
                formset.new_objects.append(
                    services.order_add_staff_note(
                        order=form.instance, author=request.user, text=text
                    )
                )
        return None

    @admin.display(description=gettext_lazy("timeline"))
    def timeline_display(self, obj) -> str:
        rows = staff_timeline(obj)
        return format_html(
            '<ol class="desk-timeline">{}</ol>',
            format_html_join(
                "",
                '<li class="desk-{}"><span class="desk-who">{}</span> '
                '<time datetime="{}">{}</time>{}</li>',
                (
                    (
                        row["kind"],
                        row["sentence"],
                        row["at"].isoformat(),
                        row["at"].strftime("%-d %b %Y %H:%M"),
                        format_html('<div class="desk-note">{}</div>', row["note"])
                        if row["note"]
                        else "",
                    )
                    for row in rows
                ),
            ),
        )

    @admin.display(description=gettext_lazy("tracking"))
    def tracking_display(self, obj) -> str:
        if not obj.tracking_number:
            return "-"
        url = order_selectors.carrier_tracking_url(obj.carrier, obj.tracking_number)
        if not url:
            return f"{obj.carrier}: {obj.tracking_number}"
        return format_html('{}: <a href="{}">{}</a>', obj.carrier, url, obj.tracking_number)

    # --- confirmed actions -----------------------------------------------------------------------

    def _confirm(self, request, queryset, *, form, title, action, intro):
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
        return TemplateResponse(request, "admin/orders/order/confirm_action.html", context)

    def _each(self, request, queryset, call) -> None:
        done, errors = 0, []
        for order in queryset:
            try:
                call(order)
                done += 1
            except (IllegalTransition, ValueError, checkout.PaymentsUnavailable) as error:
                errors.append(f"{order.number}: {error}")
        if done:
            self.message_user(request, _("%(count)s order(s) updated.") % {"count": done})
        for error in errors:
            self.message_user(request, error, level=messages.ERROR)

    def _simple(self, request, queryset, *, service, title, action, intro):
        form = NoteForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            note = form.cleaned_data["note"]
            self._each(request, queryset, lambda o: service(order=o, actor=request.user, note=note))
            return None
        return self._confirm(request, queryset, form=form, title=title, action=action, intro=intro)

    @admin.action(description=gettext_lazy("Mark in production"), permissions=["change"])
    def action_mark_in_production(self, request, queryset):
        return self._simple(
            request,
            queryset,
            service=fulfilment.order_mark_in_production,
            title=_("Mark in production"),
            action="action_mark_in_production",
            intro=_("The lab has started making these orders."),
        )

    @admin.action(description=gettext_lazy("Mark delivered"), permissions=["change"])
    def action_mark_delivered(self, request, queryset):
        return self._simple(
            request,
            queryset,
            service=fulfilment.order_mark_delivered,
            title=_("Mark delivered"),
            action="action_mark_delivered",
            intro=_("The carrier says these parcels were delivered."),
        )

    @admin.action(
        description=gettext_lazy("Mark shipped (carrier and tracking)"), permissions=["change"]
    )
    def action_mark_shipped(self, request, queryset):
        form = ShipForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            data = form.cleaned_data
            self._each(
                request,
                queryset,
                lambda o: fulfilment.order_mark_shipped(
                    order=o,
                    carrier=data["carrier"].name,
                    tracking_number=data["tracking_number"],
                    actor=request.user,
                ),
            )
            return None
        return self._confirm(
            request,
            queryset,
            form=form,
            title=_("Mark shipped"),
            action="action_mark_shipped",
            intro=_("The customer gets an email with the tracking link."),
        )

    @admin.action(description=gettext_lazy("Cancel (and refund)"), permissions=["change"])
    def action_cancel_refund(self, request, queryset):
        form = CancelForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            if form.cleaned_data["refund"] and not request.user.has_perm("orders.refund_order"):
                self.message_user(request, _("You may not refund orders."), level=messages.ERROR)
                return None
            self._each(
                request,
                queryset,
                lambda o: cancel_and_refund(
                    order=o,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    refund=form.cleaned_data["refund"],
                ),
            )
            return None
        return self._confirm(
            request,
            queryset,
            form=form,
            title=_("Cancel orders"),
            action="action_cancel_refund",
            intro=_(
                "Only orders the lab has not started can be cancelled. A refund is asked from "
                "Stripe and counted when Stripe confirms it."
            ),
        )


def cancel_and_refund(*, order, actor, reason: str, refund: bool) -> None:
    """Cancels through the state writer, then asks Stripe to refund what is left (the payments
    app's refund request; its webhook moves the order to REFUNDED)."""
    services.order_cancel(order=order, actor=actor, note=reason)
    amount = refundable_amount(order=order)
    if refund and amount > 0:
        checkout.request_refund(order=order, amount=amount, actor=actor)
