from django import template
from django.utils.html import format_html

from content.images import srcset
from content.storage import public_storage

register = template.Library()


@register.simple_tag
def hero_thumbnail(article) -> str:
    """A lazy card image from the stored renditions (no query, no file access)."""
    renditions = article.hero_renditions or []
    if not renditions:
        return ""
    small = renditions[0]
    return format_html(
        '<img class="article-card-image" src="{}" srcset="{}" sizes="(min-width: 40rem) 20rem, '
        'calc(100vw - 2rem)" width="{}" height="{}" alt="" loading="lazy" decoding="async">',
        public_storage.url(small["name"]),
        srcset(renditions[:2]),
        small["width"],
        small["height"],
    )
