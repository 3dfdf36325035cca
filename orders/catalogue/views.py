"""The catalogue and product pages. Thin: they call the catalogue selectors; the product page keeps
the customer's choice in the session for the checkout (`forms.SESSION_KEY`)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from assessments.selectors import assessment_may_back_order, finished_by_token
from fitsperfect import pagecache

from . import selectors
from .forms import SESSION_KEY, ProductChoiceForm


def catalogue(request: HttpRequest) -> HttpResponse:
    assessment = finished_by_token(request.GET.get("assessment", ""))
    return render(
        request,
        "catalogue/catalogue.html",
        {"products": selectors.products_on_sale(), "assessment": assessment},
    )


def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method == "GET" and not request.GET and not request.session.get(SESSION_KEY):
        # The same for every anonymous visitor (bar the CSRF token): rendered once per process
        # and catalogue version. The version is read before the products, never after.
        return pagecache.form_page(
            request,
            f"orders:product:{slug}",
            lambda csrf_token: _product_page(request, slug, csrf_token=csrf_token),
            version=selectors.catalogue_version(),
        )
    return _product_page(request, slug)


def _product_page(request: HttpRequest, slug: str, *, csrf_token: str | None = None):
    product = selectors.product_by_slug(slug)
    if product is None:
        raise Http404
    token = request.POST.get("assessment") or request.GET.get("assessment", "")
    assessment = finished_by_token(token)
    referred = assessment is not None and not assessment_may_back_order(assessment=assessment)
    if request.method == "POST":
        form = ProductChoiceForm(request.POST, product=product)
        if form.is_valid() and not referred:
            data = form.cleaned_data
            request.session[SESSION_KEY] = {
                "product": product.slug,
                "size_system": data["size_system"],
                "size": data["size"],
                "top_cover": data.get("top_cover") or "",
                "extra_pair": bool(data.get("extra_pair")),
                "impression_box": bool(data.get("impression_box")),
                "assessment": assessment.token if assessment else "",
            }
            return redirect("orders:checkout")
    else:
        initial = {"assessment": assessment.token if assessment and not referred else ""}
        saved = request.session.get(SESSION_KEY) or {}
        if saved.get("product") == product.slug:
            initial.update(
                {
                    k: saved[k]
                    for k in ("size_system", "size", "top_cover", "extra_pair", "impression_box")
                    if k in saved
                }
            )
        form = ProductChoiceForm(initial=initial, product=product)
    context = {
        "product": product,
        "form": form,
        "assessment": assessment,
        "referred": referred,
        "suggested": assessment is not None and assessment.suggested_product_slug == product.slug,
    }
    if csrf_token is not None:
        context["csrf_token"] = csrf_token
    return render(request, "catalogue/product_detail.html", context)
