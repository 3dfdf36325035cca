"""The sitemap: static pages, topics with public articles, and public articles, on SITE_URL."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from . import selectors

STATIC_PAGES = [
    "home",
    "content:article_list",
    "assessments:start",
    "orders:catalogue",
    "how-it-works",
    "contact",
    "privacy",
    "terms",
]


class _SiteUrlSitemap(Sitemap):
    """Absolute URLs on the canonical SITE_URL, not whatever Host the request came with."""

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc


class StaticSitemap(_SiteUrlSitemap):
    changefreq = "monthly"

    def items(self) -> list[str]:
        return STATIC_PAGES

    def location(self, item: str) -> str:
        return reverse(item)


class TopicSitemap(_SiteUrlSitemap):
    changefreq = "weekly"

    def items(self):
        return selectors.topics_with_articles()


class ArticleSitemap(_SiteUrlSitemap):
    changefreq = "monthly"

    def items(self):
        return list(selectors.public_articles().defer("body", "body_html").prefetch_related(None))

    def lastmod(self, item):
        return max(item.updated_at, item.published_at)


SITEMAPS = {"pages": StaticSitemap, "topics": TopicSitemap, "articles": ArticleSitemap}
