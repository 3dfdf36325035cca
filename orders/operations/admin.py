"""The operations page in the admin: the business at a glance, for staff with
`operations.view_operations` (the Staff group; superusers). Read-only: there is nothing to add,
change or delete here, and the proxy's other admin pages answer 403."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from fitsperfect.money import money

from . import selectors
from .charts import bar_chart, duration
from .models import OperationsPage

PERMISSION = "operations.view_operations"


def _may_view(request) -> bool:
    return request.user.is_active and request.user.is_staff and request.user.has_perm(PERMISSION)


@admin.register(OperationsPage)
class OperationsPageAdmin(admin.ModelAdmin):
    def has_module_permission(self, request) -> bool:
        return _may_view(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return obj is None and _may_view(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        if not _may_view(request):
            raise PermissionDenied
        overview = selectors.operations_overview()
        context = {
            **self.admin_site.each_context(request),
            "title": _("The business at a glance"),
            "opts": self.model._meta,
            "overview": overview,
            **page_context(overview),
        }
        return TemplateResponse(request, "operations/page.html", context)


def page_context(overview: selectors.Overview) -> dict:
    """The charts and the tables' rows, from the figures (no query here)."""
    days = overview.days
    states = overview.orders_by_state
    funnel = overview.funnel
    first = funnel[0].count or None
    lab = overview.lab.shipped
    return {
        "states_chart": bar_chart(
            chart_id="states",
            title=_("Orders by status now"),
            description=_("%(n)s orders in all; the table beside gives each status.")
            % {"n": _n(sum(s.count for s in states))},
            items=[(s.label, s.count, _n(s.count)) for s in states],
        ),
        "funnel_chart": bar_chart(
            chart_id="funnel",
            title=_("Funnel, last %(days)s days") % {"days": days},
            description=_(
                "From article views to orders shipped: %(views)s article views, %(shipped)s "
                "orders shipped."
            )
            % {"views": _n(funnel[0].count), "shipped": _n(funnel[-1].count)},
            items=[(f.label, f.count, _n(f.count)) for f in funnel],
        ),
        "funnel_rows": [
            (f, f"{100 * f.count / first:.1f}%" if first and index else "")
            for index, f in enumerate(funnel)
        ],
        "time_chart": bar_chart(
            chart_id="time",
            title=_("Median time in each status, stays ended in the last %(days)s days")
            % {"days": days},
            description=_("The median stay of each status; the table adds the 90th percentile."),
            items=[
                (t.label, t.summary.percentile(0.5) or 0, duration(t.summary.percentile(0.5)))
                for t in overview.time_in_state
            ],
        ),
        "time_rows": [
            (t, duration(t.summary.percentile(0.5)), duration(t.summary.percentile(0.9)))
            for t in overview.time_in_state
        ],
        "lab_chart": bar_chart(
            chart_id="lab",
            title=_("Lab turnaround, orders shipped in the last %(days)s days") % {"days": days},
            description=_("Sent to the lab to shipped: median %(median)s, 90th percentile %(p90)s.")
            % {"median": duration(lab.percentile(0.5)), "p90": duration(lab.percentile(0.9))},
            items=[
                (_("Median"), lab.percentile(0.5) or 0, duration(lab.percentile(0.5))),
                (_("90th percentile"), lab.percentile(0.9) or 0, duration(lab.percentile(0.9))),
                (_("Longest"), lab.maximum or 0, duration(lab.maximum)),
            ],
        ),
        "lab_rows": [
            (_("Orders shipped"), _n(lab.count)),
            (_("Median, sent to the lab to shipped"), duration(lab.percentile(0.5))),
            (_("90th percentile"), duration(lab.percentile(0.9))),
            (_("Orders at the lab now"), _n(overview.lab.at_lab)),
            (_("Oldest at the lab"), duration(overview.lab.oldest_at_lab)),
        ],
        "queue_chart": bar_chart(
            chart_id="queue",
            title=_("What waits for a clinician"),
            description=_(
                "How many wait in each queue; the table gives the oldest and median age."
            ),
            items=[(q.short_label, q.count, _n(q.count)) for q in overview.queue],
        ),
        "queue_rows": [(q, duration(q.oldest), duration(q.median)) for q in overview.queue],
        "money_chart": bar_chart(
            chart_id="money",
            title=_("Refunds and disputes, last %(days)s days") % {"days": days},
            description=_("How many of each, by status; the table gives the amounts."),
            items=[(_money_label(row), row.count, _n(row.count)) for row in overview.money],
        ),
        "money_rows": [
            (row, _money_label(row), money(row.amount, row.currency)) for row in overview.money
        ],
    }


def _money_label(row: selectors.MoneyRow) -> str:
    kind = _("Refunds") if row.kind == "refund" else _("Disputes")
    return f"{kind}: {row.label.lower()} ({row.currency.upper()})"


def _n(number: int) -> str:
    return number_format(number, force_grouping=True)
