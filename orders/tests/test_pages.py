"""The customer's order page (by token only) and order lookup (accounts: fitsperfect.accounts)."""

import re

import pytest
from django.core import mail
from django.test import Client

from orders import fulfilment, services

from .factories import clinician_user, create_order

pytestmark = pytest.mark.django_db


def test_the_order_page_is_reached_by_its_token_only(client, catalogue):
    order = create_order()
    other = create_order(email="bob@example.com")
    response = client.get(f"/orders/{order.access_token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert order.number in html and "Awaiting payment" in html
    assert other.number not in html
    assert response["Cache-Control"] == "no-store"
    # The page carries the "Pay" form: same-origin, since no-referrer makes browsers send
    # Origin: null and the CSRF check would refuse the payment; neither leaks the URL elsewhere.
    assert response["Referrer-Policy"] == "same-origin"
    assert client.get(f"/orders/{order.access_token[:-1]}x/").status_code == 404
    assert client.get(f"/orders/{order.number}/").status_code == 404


def test_the_order_page_shows_the_timeline_next_step_and_tracking(catalogue):

    order = create_order()
    services.order_mark_paid(order=order, event=None, amount=order.total, currency="gbp")
    html = Client().get(order.get_absolute_url()).content.decode()
    assert "Upload your foot scans" in html or "how to scan your feet" in html
    assert html.count("<li><time") == 3  # timeline: placed, paid, awaiting scans
    fulfilment.order_mark_scans_received(order=order)
    fulfilment.order_record_clinical_approval(order=order, actor=clinician_user())
    fulfilment.order_mark_sent_to_lab(order=order)
    fulfilment.order_mark_shipped(order=order, carrier="DPD", tracking_number="DPD-0042")
    html = Client().get(order.get_absolute_url()).content.decode()
    assert "DPD-0042" in html and "on their way" in html
    assert 'aria-current="step"' in html


def test_lookup_by_number_and_email(client, catalogue):
    order = create_order()
    response = client.post("/orders/", {"number": order.number.lower(), "email": "ANN@example.com"})
    assert response["Location"] == order.get_absolute_url()
    response = client.post("/orders/", {"number": order.number, "email": "eve@example.com"})
    assert response.status_code == 200 and b"could not find an order" in response.content
    response = client.post("/orders/", {"number": "", "email": "nope"})
    assert b'href="#id_number"' in response.content


def test_pages_run_a_small_fixed_number_of_queries(
    client, catalogue, django_assert_max_num_queries
):
    order = create_order()
    services.order_mark_paid(order=order, event=None, amount=order.total, currency="gbp")
    for url in ("/orthotics/", "/orthotics/sport/", order.get_absolute_url()):
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200


def test_the_order_page_lists_the_emails_sent_for_this_order_only(
    client, catalogue, django_capture_on_commit_callbacks, django_assert_num_queries
):
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders.models import OrderEmail

    order = create_order()
    other = create_order(email="bob@example.com")
    html = client.get(order.get_absolute_url()).content.decode()
    assert "Emails we have sent you" in html and 'aria-labelledby="emails-title"' in html
    assert "None yet" in html

    with django_capture_on_commit_callbacks(execute=True):  # the real send, through the task
        services.order_mark_paid(order=order, event=None, amount=order.total, currency="gbp")
    sent = list(OrderEmail.objects.filter(order=order).order_by("id"))
    assert [e.status for e in sent] == [OrderEmail.Status.SENT] * len(sent) and sent
    assert {m.subject for m in mail.outbox} >= {f"Your order {order.number} is confirmed"}
    OrderEmail.objects.filter(pk=sent[0].pk).update(
        sent_at=dt.datetime(2026, 3, 1, 9, 5, tzinfo=dt.UTC)
    )
    OrderEmail.objects.create(order=order, kind=OrderEmail.Kind.SHIPPED)  # queued: not sent yet
    OrderEmail.objects.create(
        order=other,
        kind=OrderEmail.Kind.CANCELLED,
        status=OrderEmail.Status.SENT,
        sent_at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC),
    )

    with CaptureQueriesContext(connection) as few:
        html = client.get(order.get_absolute_url()).content.decode()
    section = html[html.index('id="emails-title"') : html.index('id="items-title"')]
    assert f"Your order {order.number} is confirmed" in section
    assert "(Order confirmation and receipt)" in section
    assert '<time datetime="2026-03-01T09:05:00+00:00">1 Mar 2026, 09:05 UTC</time>' in section
    assert section.count('class="sent-email-subject"') == len(sent)
    assert "has shipped" not in section  # queued, not sent
    assert other.number not in section and "cancelled" not in section.lower()
    assert "None yet" not in section

    # More emails, same number of queries.
    for kind in (OrderEmail.Kind.SENT_TO_LAB, OrderEmail.Kind.REFUNDED):
        OrderEmail.objects.create(
            order=order, kind=kind, status=OrderEmail.Status.SENT, sent_at=dt.datetime.now(dt.UTC)
        )
    with django_assert_num_queries(len(few.captured_queries)):
        html = client.get(order.get_absolute_url()).content.decode()
    assert html.count('class="sent-email-subject"') == len(sent) + 2


