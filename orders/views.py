"""Catalogue and order pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def catalogue(request: HttpRequest) -> HttpResponse:
    return render(request, "orders/catalogue.html", {"products": []})


def order_lookup(request: HttpRequest) -> HttpResponse:
    return render(request, "orders/order_lookup.html")
