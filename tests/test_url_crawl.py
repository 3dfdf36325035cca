"""Bad input never answers 5xx: every URL pattern, crawled with hostile values.

The URL conf is walked (admin included); each path parameter in turn gets NUL, over-long, non-UTF-8
and NaN/infinity values (the others keep values that reach a real object: A's order token, A's
assessment... from the access matrix's world), and every pattern is asked once per hostile value
with every query parameter the views and forms read set to it. As an anonymous visitor and as a
signed-in superuser who is also a clinician (the account that reaches the most code). Run it on
PostgreSQL (CI does): psycopg refuses NUL in text, SQLite does not, so SQLite misses that 500.

The first line of defence is `fitsperfect.badinput.BadInputMiddleware` (NUL and non-UTF-8 → 400);
forms refuse NaN/infinity themselves (`test_product_form_refuses_non_finite_sizes`).
"""

from __future__ import annotations

import contextlib
import re

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from django.urls import resolve
from django.urls.exceptions import Resolver404

from assessments.tests.factories import UserFactory
from tests.test_access_matrix import MATRIX, url_patterns, world  # noqa: F401 - world: a fixture

# Raw (as sent on the wire, percent-encoded where needed).
HOSTILE = {
    "nul": "%00",
    "nul-inside": "a%00b",
    "over-long": "x" * 5000,
    "not-utf8": "%ff",
    "not-utf8-pair": "%c3%28",
    "nan": "NaN",
    "inf": "inf",
    "minus-infinity": "-Infinity",
    "huge-number": "1e999",
}
# Every query parameter a view or form of ours reads (grep request.GET, the forms bound to GET,
# the admin's changelist parameters), and the names the probe used.
QUERY_NAMES = (
    "q",
    "topic",
    "page",
    "assessment",
    "checkout",
    "preview",
    "article",
    "area",
    "change",
    "status",
    "band",
    "submitted_from",
    "submitted_to",
    "size",
    "size_system",
    "next",
    "o",
    "p",
    "e",
    "all",
    "_popup",
    "_to_field",
    "_changelist_filters",
)
# Values for parameters of routes the access matrix does not fill (the admin's).
DEFAULTS = {"object_id": "1", "app_label": "orders", "content_type_id": "1", "url": "x"}
_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def _template(route: str) -> str:
    """A route as a format string: `orders/<str:token>/` → `/orders/{token}/`."""
    text = _PARAM.sub(lambda m: "{" + (m.group(1) or m.group(2)) + "}", route)
    return "/" + text.replace("^", "").replace("$", "").replace("\\", "")


def _valid_values(route: str, values: dict) -> dict:
    row = MATRIX.get(route)
    found = dict(DEFAULTS)
    if row is not None:
        with contextlib.suppress(Resolver404):
            found.update({k: str(v) for k, v in resolve(row[1].format(**values)).kwargs.items()})
    return found


def _urls(route: str, values: dict) -> list[str]:
    template = _template(route)
    names = [m.group(1) or m.group(2) for m in _PARAM.finditer(route)]
    valid = _valid_values(route, values)
    fill = {name: valid.get(name, "1") for name in names}
    urls = []
    for bad in HOSTILE.values():
        for name in names:
            urls.append(template.format(**{**fill, name: bad}))
        query = "&".join(f"{name}={bad}" for name in QUERY_NAMES)
        urls.append(template.format(**fill) + "?" + query)
    return urls


@pytest.fixture
def signed_in(world):  # noqa: F811 - the fixture imported above
    user = UserFactory(username="root", email="root@example.com", is_staff=True)
    user.is_superuser = True
    user.save()
    user.groups.add(Group.objects.get_or_create(name="Clinicians")[0])
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _crawl(client: Client, values: dict) -> list[str]:
    failures = []
    for route, _name in url_patterns():
        for url in _urls(route, values):
            with transaction.atomic():  # a database error must not poison the next request
                response = client.get(url)
                if response.status_code >= 500:
                    failures.append(f"{response.status_code} GET {url[:160]} ({route})")
                    transaction.set_rollback(True)
    return failures


def test_every_url_with_hostile_values_anonymous(world):  # noqa: F811
    failures = _crawl(Client(raise_request_exception=False), world["values"])
    assert not failures, "\n".join(failures[:40])


def test_every_url_with_hostile_values_signed_in(world, signed_in):  # noqa: F811
    failures = _crawl(signed_in, world["values"])
    assert not failures, "\n".join(failures[:40])


def test_the_crawl_covers_every_parameter_of_every_pattern():
    """A route whose parameters the template misses would be crawled with no hostile value."""
    for route, _name in url_patterns():
        template = _template(route)
        assert "<" not in template and "(?P" not in template, route
        assert template.count("{") == len(_PARAM.findall(route)), route


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/orders/%00/",
        "/orders/a%00b/scans/",
        "/assessment/result/%00/",
        "/checkout/test-payment/%00/",
        "/articles/?q=%00",
        "/articles/?topic=%00",
        "/orthotics/?assessment=%00",
        "/articles/?q=%ff",
        "/orders/?q=%c3%28",
    ],
)
def test_nul_and_undecodable_input_is_a_400_page(url):
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 400
    assert "Something in the web address is not right" in response.content.decode()
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_undecodable_path_bytes_from_the_server_are_a_400():
    """Servers give PATH_INFO as raw bytes in a latin-1 string (PEP 3333); the test client
    re-percent-encodes bad UTF-8 itself (Django then answers 404), so the raw case is built here."""
    from django.test import RequestFactory

    from fitsperfect.badinput import bad_input

    request = RequestFactory().get("/articles/x/")
    request.META["PATH_INFO"] = b"/articles/\xff/".decode("latin-1")
    assert bad_input(request) == "path is not UTF-8"
    request.META["PATH_INFO"] = "/orders/a\x00b/"
    assert bad_input(request) == "NUL in path"


@pytest.mark.django_db
@pytest.mark.parametrize("size", ["NaN", "inf", "-Infinity", "sNaN", "1e999", "4\x002"])
def test_product_form_refuses_non_finite_sizes(size):
    from orders.catalogue.models import Product
    from orders.tests.factories import seed_catalogue

    seed_catalogue()
    product = Product.objects.filter(is_active=True).first()
    client = Client(raise_request_exception=False)
    response = client.post(
        f"/orthotics/{product.slug}/", {"size_system": "eu", "size": size, "top_cover": ""}
    )
    assert response.status_code == 200  # the form again, with its error
    assert "size" in response.context["form"].errors


@pytest.mark.django_db
@pytest.mark.parametrize("engine", ["django.contrib.sessions.backends.db", None])
def test_a_session_cookie_holding_nul_is_ignored_not_a_500(settings, engine):
    if engine:
        settings.SESSION_ENGINE = engine
    client = Client(raise_request_exception=False)
    response = client.get("/orthotics/", HTTP_COOKIE='sessionid="\\000abcdefghij"; csrftoken=x')
    assert response.status_code == 200
