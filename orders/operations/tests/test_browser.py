"""The operations page in Chromium at 1280px, with and without JavaScript: it fits, and axe-core
finds nothing wrong with it."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.browser_checks import axe_violations, format_violations, load_axe_source

from .factories import build_article_views, build_assessments, build_orders
from .test_page import URL, staff_member


def _signed_in(browser, live_server, *, javascript: bool):
    client = Client()
    client.force_login(staff_member())
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=javascript,
        viewport={"width": 1280, "height": 800},
    )
    context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url, "httpOnly": True}]
    )
    return context


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False])
def test_the_page_fits_1280px_and_is_accessible(browser, live_server, transactional_db, javascript):
    build_orders(2_000)
    build_assessments(300)
    build_article_views()
    context = _signed_in(browser, live_server, javascript=javascript)
    page = context.new_page()
    page.goto(URL)
    assert page.locator("h1").inner_text() == "The business at a glance"
    assert page.locator("svg.ops-chart[role=img]").count() == 6
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280
    # Each chart sits beside its table at 1280px (same row, chart first).
    for figure in page.locator(".ops-figure").all():
        chart = figure.locator("svg").bounding_box()
        table = figure.locator("table").bounding_box()
        assert table["x"] > chart["x"] + chart["width"] - 1
        assert table["x"] + table["width"] <= 1280
    if javascript:
        violations = [
            v
            for v in axe_violations(page, load_axe_source())
            if any(".ops-page" in node or "ops-" in node for node in v["nodes"])
        ]
        assert violations == [], format_violations(violations)
    context.close()
