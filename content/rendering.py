"""Markdown to safe HTML: the only way article bodies become HTML.

Markdown may contain raw HTML, so everything it produces goes through an nh3 allow-list. Stored HTML is
cleaned again when shown (`sanitise`), so a row edited behind our back still renders inert.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from html import unescape

import markdown
import nh3
from django.utils.text import slugify

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "figcaption", "figure", "h2", "h3", "h4",
    "hr", "i", "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
WORDS_PER_MINUTE = 220
HEADING_ID_PREFIX = "section-"


@dataclass
class Rendered:
    html: str
    toc: list[dict] = field(default_factory=list)  # [{"id", "title", "level"}], levels 2 and 3
    word_count: int = 0

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))


def _slugify_heading(value: str, separator: str) -> str:
    # A prefix keeps heading anchors from colliding with the page's own ids (#main, #toc...).
    return HEADING_ID_PREFIX + (slugify(value) or "part")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Images may only come from this site: CSP blocks others and remote images track readers."""
    if tag == "img" and attribute == "src":
        return value if value.startswith("/") and not value.startswith("//") else None
    if attribute == "id" and not value.startswith(HEADING_ID_PREFIX):
        return None
    return value


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "svg"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
        set_tag_attribute_values={"img": {"loading": "lazy", "decoding": "async"}},
        strip_comments=True,
    )


_H1 = re.compile(r"<(/?)h1([\s>])")
_IMG = re.compile(r"<img\b([^>]*)>")
_SRC = re.compile(r'\bsrc="([^"]+)"')
PUBLIC_MEDIA_URL = "/media/"


def _public_image_size(src: str) -> tuple[int, int] | None:
    """Width and height of an article image in the public media storage (the header only)."""
    if not src.startswith(PUBLIC_MEDIA_URL):
        return None
    from PIL import Image, UnidentifiedImageError

    from .storage import public_storage

    name = unescape(src[len(PUBLIC_MEDIA_URL) :]).split("?", 1)[0]
    if not name or ".." in name.split("/"):
        return None
    try:
        with public_storage.open(name, "rb") as handle, Image.open(handle) as image:
            return image.size
    except (OSError, UnidentifiedImageError, ValueError):
        return None


def with_image_dimensions(html: str) -> str:
    """Body images get width and height, so the page does not shift as they load (CSS keeps
    them fluid: `max-width: 100%; height: auto`). Images we cannot measure are left as they are."""

    def add(match: re.Match) -> str:
        attributes = match.group(1)
        if re.search(r"\b(width|height)=", attributes):
            return match.group(0)
        src = _SRC.search(attributes)
        size = _public_image_size(src.group(1)) if src else None
        if size is None:
            return match.group(0)
        return f'<img{attributes.rstrip(" /")} width="{size[0]}" height="{size[1]}">'

    return _IMG.sub(add, html)


def render_markdown(text: str) -> Rendered:
    """Render article Markdown: `#` headings are demoted to h2 (the page title is the only h1)."""
    md = markdown.Markdown(
        extensions=["tables", "fenced_code", "sane_lists", "toc"],
        extension_configs={"toc": {"slugify": _slugify_heading, "toc_depth": "1-3"}},
        output_format="html",
    )
    html = md.convert(text or "")
    html = _H1.sub(lambda m: f"<{m.group(1)}h2{m.group(2)}", html)
    toc = []

    def walk(tokens: list[dict]) -> None:
        for token in tokens:
            level = 2 if token["level"] <= 2 else token["level"]
            if level <= 3:
                toc.append({"id": token["id"], "title": token["name"], "level": level})
            walk(token.get("children", []))

    walk(getattr(md, "toc_tokens", []))
    clean = with_image_dimensions(sanitise(html))
    words = len(re.findall(r"\w+", nh3.clean(clean, tags=set())))
    return Rendered(html=clean, toc=toc, word_count=words)
