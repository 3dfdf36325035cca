"""RSS, Atom and the sitemap, read as XML the way feed readers and search engines read them."""

import xml.etree.ElementTree as ET  # noqa: S405 - our own responses, not untrusted input
from datetime import timedelta

import pytest
from django.utils import timezone

from content.models import Article

from .factories import ArticleFactory, TopicFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def articles():
    hip = TopicFactory(name="Hip", slug="hip", assessment_area="hip")
    TopicFactory(name="Empty topic", slug="empty-topic")
    now = timezone.now()
    newer = ArticleFactory(
        title="Newer & better", slug="newer", summary="New <summary>", topics=[hip],
        published_at=now - timedelta(days=1),
    )  # fmt: skip
    older = ArticleFactory(title="Older", slug="older", published_at=now - timedelta(days=5))
    ArticleFactory(title="Draft", slug="draft", status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(title="Future", slug="future", published_at=now + timedelta(days=1))
    return newer, older


def test_rss_feed(client, articles, settings):
    response = client.get("/articles/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")  # noqa: S314
    assert channel.findtext("title") == "Fits Perfect articles"
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Newer & better", "Older"]
    first = items[0]
    assert first.findtext("link") == settings.SITE_URL + "/articles/newer/"
    assert first.findtext("description") == "New <summary>"
    assert [c.text for c in first.findall("category")] == ["Hip"]
    assert first.findtext("pubDate")


def test_atom_feed(client, articles, settings):
    response = client.get("/articles/feed/atom/")
    root = ET.fromstring(response.content)  # noqa: S314
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Newer & better", "Older"]
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link == settings.SITE_URL + "/articles/newer/"
    assert entries[0].findtext(f"{ATOM}updated")
    self_link = [x.get("href") for x in root.findall(f"{ATOM}link") if x.get("rel") == "self"]
    assert self_link == [settings.SITE_URL + "/articles/feed/atom/"]


def test_sitemap_lists_static_pages_topics_and_public_articles(client, articles, settings):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314
    urls = {u.findtext(f"{SITEMAP}loc"): u for u in root.findall(f"{SITEMAP}url")}
    site = settings.SITE_URL
    for path in [
        "/", "/articles/", "/assessment/", "/orthotics/", "/how-it-works/", "/contact/",
        "/privacy/", "/terms/", "/articles/topic/hip/", "/articles/newer/", "/articles/older/",
    ]:  # fmt: skip
        assert site + path in urls, path
    for hidden in ("/articles/draft/", "/articles/future/", "/articles/topic/empty-topic/"):
        assert site + hidden not in urls
    newer = articles[0]
    assert (
        urls[site + "/articles/newer/"].findtext(f"{SITEMAP}lastmod")
        == max(newer.updated_at, newer.published_at).date().isoformat()
    )
