"""Article Markdown becomes safe HTML: hostile input renders inert."""

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content.rendering import render_markdown, sanitise

HOSTILE = [
    ("<script>alert(1)</script>Hello", "<script", "alert(1)"),
    ("[click](javascript:alert(1))", "javascript:", None),
    ("[click](JaVaScRiPt:alert(1))", "javascript", None),
    ("[click](data:text/html;base64,PHNjcmlwdD4=)", "data:", None),
    ('<a href="/x" onclick="steal()">x</a>', "onclick", "steal"),
    ('<img src="/a.png" onerror="steal()">', "onerror", "steal"),
    ("<iframe src='https://evil.example'></iframe>", "<iframe", "evil"),
    ("<style>body{display:none}</style>", "<style", "display:none"),
    ('<p style="position:fixed">x</p>', "style=", "position"),
    ("<svg><script>alert(1)</script></svg>", "<svg", "alert"),
    ("![x](javascript:alert(1))", "javascript:", None),
    ('<form action="https://evil.example"><input name=p></form>', "<form", "evil"),
    ("<object data='x.swf'></object>", "<object", None),
    ('<a href="vbscript:msgbox(1)">x</a>', "vbscript", None),
    ("<h2 id='main'>Clash</h2>", 'id="main"', None),
]


@pytest.mark.parametrize(("markdown", "forbidden", "also_forbidden"), HOSTILE)
def test_hostile_markdown_renders_inert(markdown, forbidden, also_forbidden):
    html = render_markdown(markdown).html.lower()
    assert forbidden.lower() not in html
    if also_forbidden:
        assert also_forbidden.lower() not in html


def test_stored_html_is_cleaned_again_when_shown():
    assert sanitise('<p onmouseover="x()">Hi<script>x()</script></p>') == "<p>Hi</p>"


def test_the_allowed_formatting_survives():
    html = render_markdown(
        "# Title in body\n\nSome *emphasis* and **strong** text with a [link](https://example.com/a)"
        " and a [page](/articles/).\n\n## Part\n\n- one\n- two\n\n1. first\n2. second\n\n"
        "> a quote\n\n![A foot](/media/articles/foot.webp)\n\n### Detail\n"
    ).html
    for fragment in (
        "<em>emphasis</em>",
        "<strong>strong</strong>",
        '<a href="https://example.com/a" rel="noopener">link</a>',
        '<a href="/articles/" rel="noopener">page</a>',
        "<ul>",
        "<ol>",
        "<blockquote>",
        'alt="A foot"',
        'src="/media/articles/foot.webp"',
        'loading="lazy"',
        '<h3 id="section-detail">',
    ):
        assert fragment in html
    # The page title is the only h1: a body "#" heading becomes an h2.
    assert "<h1" not in html
    assert '<h2 id="section-title-in-body">Title in body</h2>' in html


def test_images_from_other_sites_lose_their_source():
    html = render_markdown("![tracker](https://tracker.example/pixel.gif)").html
    assert "tracker.example" not in html


def test_table_of_contents_and_reading_time():
    body = "\n\n".join(
        ["## First part", "word " * 400, "## Second part", "### Detail", "word " * 400]
    )
    rendered = render_markdown(body)
    assert [entry["title"] for entry in rendered.toc] == ["First part", "Second part", "Detail"]
    assert [entry["level"] for entry in rendered.toc] == [2, 2, 3]
    assert rendered.toc[0]["id"] == "section-first-part"
    assert rendered.reading_minutes == 4  # 800-odd words at 220 a minute, rounded up
    assert render_markdown("Short.").reading_minutes == 1


FRAGMENTS = [
    "<script>x()</script>", "<img src=x onerror=x()>", '<a href="javascript:x()">a</a>',
    "[a](javascript:x())", "[a](data:text/html,x)", '<div onclick="x()">d</div>', "<iframe>",
    "<svg onload=x()>", '<a href="  javascript:x()">b</a>', "<scr<script>ipt>", "`<script>`",
    "**bold**", "# Heading", "- item", "> quote", "\n\n", "plain words ", "<", ">", '"', "'",
]  # fmt: skip


class _Tags(HTMLParser):
    """The real elements and attributes of the output (escaped text does not count)."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=12), max_size=12))
def test_no_combination_of_hostile_fragments_survives(parts):
    parser = _Tags()
    parser.feed(render_markdown("".join(parts)).html)
    for tag, attrs in parser.tags:
        assert tag not in {"script", "iframe", "svg", "style", "object", "embed"}
        assert not any(name.startswith("on") for name in attrs)
        for name in ("href", "src"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)


def test_body_images_from_public_media_get_their_size_so_nothing_shifts(settings):
    """Measured from the stored file on save; other images are left alone."""
    import io
    import re

    from django.core.files.base import ContentFile
    from PIL import Image

    from content.rendering import render_markdown
    from content.storage import public_storage

    out = io.BytesIO()
    Image.new("RGB", (640, 360), (10, 20, 30)).save(out, "PNG")
    name = public_storage.save("articles/body/arch.png", ContentFile(out.getvalue()))
    html = render_markdown(
        f"![An arch](/media/{name})\n\n![Gone](/media/articles/body/missing.png)\n\n"
        f'<img src="/media/{name}" alt="Sized" width="100" height="50">'
    ).html
    assert f'src="/media/{name}"' in html
    assert 'alt="An arch"' in html and 'width="640" height="360"' in html
    missing = re.search(r"<img[^>]*missing\.png[^>]*>", html).group(0)
    assert "width=" not in missing  # cannot be measured: left as it was
    assert 'width="100" height="50"' in html and html.count('width="640"') == 1
