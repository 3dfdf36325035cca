"""Article views are counted per article and day, page-cache hits included, without personal data."""

import pytest
from django.utils import timezone

from content.models import ArticleDailyView
from content.viewcount import article_view_count, is_robot

from .factories import ArticleFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"


def views(article) -> int:
    row = ArticleDailyView.objects.filter(article=article, day=timezone.now().date()).first()
    return row.count if row else 0


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 30
    settings.PAGE_CACHE_PATHS = [r"^/articles/"]
    settings.PAGE_CACHE_LOCAL_SECONDS = 0
    return settings


def test_each_view_of_an_article_adds_one_to_todays_counter(client):
    article = ArticleFactory()
    for _ in range(3):
        assert client.get(article.get_absolute_url(), HTTP_USER_AGENT=BROWSER).status_code == 200
    assert views(article) == 3
    assert ArticleDailyView.objects.count() == 1


def test_views_served_from_the_page_cache_are_counted_too(client, page_cache):
    article = ArticleFactory()
    url = article.get_absolute_url()
    first = client.get(url, HTTP_USER_AGENT=BROWSER)
    second = client.get(url, HTTP_USER_AGENT=BROWSER)
    assert first.status_code == second.status_code == 200
    assert second.get("X-Page-Cache") in ("hit", "hit-local")  # not rendered again
    assert views(article) == 2


def test_the_counter_keeps_nothing_about_the_reader(client):
    article = ArticleFactory()
    client.get(article.get_absolute_url(), HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.9")
    fields = {f.name for f in ArticleDailyView._meta.get_fields()}
    assert fields == {"id", "article", "day", "count"}


@pytest.mark.parametrize(
    "user_agent",
    [
        "",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0)",
        "curl/8.5.0",
        "python-requests/2.32",
        "facebookexternalhit/1.1",
        "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/131.0",
    ],
)
def test_obvious_robots_are_not_counted(client, user_agent):
    article = ArticleFactory()
    client.get(article.get_absolute_url(), HTTP_USER_AGENT=user_agent)
    assert is_robot(user_agent)
    assert views(article) == 0


def test_head_previews_prefetches_misses_and_other_pages_are_not_counted(client, django_user_model):
    article = ArticleFactory()
    url = article.get_absolute_url()
    client.head(url, HTTP_USER_AGENT=BROWSER)
    client.get(url, HTTP_USER_AGENT=BROWSER, HTTP_SEC_PURPOSE="prefetch")
    client.get(url + "?preview=1", HTTP_USER_AGENT=BROWSER)
    client.get("/articles/", HTTP_USER_AGENT=BROWSER)
    assert client.get("/articles/no-such-article/", HTTP_USER_AGENT=BROWSER).status_code == 404
    staff = django_user_model.objects.create_user("editor", password="pw-12345678", is_staff=True)
    client.force_login(staff)
    client.get(url, HTTP_USER_AGENT=BROWSER)
    assert ArticleDailyView.objects.count() == 0


def test_a_draft_is_not_counted(client):
    draft = ArticleFactory(status="draft", published_at=None)
    assert client.get(draft.get_absolute_url(), HTTP_USER_AGENT=BROWSER).status_code == 404
    assert views(draft) == 0


def test_the_count_is_an_increment_of_the_stored_row():
    """A second process's count made after this one read nothing is not lost: the row is
    incremented in SQL, never written back from a value read before."""
    article = ArticleFactory()
    assert article_view_count(slug=article.slug)
    ArticleDailyView.objects.filter(article=article).update(count=41)  # another process's views
    assert article_view_count(slug=article.slug)
    assert views(article) == 42
    assert not article_view_count(slug="no-such-article")
