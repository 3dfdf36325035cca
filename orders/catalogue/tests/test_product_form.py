"""The product page's options through the "fp" pack (issue 20): messages that name their field
(and "an EU size", not "a EU size"), linked error summary, choices kept on an error, and each
option's price on its radio for the live total."""

from __future__ import annotations

import re

import pytest

from orders.catalogue.forms import ProductChoiceForm
from orders.catalogue.models import Product, ProductOption

pytestmark = pytest.mark.django_db

PRODUCT = "/orthotics/everyday/"


def _summary_links(html: str) -> list[tuple[str, str]]:
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary, "no error summary"
    return re.findall(r'<li><a href="([^"]+)">(.*?)</a></li>', summary.group(0))


def _tag(html: str, name: str, value: str | None = None) -> str:
    value_attr = rf'[^>]*value="{value}"' if value is not None else ""
    return re.search(rf'<input[^>]*name="{name}"{value_attr}[^>]*>', html).group(0)


def test_options_sent_empty_name_each_field_and_link_to_it(client, catalogue):
    response = client.post(PRODUCT, {})
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<title>\s*Error: Everyday", html)
    assert "This field is required." not in html
    assert _summary_links(html) == [
        ("#id_size_system_0", "Select the size system of your shoe size: EU, UK or US"),
        ("#id_size", "Enter your shoe size"),
        ("#id_top_cover_0", "Select a top cover"),
    ]
    for href, _message in _summary_links(html):
        assert f'id="{href[1:]}"' in html


@pytest.mark.parametrize(
    ("system", "size", "message"),
    [
        ("eu", "99", "Enter an EU size from 34 to 50, in whole or half sizes"),
        ("uk", "0", "Enter a UK size from 1 to 14, in whole or half sizes"),
        ("us", "8.25", "Enter a US size from 3 to 16, in whole or half sizes"),
        ("eu", "nan", "Enter your shoe size as a number, like 42 or 8.5"),
        ("eu", "forty-two", "Enter your shoe size as a number, like 42 or 8.5"),
    ],
)
def test_a_wrong_size_says_which_sizes_fit(client, catalogue, system, size, message):
    html = client.post(
        PRODUCT, {"size_system": system, "size": size, "top_cover": "leather"}
    ).content.decode()
    assert _summary_links(html) == [("#id_size", message)]
    assert "a EU size" not in html


def test_a_made_up_choice_is_explained_not_echoed(client, catalogue):
    html = client.post(
        PRODUCT, {"size_system": "mm", "size": "42", "top_cover": "velvet"}
    ).content.decode()
    assert [href for href, _ in _summary_links(html)] == ["#id_size_system_0", "#id_top_cover_0"]
    assert "Select a valid choice" not in html and "velvet" not in html


def test_every_choice_is_kept_after_an_error(client, catalogue):
    sent = {"size_system": "uk", "size": "99", "top_cover": "microfibre", "extra_pair": "on"}
    html = client.post(PRODUCT, sent).content.decode()
    assert "Enter a UK size" in html
    assert " checked" in _tag(html, "size_system", "uk")
    assert " checked" not in _tag(html, "size_system", "eu")
    assert 'value="99"' in _tag(html, "size")
    assert " checked" in _tag(html, "top_cover", "microfibre")
    assert " checked" not in _tag(html, "top_cover", "leather")
    assert " checked" in _tag(html, "extra_pair")


def test_each_option_carries_its_price_in_words_and_for_the_running_total(client, catalogue):
    html = client.get(PRODUCT).content.decode()
    assert 'data-price-delta="1500"' in _tag(html, "top_cover", "leather")
    assert 'data-price-delta="0"' in _tag(html, "top_cover", "ev-foam")
    assert 'data-price-delta="7900"' in _tag(html, "extra_pair")
    assert 'Leather <span class="muted">(+£15.00)</span></label>' in html
    assert 'Add an extra pair <span class="muted">(+£79.00)</span></label>' in html
    assert ">EVA foam</label>" in html  # no price change: nothing added
    # The defaults are chosen: EU and the product's default cover.
    assert " checked" in _tag(html, "size_system", "eu")
    assert " checked" in _tag(html, "top_cover", "ev-foam")
    assert 'inputmode="decimal"' in _tag(html, "size")


def test_a_name_with_markup_is_shown_as_text(catalogue):
    product = Product.objects.get(slug="everyday")
    ProductOption.objects.filter(product=product, code="leather").update(name="<b>Leather</b>")
    form = ProductChoiceForm(product=Product.objects.get(slug="everyday"))
    labels = dict(form.fields["top_cover"].choices)
    assert labels["leather"].startswith("&lt;b&gt;Leather&lt;/b&gt; <span")


def test_a_product_without_options_asks_only_for_the_size(catalogue):
    product = Product.objects.get(slug="everyday")
    product.options.all().delete()
    form = ProductChoiceForm(
        {"size_system": "eu", "size": "42.5"}, product=Product.objects.get(slug="everyday")
    )
    assert "top_cover" not in form.fields and "extra_pair" not in form.fields
    assert form.is_valid(), form.errors
    assert form.cleaned_data["size"] == "42.5"