# --- Product pages kept rendered in each process (issue 8) -----------------------------------------

PRODUCT_URL = "/orthotics/everyday/"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_a_product_or_option_change_shows_on_the_product_page_at_once(
    client, catalogue, django_capture_on_commit_callbacks, django_assert_num_queries
):
    from orders.catalogue.models import Product, ProductOption

    client.get(PRODUCT_URL)
    with django_assert_num_queries(0):  # kept rendered: no query until the catalogue changes
        html = client.get(PRODUCT_URL).content.decode()
    assert "£149.00" in html

    product = Product.objects.get(slug="everyday")
    with django_capture_on_commit_callbacks(execute=True):
        product.base_price = 15500
        product.save()
    html = client.get(PRODUCT_URL).content.decode()
    assert "£155.00" in html and "£149.00" not in html

    option = ProductOption.objects.get(product=product, code="leather")
    with django_capture_on_commit_callbacks(execute=True):
        option.name = "Vegan leather"
        option.price_delta = 2500
        option.save()
    html = client.get(PRODUCT_URL).content.decode()
    assert "Vegan leather" in html and 'data-price-delta="2500"' in html and "+£25.00" in html

    with django_capture_on_commit_callbacks(execute=True):
        option.delete()
    assert "Vegan leather" not in client.get(PRODUCT_URL).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        product.is_active = False
        product.save()
    assert client.get(PRODUCT_URL).status_code == 404


def test_a_kept_product_page_gives_each_visitor_a_working_csrf_token_of_their_own(catalogue):

    tokens = []
    for _visitor in range(2):
        browser = Client(enforce_csrf_checks=True)
        response = browser.get(PRODUCT_URL)
        html = response.content.decode()
        assert "csrftoken" in response.cookies
        assert "csrfhole" not in html
        token = TOKEN.search(html).group(1)
        tokens.append(token)
        chosen = browser.post(
            PRODUCT_URL,
            {
                "size_system": "eu",
                "size": "42",
                "top_cover": "leather",
                "csrfmiddlewaretoken": token,
            },
        )
        assert chosen.status_code == 302 and chosen["Location"] == "/checkout/"
    assert tokens[0] != tokens[1]

    stranger = Client(enforce_csrf_checks=True)  # someone else's token, without its cookie
    refused = stranger.post(
        PRODUCT_URL, {"size_system": "eu", "size": "42", "csrfmiddlewaretoken": tokens[0]}
    )
    assert refused.status_code == 403


def test_form_errors_and_a_saved_choice_are_never_served_from_the_kept_page(client, catalogue):
    client.get(PRODUCT_URL)
    client.get(PRODUCT_URL)  # kept
    response = client.post(PRODUCT_URL, {"size_system": "eu", "size": "99", "top_cover": "leather"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and 'value="99"' in html and TOKEN.search(html)

    html = client.get(PRODUCT_URL).content.decode()  # still anonymous: the kept, blank page
    assert "There is a problem" not in html and 'value="99"' not in html

    chosen = client.post(PRODUCT_URL, {"size_system": "uk", "size": "8.5", "top_cover": "leather"})
    assert chosen.status_code == 302
    html = client.get(PRODUCT_URL).content.decode()  # a session: rendered with the choice
    assert 'value="8.5"' in html
    assert re.search(r'value="uk" id="[^"]+"[^>]* checked', html)
