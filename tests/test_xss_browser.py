"""Stored XSS, checked where it matters: in a real browser.

Hostile text is stored through the apps' own services and models (an article body, a clinician's
notes, a customer's name and address, an assessment answer), then the pages that show it are
opened in Chromium. The payloads would set `window.__xss` or open a dialog; neither may happen.

The browser context bypasses the Content-Security-Policy: the CSP would stop inline scripts anyway,
and these tests check the layer beneath it (escaping and sanitising), so they fail if that breaks.
The DOM is also searched for injected event-handler attributes and inline scripts.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from assessments import services as assessment_services
from assessments.tests.factories import clinician, submitted
from content.tests.factories import ArticleFactory
from orders.tests.factories import create_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOADS = [
    "<img src=x onerror=window.__xss=1>",
    "<script>window.__xss=1</script>",
    '"><svg onload=window.__xss=1>',
    '<a href="javascript:window.__xss=1" id=xsslink>click</a>',
    "<iframe srcdoc='<script>parent.__xss=1</script>'></iframe>",
    "';window.__xss=1;//",
    "<style>@import 'x'</style><b onmouseover=window.__xss=1>hover</b>",
]
PAYLOAD = " ".join(PAYLOADS)


@pytest.fixture(autouse=True)
def _no_limits(settings):
    settings.RATE_LIMITS_ENABLED = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _sign_in(page, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": page.url_base}])


@pytest.fixture
def xss_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.url_base = live_server.url
    page.dialogs = []

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    context.close()


def _assert_inert(page, path: str, must_show: str | None = None) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    # Give any injected handler the chance to run: hover and click what is there.
    for selector in ("#xsslink", "b"):
        if page.locator(selector).count():
            page.locator(selector).first.hover()
    assert page.evaluate("typeof window.__xss") == "undefined", f"script ran on {path}"
    assert page.evaluate("document.querySelectorAll('iframe[srcdoc], svg[onload]').length") == 0
    assert page.dialogs == []
    injected = page.evaluate(
        """() => [...document.querySelectorAll('*')].flatMap(el =>
            [...el.attributes].filter(a => a.name.startsWith('on')).map(a => el.tagName + ' ' + a.name)
        ).concat([...document.querySelectorAll('script:not([src])')]
            .filter(s => s.type !== 'application/ld+json' && s.type !== 'application/json')
            .map(s => 'inline script: ' + s.textContent.slice(0, 60)))"""
    )
    assert injected == [], (path, injected)
    if must_show:
        assert must_show in page.content(), f"{must_show!r} not shown on {path}"


def test_article_body_is_inert(xss_page):
    article = ArticleFactory(body=f"Intro text.\n\n{PAYLOAD}\n\nMarker paragraph.")
    _assert_inert(xss_page, f"/articles/{article.slug}/", must_show="Marker paragraph")
    assert xss_page.locator("a[href^='javascript:']").count() == 0


def test_clinician_notes_and_answers_are_inert_on_the_clinic_page(xss_page):
    reviewer = clinician()
    assessment = submitted(activity={"conditions": PAYLOAD})
    assessment_services.review_create(
        assessment=assessment, reviewer=reviewer, decision="approved", notes=PAYLOAD
    )
    _sign_in(xss_page, reviewer)
    _assert_inert(xss_page, f"/clinic/assessments/{assessment.pk}/", must_show="onerror")
    _assert_inert(xss_page, f"/assessment/result/{assessment.token}/")


def test_customer_name_and_address_are_inert_on_the_order_page_and_in_admin(xss_page):
    order = create_order()
    type(order).objects.filter(pk=order.pk).update(
        full_name=PAYLOAD[:150],
        address_line1=PAYLOADS[0],
        address_line2=PAYLOADS[1],
        city=PAYLOADS[2][:100],
    )
    _assert_inert(xss_page, order.get_absolute_url())
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "demo-pass-123")
    _sign_in(xss_page, admin)
    _assert_inert(xss_page, f"/admin/orders/order/{order.pk}/change/", must_show="onerror")
    _assert_inert(xss_page, "/admin/orders/order/")
