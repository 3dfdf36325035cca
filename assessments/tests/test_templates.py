"""Our pages keep to the CSP: no inline script, inline style or inline event handlers."""

import re
from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).parent.parent / "templates").rglob("*.html"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_no_inline_code_or_style(path):
    text = path.read_text()
    assert not re.search(r"\sstyle\s*=", text)
    assert not re.search(r"\son[a-z]+\s*=", text)
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or 'type="application/ld+json"' in tag, tag


def test_there_are_templates_to_check():
    assert len(TEMPLATES) >= 15


@pytest.mark.django_db
def test_pages_render_without_inline_code(client):
    from django.urls import reverse

    response = client.get(reverse("assessments:step", kwargs={"slug": "about-you"}))
    html = response.content.decode()
    assert "<script src=" in html and "assessments.js" in html
    assert not re.search(r"<script>(?!\s*</script>)", html)
    assert response.headers["Content-Security-Policy"]
