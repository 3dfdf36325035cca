"""The order lookup through the "fp" pack (issue 20): sent empty it explains itself (it used to
show nothing), messages name their field, "not found" links to the number, and what was typed
stays."""

from __future__ import annotations

import re

import pytest

from .factories import create_order

pytestmark = pytest.mark.django_db


def _summary_links(html: str) -> list[tuple[str, str]]:
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary, "no error summary"
    return re.findall(r'<li><a href="([^"]+)">(.*?)</a></li>', summary.group(0))


def test_sent_empty_it_asks_for_both_fields(client):
    html = client.post("/orders/", {}).content.decode()
    assert re.search(r"<title>\s*Error: My order", html)
    assert _summary_links(html) == [
        ("#id_number", "Enter your order number"),
        ("#id_email", "Enter the email address you used for the order"),
    ]


def test_wrong_values_are_explained_and_kept(client):
    html = client.post("/orders/", {"number": "FP-" + "A" * 20, "email": "ann@"}).content.decode()
    assert _summary_links(html) == [
        ("#id_number", "Enter the order number as it is in your email, like FP-7KQ2M9XR"),
        ("#id_email", "Enter an email address in the right format, like name@example.com"),
    ]
    assert 'value="FP-AAAAAAAAAAAAAAAAAAAA"' in html and 'value="ann@"' in html
    assert "Ensure this value" not in html


def test_no_such_order_is_said_once_and_linked_to_the_number(client, catalogue):
    order = create_order()
    response = client.post("/orders/", {"number": order.number, "email": "eve@example.com"})
    html = response.content.decode()
    message = "We could not find an order with that number and email address. Check both"
    assert response.status_code == 200 and html.count(message) == 2  # summary and field
    assert [href for href, _ in _summary_links(html)] == ["#id_number"]
    assert f'value="{order.number}"' in html and 'value="eve@example.com"' in html


def test_the_first_visit_shows_no_errors(client):
    html = client.get("/orders/").content.decode()
    assert "error-summary" not in html and "Error:" not in html
    assert 'autocomplete="email"' in html and 'autocapitalize="characters"' in html
