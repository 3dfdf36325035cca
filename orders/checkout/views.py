"""Checkout pages: the customer's details, the health questions an order without an assessment
must pass first, the referral when one fails, and the hand-over to payment. Thin: they call the
order app's services, the one order gate (`assessments.selectors.assessment_may_back_order`) and
the payments app's `checkout`."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from assessments.selectors import assessment_may_back_order, finished_by_token
from fitsperfect.security import private_page as _private_page
from orders import services
from orders.catalogue import selectors as catalogue_selectors
from orders.catalogue.forms import SESSION_KEY, ProductChoiceForm
from orders.payments import checkout as payments
from orders.payments.stripe_api import test_mode

from . import health_screen, selectors
from .forms import CheckoutForm, CheckoutHealthForm


def _selection(request: HttpRequest):
    """The product choice saved in the session, validated again (prices may have changed)."""
    saved = request.session.get(SESSION_KEY)
    if not saved:
        return None, None, None
    product = catalogue_selectors.product_by_slug(saved.get("product", ""))
    if product is None:
        return None, None, None
    form = ProductChoiceForm(
        {
            "size_system": saved.get("size_system"),
            "size": saved.get("size"),
            "top_cover": saved.get("top_cover"),
            "extra_pair": "on" if saved.get("extra_pair") else "",
            "impression_box": "on" if saved.get("impression_box") else "",
        },
        product=product,
    )
    if not form.is_valid():
        return None, None, None
    choice = services.LineChoice(
        product=product,
        size_system=form.cleaned_data["size_system"],
        size=form.cleaned_data["size"],
        top_cover_code=form.cleaned_data.get("top_cover") or "",
        extra_pair=bool(form.cleaned_data.get("extra_pair")),
        impression_box=bool(form.cleaned_data.get("impression_box")),
    )
    assessment = finished_by_token(saved.get("assessment", ""))
    return choice, product, assessment


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    choice, product, assessment = _selection(request)
    if choice is None:
        messages.info(request, _("Choose your orthotics first."))
        return redirect("orders:catalogue")
    if assessment is not None and not assessment_may_back_order(assessment=assessment):
        # Closed since the product was chosen (e.g. referred in person): never sell without it.
        request.session.pop(SESSION_KEY, None)
        return redirect(
            reverse("orders:product_detail", args=[product.slug])
            + f"?assessment={assessment.token}"
        )
    screen = None
    if assessment is None:
        # No assessment screened this buyer: the health questions come first, passed or no order.
        screen = health_screen.session_screen(request.session)
        if screen is None or not screen.passed:
            return redirect("orders:health_check")
    unit_price, top_cover_name, description = choice.priced()
    prefilled_from: tuple[str, ...] = ()
    if request.method == "POST":
        form = CheckoutForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            order = services.order_create(
                lines=[choice],
                email=data["email"],
                full_name=data["full_name"],
                phone=data["phone"],
                address_line1=data["address_line1"],
                address_line2=data["address_line2"],
                city=data["city"],
                region=data["region"],
                postcode=data["postcode"],
                country=data["country"],
                user=request.user,
                assessment=assessment,
                health_screen=screen,
                checkout_key=data["checkout_key"],
            )
            return go_to_payment(request, order, form=form)
    else:
        prefill = selectors.checkout_prefill(user=request.user, assessment=assessment)
        prefilled_from = prefill.sources
        form = CheckoutForm(initial=prefill.initial)
    return render(
        request,
        "checkout/checkout.html",
        {
            "form": form,
            "product": product,
            "choice": choice,
            "unit_price": unit_price,
            "top_cover_name": top_cover_name,
            "description": description,
            "assessment": assessment,
            "currency": product.currency,
            "prefilled_from": prefilled_from,
            "test_payment_mode": test_mode(),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def health_check(request: HttpRequest) -> HttpResponse:
    """Checkout without an assessment: the red-flag questions and "18 or over?" on one page."""
    choice, product, assessment = _selection(request)
    if choice is None:
        messages.info(request, _("Choose your orthotics first."))
        return redirect("orders:catalogue")
    if assessment is not None:
        return redirect("orders:checkout")  # the assessment asked these questions already
    if request.method == "POST":
        form = CheckoutHealthForm(request.POST)
        if form.is_valid():
            screen = health_screen.screen_from_form(form.cleaned_data)
            health_screen.session_screen_set(request.session, screen)
            if not screen.passed:
                request.session.pop(SESSION_KEY, None)  # nothing left to pay for
                return redirect("orders:health_referral")
            return redirect("orders:checkout")
    else:
        saved = health_screen.session_screen(request.session)
        form = CheckoutHealthForm(initial=health_screen.form_initial(saved))
    return _private_page(
        render(request, "checkout/health_check.html", {"form": form, "product": product})
    )


@never_cache
def health_referral(request: HttpRequest) -> HttpResponse:
    """A red flag or under 18 at checkout: the assessment's referral advice, no order, no payment."""
    screen = health_screen.session_screen(request.session)
    if screen is None or screen.passed:
        return redirect("orders:health_check")
    return _private_page(
        render(
            request,
            "checkout/health_referral.html",
            {"urgent": screen.urgent, "red_flags": screen.referral_flags, "v2": True},
        )
    )


def go_to_payment(request: HttpRequest, order, form=None) -> HttpResponse:
    order_url = request.build_absolute_uri(order.get_absolute_url())
    try:
        url = payments.start_checkout(
            order=order,
            success_url=order_url + "?checkout=success",
            cancel_url=order_url + "?checkout=cancelled",
            test_page_url=reverse("payments:test_payment", args=[order.access_token]),
        )
    except payments.PaymentsUnavailable:
        messages.error(
            request,
            _(
                "We could not reach our payment provider. Your order %(number)s is saved: "
                "try paying again in a minute."
            )
            % {"number": order.number},
        )
        return redirect(order.get_absolute_url())
    request.session.pop(SESSION_KEY, None)
    health_screen.session_screen_clear(request.session)  # kept on the order now
    return redirect(url, permanent=False)
