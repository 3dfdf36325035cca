"""Hero images: renditions on save, responsive markup, and a /media/ view that serves only them."""

from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from .factories import ArticleFactory, image_file

pytestmark = pytest.mark.django_db


def public_root() -> Path:
    return Path(settings.STORAGES["public"]["OPTIONS"]["location"])


def test_renditions_are_generated_and_used_in_the_page(client):
    article = ArticleFactory(slug="with-image", hero_alt="A foot on a scanner")
    article.hero_image.save("hero.png", image_file(1600, 900), save=True)
    article.refresh_from_db()
    widths = [r["width"] for r in article.hero_renditions]
    assert widths == [480, 800, 1200]
    for rendition in article.hero_renditions:
        path = public_root() / rendition["name"]
        with Image.open(path) as image:
            assert image.format == "WEBP"
            assert image.size == (rendition["width"], rendition["height"])
    assert article.hero_renditions[0]["height"] == 270  # aspect ratio kept
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.webp"))  # nothing in the private media

    html = client.get("/articles/with-image/").content.decode()
    hero = html.split('<figure class="article-hero">')[1].split("</figure>")[0]
    assert hero.count(" 480w") == 1 and " 800w" in hero and " 1200w" in hero
    assert 'width="800"' in hero and 'height="450"' in hero
    assert 'loading="eager"' in hero and 'alt="A foot on a scanner"' in hero
    assert 'sizes="' in hero
    assert '<meta property="og:image" content="' + settings.SITE_URL + "/media/" in html

    response = client.get("/media/" + article.hero_renditions[0]["name"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert (
        "immutable" in response["Cache-Control"] and "max-age=31536000" in response["Cache-Control"]
    )
    assert b"".join(response.streaming_content)[:4] == b"RIFF"


def test_cards_lazy_load_their_images(client):
    article = ArticleFactory(hero_alt="alt")
    article.hero_image.save("card.png", image_file(900, 600), save=True)
    html = client.get("/articles/").content.decode()
    card = html.split('class="card article-card"')[1].split("</li>")[0]
    assert 'loading="lazy"' in card and 'width="480"' in card and 'height="320"' in card


def test_small_images_are_not_enlarged_and_replacing_an_image_rebuilds():
    article = ArticleFactory(hero_alt="alt")
    article.hero_image.save("small.png", image_file(300, 200), save=True)
    article.refresh_from_db()
    assert [r["width"] for r in article.hero_renditions] == [300]
    article.hero_image.save("bigger.png", image_file(1000, 500), save=True)
    article.refresh_from_db()
    assert [r["width"] for r in article.hero_renditions] == [480, 800, 1000]
    assert all(r["source"] == article.hero_image.name for r in article.hero_renditions)


@pytest.mark.parametrize(
    "path",
    [
        "/media/../private/secret.png",
        "/media/%2e%2e/private/secret.png",
        "/media/..%2fprivate%2fsecret.png",
        "/media//etc/passwd",
        "/media/articles/evil.html",
        "/media/articles/missing.webp",
        "/media/articles/",
        "/private-media-not-served/secret.png",
    ],
)
def test_media_view_serves_nothing_else(client, path):
    (public_root() / "articles").mkdir(parents=True, exist_ok=True)
    (public_root() / "articles" / "evil.html").write_text("<script>alert(1)</script>")
    private = Path(settings.MEDIA_ROOT)
    private.mkdir(parents=True, exist_ok=True)
    (private / "secret.png").write_bytes(b"health data")
    response = client.get(path)
    assert response.status_code == 404


def test_unhashed_files_get_a_short_cache(client):
    (public_root() / "articles").mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (10, 10)).save(public_root() / "articles" / "plain.png")
    response = client.get("/media/articles/plain.png")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=3600"


def test_replacing_or_removing_an_image_deletes_files_no_article_shows(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(slug="first", hero_alt="A heel")
        article.hero_image.save("old.png", image_file(900, 600), save=True)
        lone = ArticleFactory(slug="lone", hero_alt="A toe")
        lone.hero_image.save("lone.png", image_file(700, 400), save=True)
        twin = ArticleFactory(slug="twin", hero_alt="The same heel")  # shows the same upload
        twin.hero_image = article.hero_image.name
        twin.save()
    shared = [article.hero_image.name, *(r["name"] for r in article.hero_renditions)]
    assert {r["name"] for r in twin.hero_renditions} == set(shared[1:])
    lone_files = [lone.hero_image.name, *(r["name"] for r in lone.hero_renditions)]

    with django_capture_on_commit_callbacks(execute=True):
        article.hero_image.save("new.png", image_file(1000, 500), save=True)
        lone.hero_image.save("lone2.png", image_file(640, 480), save=True)
    for current in (article, lone):
        kept = [current.hero_image.name, *(r["name"] for r in current.hero_renditions)]
        assert all((public_root() / name).exists() for name in kept)
    assert all((public_root() / name).exists() for name in shared)  # the twin still shows them
    assert not any((public_root() / name).exists() for name in lone_files)  # nobody does

    with django_capture_on_commit_callbacks(execute=True):
        twin.hero_image = None
        twin.hero_alt = ""
        twin.save()
    assert not any((public_root() / name).exists() for name in shared)


def test_a_replacement_that_rolls_back_deletes_nothing(django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(slug="kept", hero_alt="A heel")
        article.hero_image.save("kept.png", image_file(900, 600), save=True)
    files = [article.hero_image.name, *(r["name"] for r in article.hero_renditions)]
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        article.hero_image.save("other.png", image_file(1000, 500), save=True)
        raise RuntimeError
    assert all((public_root() / name).exists() for name in files)


def test_the_media_view_serves_nothing_when_public_media_is_not_a_folder(client, settings):
    """Configured with an object store (no folder), it must not fall back to the working directory."""
    (Path.cwd() / "probe-not-public.png").write_bytes(b"\x89PNG cwd file")
    try:
        settings.STORAGES = {
            **settings.STORAGES,
            # S3's "location" is a key prefix, "" by default: no folder at all.
            "public": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {"bucket_name": "public-images"},
            },
        }
        assert client.get("/media/probe-not-public.png").status_code == 404
    finally:
        (Path.cwd() / "probe-not-public.png").unlink()
