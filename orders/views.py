"""Catalogue, checkout, order pages and customer accounts. Thin: they call selectors, services and
the payments app's `checkout` (the Stripe webhook and test payment page live in orders.payments)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from fitsperfect.security import private_page as _private_page

from . import health_screen, selectors, services
from .catalogue import selectors as catalogue_selectors
from .catalogue.forms import SESSION_KEY, ProductChoiceForm
from .forms import CheckoutForm, CheckoutHealthForm, OrderLookupForm, SignupForm
from .payments import checkout as payments
from .states import IllegalTransition, Status


def _assessment_from_token(token: str):
    """The finished assessment behind a result link, or None (drafts and unknown tokens)."""
    from assessments.selectors import finished_by_token

    return finished_by_token(token)


def _may_back_order(assessment) -> bool:
    from assessments.selectors import assessment_may_back_order

    return assessment_may_back_order(assessment=assessment)


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
    )
    assessment = _assessment_from_token(saved.get("assessment", ""))
    return choice, product, assessment


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    choice, product, assessment = _selection(request)
    if choice is None:
        messages.info(request, _("Choose your orthotics first."))
        return redirect("orders:catalogue")
    if assessment is not None and not _may_back_order(assessment):
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
            return _go_to_payment(request, order, form=form)
    else:
        initial = {}
        if request.user.is_authenticated:
            initial = {
                "email": request.user.email,
                "full_name": request.user.get_full_name(),
            }
        form = CheckoutForm(initial=initial)
    return render(
        request,
        "orders/checkout.html",
        {
            "form": form,
            "product": product,
            "choice": choice,
            "unit_price": unit_price,
            "top_cover_name": top_cover_name,
            "description": description,
            "assessment": assessment,
            "currency": product.currency,
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
        render(request, "orders/health_check.html", {"form": form, "product": product})
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
            "orders/health_referral.html",
            {"urgent": screen.urgent, "red_flags": screen.referral_flags, "v2": True},
        )
    )


def _go_to_payment(request: HttpRequest, order, form=None) -> HttpResponse:
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


def order_detail(request: HttpRequest, token: str) -> HttpResponse:
    order = selectors.order_by_token(token)
    if order is None:
        raise Http404
    if request.method == "POST" and request.POST.get("action") == "pay":
        try:
            order = services.order_retry_checkout(order=order)
        except IllegalTransition:
            return redirect(order.get_absolute_url())
        return _go_to_payment(request, order)
    checkout_state = request.GET.get("checkout", "")
    response = render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "lines": order.lines.all(),
            "timeline": order.status_changes.all(),
            "progress": selectors.order_progress(order),
            "next_step": selectors.order_next_step(order),
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
    form = OrderLookupForm(request.POST or None)
    not_found = False
    if request.method == "POST" and form.is_valid():
        order = selectors.order_by_number_and_email(
            form.cleaned_data["number"], form.cleaned_data["email"]
        )
        if order is not None:
            return redirect(order.get_absolute_url())
        not_found = True
    return render(
        request,
        "orders/order_lookup.html",
        {
            "form": form,
            "not_found": not_found,
            "orders": selectors.orders_for_user(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("orders:account")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Your account is ready."))
        return redirect("orders:account")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "orders/account.html",
        {
            "orders": selectors.orders_for_user(request.user),
            "assessments": request.user.assessments.order_by("-created_at"),
        },
    )
