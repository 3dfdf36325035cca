"""RSS and Atom feeds of the newest public articles."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from . import selectors


class ArticleFeed(Feed):
    title = _("Fits Perfect articles")
    description = _("Foot health, posture and custom orthotics, explained by Fits Perfect.")

    def link(self) -> str:
        return reverse("content:article_list")

    def feed_url(self) -> str:
        return settings.SITE_URL + reverse("content:feed")

    def items(self):
        return selectors.feed_articles()

    def item_title(self, item) -> str:
        return item.title

    def item_description(self, item) -> str:
        return item.summary

    def item_link(self, item) -> str:
        return settings.SITE_URL + item.get_absolute_url()

    def item_guid(self, item) -> str:
        return settings.SITE_URL + item.get_absolute_url()

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return max(item.updated_at, item.published_at)

    def item_author_name(self, item) -> str:
        return item.byline

    def item_categories(self, item) -> list[str]:
        return [topic.name for topic in item.ordered_topics]


class AtomArticleFeed(ArticleFeed):
    feed_type = Atom1Feed
    subtitle = ArticleFeed.description

    def feed_url(self) -> str:
        return settings.SITE_URL + reverse("content:feed_atom")
