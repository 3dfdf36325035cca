"""The shared page cache serves only what is the same for every anonymous visitor."""

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 30
    settings.PAGE_CACHE_PATHS = [r"^/$", r"^/accounts/login/$"]
    settings.PAGE_CACHE_VERSION_KEYS = ["content:version"]
    settings.PAGE_CACHE_LOCAL_SECONDS = 0
    return settings


def test_an_anonymous_visitor_gets_the_stored_home_page(client, page_cache):
    first = client.get("/")
    second = client.get("/")
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_a_signed_in_visitor_never_gets_a_stored_page(client, page_cache, django_user_model):
    client.get("/")
    user = django_user_model.objects.create_user("ann", password="demo-pass-123")
    client.force_login(user)
    response = client.get("/")
    assert "X-Page-Cache" not in response
    assert b"Your account" in response.content


def test_a_page_with_a_form_is_never_stored(client, page_cache):
    """A CSRF token is personal: the page sets a cookie, so it is not stored."""
    client.get("/accounts/login/")
    response = client.get("/accounts/login/")
    assert "X-Page-Cache" not in response
    assert b"csrfmiddlewaretoken" in response.content


def test_a_content_change_shows_at_once(client, page_cache):
    cache.set("content:version", 1, timeout=None)
    client.get("/")
    assert client.get("/")["X-Page-Cache"] == "hit"
    cache.incr("content:version")
    assert client.get("/")["X-Page-Cache"] == "miss"


def test_query_strings_and_other_paths_are_not_stored(client, page_cache):
    client.get("/?utm=1")
    assert "X-Page-Cache" not in client.get("/?utm=1")
    client.get("/privacy/")
    assert "X-Page-Cache" not in client.get("/privacy/")


def test_off_unless_configured(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/")
    assert "X-Page-Cache" not in client.get("/")


def test_each_process_keeps_a_copy_for_a_few_seconds(client, page_cache, monkeypatch):
    from fitsperfect import pagecache

    page_cache.PAGE_CACHE_LOCAL_SECONDS = 60
    first = client.get("/")

    class Unreachable:
        def get_many(self, keys):
            raise AssertionError("the shared cache was asked")

    monkeypatch.setattr(pagecache, "cache", Unreachable())
    second = client.get("/")
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit-local")
    assert second.content == first.content
