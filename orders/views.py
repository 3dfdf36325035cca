"""Order pages (checkout: orders.checkout; sign-up and the account page: fitsperfect.accounts).
Thin: they call selectors, services and the payments app's `checkout` (the Stripe webhook and test
payment page live in orders.payments)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from . import selectors, services
from .checkout.views import go_to_payment
from .forms import OrderLookupForm
from .scans.selectors import order_scans_story
from .states import IllegalTransition, Status


def order_detail(request: HttpRequest, token: str) -> HttpResponse:
    order = selectors.order_by_token(token)
    if order is None:
        raise Http404
    if request.method == "POST" and request.POST.get("action") == "pay":
        try:
            order = services.order_retry_checkout(order=order)
        except IllegalTransition:
            return redirect(order.get_absolute_url())
        return go_to_payment(request, order)
    checkout_state = request.GET.get("checkout", "")
    next_step = selectors.order_next_step(order)
    response = render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "lines": order.lines.all(),
            "timeline": selectors.order_customer_timeline(order),
            "tracking_url": selectors.carrier_tracking_url(order.carrier, order.tracking_number),
            "progress": selectors.order_progress(order),
            "next_step": next_step,
            # While a scan is checked or waits for our team the page must not ask for scans.
            "scans_story": order_scans_story(order) if next_step == "upload_scans" else None,
            "can_upload_scans": selectors.order_can_upload_scans(order),
            "checkout_state": checkout_state,
            "scans_url": _scans_url(order),
            "emails": selectors.order_sent_emails(order),
            "poll_url": _success_poll_url(request, order, checkout_state),
        },
    )
    # The URL is the key to the order: keep it out of caches. Its Referrer-Policy is set for every
    # private page by fitsperfect.security.SensitivePageMiddleware.
    response["Cache-Control"] = "no-store"
    return response


# The success page refreshes while Stripe's confirmation is on its way, for at most this long.
SUCCESS_POLL_SECONDS = 60


def _success_poll_url(request: HttpRequest, order, checkout_state: str) -> str:
    """The next refresh of the success page, or "" once paid, flagged, processing or a minute has
    passed (then the page says what happens next by email). Works without JavaScript: the first
    view's time rides along in the URL."""
    import time

    if checkout_state != "success" or order.is_paid or order.payment_flag:
        return ""
    if order.status not in {Status.AWAITING_PAYMENT}:
        return ""
    now = int(time.time())
    try:
        since = int(request.GET.get("since", now))
    except ValueError:
        since = now
    if not now - SUCCESS_POLL_SECONDS <= since <= now:
        return ""
    return f"{order.get_absolute_url()}?checkout=success&since={since}"


def _scans_url(order) -> str:
    """The scan upload page (issue 7), when its URL exists."""
    from django.urls import NoReverseMatch

    try:
        return reverse("orders:scans", args=[order.access_token])
    except NoReverseMatch:
        return ""


def order_lookup(request: HttpRequest) -> HttpResponse:
    # An empty POST is a form sent empty (its errors shown), not a first visit.
    form = OrderLookupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        order = selectors.order_by_number_and_email(
            form.cleaned_data["number"], form.cleaned_data["email"]
        )
        if order is not None:
            return redirect(order.get_absolute_url())
        form.not_found()
    return render(
        request,
        "orders/order_lookup.html",
        {"form": form, "orders": selectors.orders_for_user(request.user)},
    )
