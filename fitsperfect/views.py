"""Project-wide pages: home, the static pages in the footer, health check and error pages."""

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import beat_state, broker_state, database_state


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "fitsperfect/home.html")


@require_GET
def static_page(request: HttpRequest, *, template: str) -> HttpResponse:
    return render(request, f"fitsperfect/{template}.html")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says; point them at the hashed SVG."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database = database_state()
    broker = broker_state()
    healthy = database["ok"] and broker["ok"]
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "database": database, "broker": broker},
        status=200 if healthy else 503,
    )


@never_cache
@require_GET
def healthz_beat(request: HttpRequest) -> JsonResponse:
    """For monitoring, not the load balancer: 503 when beat's sweep has not run for 5 minutes."""
    beat = beat_state()
    return JsonResponse(
        {"status": "ok" if beat["ok"] else "unavailable", "beat": beat},
        status=200 if beat["ok"] else 503,
    )


_BARE_PAGE = (
    b"<!doctype html><html lang=en><head><meta charset=utf-8><title>Bare</title></head>"
    b"<body><main><h1>Bare view</h1><p>A constant page for the benchmark's baseline.</p></main>"
    b"</body></html>"
)


def benchmark_bare(request: HttpRequest) -> HttpResponse:
    """The benchmark's baseline: a constant page through the same server and middleware.

    Off (404) unless `BENCHMARK_BARE_VIEW=true`, so it never exists on a real deployment.
    """
    if not settings.BENCHMARK_BARE_VIEW:
        raise Http404
    return HttpResponse(_BARE_PAGE, content_type="text/html; charset=utf-8")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
