"""The public article pages: visibility, scheduling, preview, search, metadata, caching and queries."""

import json
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from content import services
from content.models import Article, ArticleTopic

from .factories import ArticleFactory, TopicFactory

pytestmark = pytest.mark.django_db


class _Collector(HTMLParser):
    """Collects meta tags, links, h1s and JSON-LD blocks from a page."""

    def __init__(self):
        super().__init__()
        self.meta, self.links, self.h1, self.json_ld, self.anchors = {}, [], 0, [], []
        self._in_json_ld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            self.meta[attrs.get("property") or attrs.get("name")] = attrs.get("content")
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "h1":
            self.h1 += 1
        elif tag == "a":
            self.anchors.append(attrs.get("href"))
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_json_ld = True

    def handle_endtag(self, tag):
        self._in_json_ld = False if tag == "script" else self._in_json_ld

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld.append(json.loads(data))


def parse(response) -> _Collector:
    collector = _Collector()
    collector.feed(response.content.decode())
    return collector


@pytest.fixture
def hip():
    return TopicFactory(name="Hip", slug="hip", assessment_area="hip")


@pytest.fixture
def heel():
    return TopicFactory(name="Heel and arch", slug="heel-and-arch", assessment_area="heel")


def test_article_page_has_everything_a_reader_and_a_search_engine_need(client, hip, heel, settings):
    article = ArticleFactory(
        title="Feet and hips",
        slug="feet-and-hips",
        summary="How feet load the hip.",
        body="Intro.\n\n## First\n\n" + "word " * 500 + "\n\n## Second\n\nEnd.",
        topics=[hip, heel],
    )
    related = ArticleFactory(title="Another hip piece", topics=[hip])
    ArticleFactory(title="Unrelated piece")
    response = client.get("/articles/feet-and-hips/")
    assert response.status_code == 200
    page = parse(response)
    html = response.content.decode()
    assert page.h1 == 1
    assert "3 minute read" in html
    assert 'href="#section-first"' in html  # table of contents for a long piece
    assert "Another hip piece" in html and "Unrelated piece" not in html
    assert related.get_absolute_url() in page.anchors
    # The call to action carries the article and its first mapped topic's area (hip, not heel).
    assert "/assessment/?article=feet-and-hips&area=hip" in page.anchors
    canonical = [link["href"] for link in page.links if link.get("rel") == "canonical"]
    assert canonical == [settings.SITE_URL + "/articles/feet-and-hips/"]
    assert page.meta["og:type"] == "article"
    assert page.meta["og:title"] == "Feet and hips"
    assert page.meta["og:url"] == canonical[0]
    assert page.meta["twitter:card"] == "summary"
    assert page.meta["description"] == "How feet load the hip."
    (data,) = page.json_ld
    assert data["@type"] == ["Article", "MedicalWebPage"] and data["headline"] == "Feet and hips"
    assert data["mainEntityOfPage"] == canonical[0]
    assert data["datePublished"].startswith(article.published_at.date().isoformat())
    assert data["articleSection"] == ["Hip", "Heel and arch"]
    feeds = [link for link in page.links if link.get("rel") == "alternate"]
    assert {link["href"] for link in feeds} == {"/articles/feed/", "/articles/feed/atom/"}


def test_every_page_links_the_feed(client):
    page = parse(client.get("/"))
    assert any(
        link.get("type") == "application/rss+xml" and link["href"] == "/articles/feed/"
        for link in page.links
    )


def test_json_ld_cannot_break_out_of_its_script(client):
    ArticleFactory(slug="sneaky", title="</script><script>alert(1)</script>")
    html = client.get("/articles/sneaky/").content.decode()
    json_block = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "<" not in json_block
    assert json.loads(json_block)["headline"] == "</script><script>alert(1)</script>"


def test_unknown_slug_is_a_404_in_the_site_design(client):
    response = client.get("/articles/no-such-article/")
    assert response.status_code == 404
    assert b"Page not found" in response.content and b"site-header" in response.content


def test_drafts_are_hidden_but_staff_can_preview(client, hip):
    ArticleFactory(slug="draft-piece", status=Article.Status.DRAFT, published_at=None, topics=[hip])
    assert client.get("/articles/draft-piece/").status_code == 404
    assert client.get("/articles/draft-piece/?preview=1").status_code == 404
    reader = get_user_model().objects.create_user("reader", password="pw-12345-long")
    client.force_login(reader)
    assert client.get("/articles/draft-piece/?preview=1").status_code == 404
    staff = get_user_model().objects.create_user("editor", password="pw-12345-long", is_staff=True)
    client.force_login(staff)
    response = client.get("/articles/draft-piece/?preview=1")
    assert response.status_code == 200
    assert b"Preview" in response.content
    assert parse(response).meta["robots"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]
    assert client.get("/articles/draft-piece/").status_code == 404  # preview only on request
    assert b"draft-piece" not in client.get("/articles/").content


def test_a_scheduled_article_appears_when_its_time_comes(client, monkeypatch, hip):
    go_live = timezone.now() + timedelta(hours=2)
    scheduled = ArticleFactory(slug="coming-soon", status=Article.Status.DRAFT, published_at=None)
    services.article_publish(article=scheduled, at=go_live)
    scheduled.refresh_from_db()
    assert scheduled.status == Article.Status.SCHEDULED
    ArticleFactory(slug="already-out", topics=[hip])
    services.article_set_topics(article=scheduled, topics=[hip])

    def visible() -> dict:
        return {
            "page": client.get("/articles/coming-soon/").status_code,
            "list": b"coming-soon" in client.get("/articles/").content,
            "feed": b"coming-soon" in client.get("/articles/feed/").content,
            "sitemap": b"coming-soon" in client.get("/sitemap.xml").content,
            "related": b"coming-soon" in client.get("/articles/already-out/").content,
            "search": b"coming-soon" in client.get("/articles/?q=feet").content,
        }

    assert visible() == {
        "page": 404, "list": False, "feed": False, "sitemap": False, "related": False, "search": False
    }  # fmt: skip
    later = go_live + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert visible() == {
        "page": 200, "list": True, "feed": True, "sitemap": True, "related": True, "search": True
    }  # fmt: skip


