"""Admin: staff find, publish, unpublish and preview articles; an image needs alt text."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from content.models import Article, ArticleStatusChange

from .factories import ArticleFactory, TopicFactory, image_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-long-12345")
    client.force_login(user)
    client.user = user
    return client


def _add_form(**overrides) -> dict:
    data = {
        "title": "New piece",
        "slug": "new-piece",
        "summary": "Summary.",
        "body": "Body text.",
        "author": "",
        "hero_alt": "",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "seo_title": "",
        "seo_description": "",
        "topic_links-TOTAL_FORMS": "0",
        "topic_links-INITIAL_FORMS": "0",
        "references-TOTAL_FORMS": "0",
        "references-INITIAL_FORMS": "0",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_changelist_shows_status_topics_and_dates(admin_client, django_assert_max_num_queries):
    hip = TopicFactory(name="Hip", slug="hip")
    for _ in range(30):
        ArticleFactory(topics=[hip])
    ArticleFactory(title="Findable draft", status=Article.Status.DRAFT, published_at=None)
    with django_assert_max_num_queries(12):
        response = admin_client.get("/admin/content/article/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Hip" in html and "Published" in html and "Draft" in html
    assert "?preview=1" in html
    found = admin_client.get("/admin/content/article/?q=Findable").content.decode()
    assert "Findable draft" in found and "Article number" not in found
    filtered = admin_client.get("/admin/content/article/?status__exact=draft").content.decode()
    assert "Findable draft" in filtered


def test_publish_and_unpublish_actions_are_recorded(admin_client, client):
    draft = ArticleFactory(slug="to-publish", status=Article.Status.DRAFT, published_at=None)
    response = admin_client.post(
        "/admin/content/article/",
        {"action": "publish_selected", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert b"1 article published" in response.content
    draft.refresh_from_db()
    assert draft.status == Article.Status.PUBLISHED and draft.published_at
    change = ArticleStatusChange.objects.get(article=draft)
    assert (change.from_status, change.to_status, change.actor) == (
        "draft",
        "published",
        admin_client.user,
    )
    admin_client.post(
        "/admin/content/article/",
        {"action": "unpublish_selected", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT
    assert ArticleStatusChange.objects.filter(article=draft).count() == 2
    admin_client.logout()
    assert admin_client.get("/articles/to-publish/").status_code == 404


def test_an_image_without_alt_text_is_refused(admin_client):
    upload = SimpleUploadedFile("hero.png", image_file(800, 400).read(), content_type="image/png")
    response = admin_client.post("/admin/content/article/add/", _add_form(hero_image=upload))
    assert response.status_code == 200
    assert "alt text is required" in response.content.decode()
    assert not Article.objects.exists()

    upload = SimpleUploadedFile("hero.png", image_file(800, 400).read(), content_type="image/png")
    response = admin_client.post(
        "/admin/content/article/add/",
        _add_form(hero_image=upload, hero_alt="A foot", status="published"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get()
    assert article.status == Article.Status.PUBLISHED
    assert [r["width"] for r in article.hero_renditions] == [480, 800]
    assert ArticleStatusChange.objects.filter(article=article, to_status="published").exists()


def test_the_change_form_offers_a_preview_of_a_draft(admin_client):
    draft = ArticleFactory(slug="drafty", status=Article.Status.DRAFT, published_at=None)
    html = admin_client.get(f"/admin/content/article/{draft.pk}/change/").content.decode()
    assert "/articles/drafty/?preview=1" in html
    assert admin_client.get("/articles/drafty/?preview=1").status_code == 200
