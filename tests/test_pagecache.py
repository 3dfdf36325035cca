"""The shared page cache serves only what is the same for every anonymous visitor."""

import pytest
from django.core.cache import cache
from django.http import HttpResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 30
    settings.PAGE_CACHE_PATHS = [r"^/$", r"^/accounts/login/$"]
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


def test_a_page_that_was_not_storable_is_not_looked_up_again_for_a_few_seconds(
    client, page_cache, monkeypatch
):
    from fitsperfect import pagecache

    page_cache.PAGE_CACHE_LOCAL_SECONDS = 60
    client.get("/accounts/login/")  # a form page: sets a CSRF cookie, so not stored

    class Unreachable:
        def get_many(self, keys):
            raise AssertionError("the shared cache was asked")

    monkeypatch.setattr(pagecache, "cache", Unreachable())
    response = client.get("/accounts/login/")
    assert response.status_code == 200 and "X-Page-Cache" not in response
    with pytest.raises(AssertionError, match="shared cache was asked"):
        client.get("/")  # other pages are still looked up


def test_a_catalogue_change_shows_on_the_stored_catalogue_at_once(
    client, page_cache, django_capture_on_commit_callbacks
):
    from orders.catalogue.models import Product
    from orders.tests.factories import seed_catalogue

    seed_catalogue()
    page_cache.PAGE_CACHE_PATHS = [r"^/orthotics/$"]
    client.get("/orthotics/")
    assert client.get("/orthotics/")["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        Product.objects.filter(slug="dress").get().delete()
    response = client.get("/orthotics/")
    assert response["X-Page-Cache"] == "miss"
    assert 'href="/orthotics/dress/"' not in response.content.decode()


def test_a_form_page_is_rendered_once_and_each_visitor_gets_their_own_token(rf):
    from django.middleware.csrf import CsrfViewMiddleware, _unmask_cipher_token
    from django.template import engines

    from fitsperfect import pagecache

    template = engines["django"].from_string(
        '<form method="post">{% csrf_token %}<input name="q"></form>'
    )
    renders = []

    def render(request, csrf_token):
        renders.append(csrf_token)
        context = {} if csrf_token is None else {"csrf_token": csrf_token}
        return HttpResponse(template.render(context, request))

    secrets = []
    for _visitor in range(3):
        request = rf.get("/form/")
        response = pagecache.form_page(
            request, "test:form", lambda token, request=request: render(request, token)
        )
        html = response.content.decode()
        assert "csrfhole" not in html
        token = html.split('value="', 1)[1].split('"', 1)[0]
        # The token in the page is this visitor's own: it unmasks to the secret that the CSRF
        # middleware puts in their cookie.
        CsrfViewMiddleware(HttpResponse).process_response(request, response)
        secret = response.cookies["csrftoken"].value
        assert _unmask_cipher_token(token) == secret
        secrets.append(secret)
    assert len(renders) == 1 and renders[0] is not None
    assert len(set(secrets)) == 3

    signed_in = rf.get("/form/", HTTP_COOKIE="sessionid=abc")
    pagecache.form_page(signed_in, "test:form", lambda token: render(signed_in, token))
    assert renders[-1] is None  # not anonymous: the normal render
    pagecache.form_page(rf.get("/form/?x=1"), "test:form", lambda token: render(signed_in, token))
    assert renders[-1] is None and len(renders) == 3


def test_sessions_are_shared_by_every_web_process(settings):
    """Never in one process's memory: the database, or Redis when it is configured."""
    from importlib import import_module

    engine = import_module(settings.SESSION_ENGINE).SessionStore
    if not settings.REDIS_URL:
        assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
        return
    # Redis, or the database while Redis is unreachable (tests/test_redis_down.py).
    assert settings.SESSION_ENGINE == "fitsperfect.sessions_fallback"
    session = engine()
    session["k"] = "v"
    session.create()
    again = engine(session.session_key)
    assert again["k"] == "v"