def test_list_is_newest_first_paginated_and_filters_by_topic(client, hip, heel):
    now = timezone.now()
    for day in range(14):
        ArticleFactory(
            title=f"Piece {day:02d}",
            published_at=now - timedelta(days=day),
            topics=[hip] if day % 2 else [heel],
        )
    html = client.get("/articles/").content.decode()
    titles = re.findall(r"Piece (\d\d)", html)
    assert titles == [f"{d:02d}" for d in range(12)]  # 12 a page, newest first
    assert 'href="/articles/?page=2"' in html
    second = client.get("/articles/?page=2").content.decode()
    assert re.findall(r"Piece (\d\d)", second) == ["12", "13"]
    hip_page = client.get("/articles/topic/hip/").content.decode()
    assert set(re.findall(r"Piece (\d\d)", hip_page)) == {f"{d:02d}" for d in range(1, 14, 2)}
    assert client.get("/articles/?topic=hip").content.decode().count("Piece") == 7
    assert client.get("/articles/topic/nope/").status_code == 404


def test_search_finds_titles_summaries_and_bodies(client):
    ArticleFactory(title="Plantar heel pain", slug="heel", summary="Morning pain.", body="Fascia.")
    ArticleFactory(title="Knees", slug="knees", summary="Stairs hurt.", body="Kneecap tracking.")
    ArticleFactory(title="Hips", slug="hips", summary="Side of the hip.", body="Gluteus medius.")
    for query, expected in [
        ("plantar", {"heel"}),
        ("stairs", {"knees"}),
        ("kneecap", {"knees"}),
        ("gluteus medius", {"hips"}),
        ("nothing-like-this", set()),
    ]:
        html = client.get("/articles/", {"q": query}).content.decode()
        found = {slug for slug in ("heel", "knees", "hips") if f'href="/articles/{slug}/"' in html}
        assert found == expected, query
    response = client.get("/articles/", {"q": "kneecap"})
    assert parse(response).meta["robots"] == "noindex, follow"


def _many_articles(count: int, topics) -> None:
    now = timezone.now()
    articles = Article.objects.bulk_create(
        Article(
            title=f"Bulk article {i}",
            slug=f"bulk-{i}",
            summary="Summary",
            body="Body about feet.",
            body_html="<p>Body about feet.</p>",
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(minutes=i + 1),
        )
        for i in range(count)
    )
    ArticleTopic.objects.bulk_create(
        ArticleTopic(article=article, topic=topic, position=n)
        for article in articles
        for n, topic in enumerate(topics)
    )


@pytest.mark.parametrize(
    "url",
    [
        "/articles/",
        "/articles/?page=5",
        "/articles/topic/hip/",
        "/articles/?q=feet",
        "/articles/bulk-100/",
        "/articles/feed/",
        "/articles/feed/atom/",
        "/sitemap.xml",
        "/robots.txt",
    ],
)
def test_public_pages_run_a_constant_number_of_queries(
    client, hip, heel, url, django_assert_max_num_queries
):
    _many_articles(220, [hip, heel])
    with django_assert_max_num_queries(5):
        response = client.get(url)
    assert response.status_code == 200


def test_article_pages_are_cached_and_invalidated_on_save(client, django_assert_num_queries):
    article = ArticleFactory(slug="cached", title="First title")
    assert b"First title" in client.get("/articles/cached/").content
    with django_assert_num_queries(0):
        assert b"First title" in client.get("/articles/cached/").content
    article.title = "Second title"
    article.save()
    assert b"Second title" in client.get("/articles/cached/").content
    services.article_unpublish(article=article)
    assert client.get("/articles/cached/").status_code == 404
    services.article_publish(article=article)
    assert client.get("/articles/cached/").status_code == 200


def test_robots_txt_points_at_the_sitemap(client, settings):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines


def test_the_updated_date_shows_only_for_real_later_edits(client):
    now = timezone.now()
    backdated = ArticleFactory(slug="backdated", published_at=now - timedelta(days=30))
    assert b"Updated" not in client.get("/articles/backdated/").content
    Article.objects.filter(pk=backdated.pk).update(created_at=now - timedelta(days=30))
    backdated.refresh_from_db()
    backdated.body += "\n\nA correction."
    backdated.save()  # an edit today, a month after it was written and published
    html = client.get("/articles/backdated/").content.decode()
    assert "Updated" in html and f'datetime="{now.date().isoformat()}' in html


def test_search_on_postgresql_is_an_index_scan():
    """The migration's GIN index matches the selector's vector: the planner can use it."""
    from django.db import connection

    from content import selectors

    if connection.vendor != "postgresql":
        pytest.skip("Full-text search and its index are PostgreSQL's (CI runs this there).")
    ArticleFactory(title="Pronation and the hip", status=Article.Status.PUBLISHED)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: force the choice
        plan = selectors.search(Article.objects.all(), "pronation").explain()
    assert "content_article_search" in plan
