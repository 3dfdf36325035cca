"""The Stripe webhook and the test payment page. Thin: they call `webhook` and `testmode`."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from orders import selectors
from orders.states import Status

from . import testmode
from .stripe_api import test_mode
from .webhook import receive_delivery


@require_http_methods(["GET", "POST"])
def test_payment(request: HttpRequest, token: str) -> HttpResponse:
    """The stand-in for Stripe's hosted page when there are no keys. Never in production."""
    if not test_mode():
        raise Http404
    order = selectors.order_by_token(token)
    if order is None:
        raise Http404
    if request.method == "POST" and order.status == Status.AWAITING_PAYMENT:
        action = request.POST.get("action")
        if action == "pay":
            testmode.deliver_test_event(
                "checkout.session.completed", testmode.test_session_object(order)
            )
            return redirect(order.get_absolute_url() + "?checkout=success")
        if action == "fail":
            testmode.deliver_test_event(
                "checkout.session.async_payment_failed",
                testmode.test_session_object(order, payment_status="unpaid"),
            )
        return redirect(order.get_absolute_url() + "?checkout=cancelled")
    if request.method == "POST":
        return redirect(order.get_absolute_url())
    return render(request, "payments/test_payment.html", {"order": order})


def receipt(request: HttpRequest, token: str) -> HttpResponse:
    """The printable VAT receipt of a paid order, for the holder of the order's link."""
    order = selectors.order_by_token(token)
    if order is None or not order.is_paid:
        raise Http404
    response = render(request, "payments/receipt.html", {"order": order})
    response["Cache-Control"] = "no-store"  # Referrer-Policy: SensitivePageMiddleware
    return response


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    result = receive_delivery(body=request.body, headers=dict(request.headers))
    return HttpResponse(result.message, status=result.status_code, content_type="text/plain")
