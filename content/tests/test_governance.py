"""Clinical governance: reviewer, review dates and references, from the importer to the page, its
JSON-LD and the admin's overdue flag; and the demo articles' own illustrations."""

import hashlib
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from PIL import Image

from content import demo, illustrations
from content.models import Article, Reference, review_today

from .factories import ArticleFactory, ReferenceFactory, image_file

pytestmark = pytest.mark.django_db

FRONT_MATTER = """\
---
title: Feet and hips
slug: feet-and-hips
reviewer: Dr Hannah Okafor
reviewer_role: Consultant podiatrist, HCPC registered
last_reviewed: 2026-03-01
next_review_due: 2027-03-01
references:
  - authors: Redmond AC, Crane YZ, Menz HB
    title: Normative values for the Foot Posture Index
    source: Journal of Foot and Ankle Research
    year: 2008
    url: https://doi.org/10.1186/1757-1146-1-6
  - title: "Education plus exercise versus corticosteroid injection: a randomised trial"
    source: BMJ
    year: "2018"
    url: https://doi.org/10.1136/bmj.k1662
---
# Feet and hips

How the way your feet land can load the hip.
"""


def run(path: Path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_articles", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, text: str, name: str = "piece.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def reviewed(**overrides) -> Article:
    today = review_today()
    fields = {
        "reviewer_name": "Dr Hannah Okafor",
        "reviewer_role": "Consultant podiatrist",
        "last_reviewed": today - timedelta(days=30),
        "next_review_due": today + timedelta(days=335),
        **overrides,
    }
    return ArticleFactory(**fields)


# --- Importer -----------------------------------------------------------------------------------
def test_the_importer_reads_the_review_and_references_from_front_matter(tmp_path):
    path = write(tmp_path, FRONT_MATTER)
    out, _ = run(path)
    assert "created" in out
    article = Article.objects.get(slug="feet-and-hips")
    assert article.reviewer_name == "Dr Hannah Okafor"
    assert article.reviewer_role == "Consultant podiatrist, HCPC registered"
    assert article.last_reviewed == date(2026, 3, 1)
    assert article.next_review_due == date(2027, 3, 1)
    references = list(article.references.all())
    assert [(r.position, r.source, r.year) for r in references] == [
        (0, "Journal of Foot and Ankle Research", 2008),
        (1, "BMJ", 2018),
    ]
    assert references[0].authors == "Redmond AC, Crane YZ, Menz HB"
    assert references[1].url == "https://doi.org/10.1136/bmj.k1662"
    # The same file again changes nothing.
    out, _ = run(path)
    assert "unchanged" in out
    assert [r.pk for r in article.references.all()] == [r.pk for r in references]


def test_a_reimport_updates_the_review_and_replaces_the_references_in_order(tmp_path):
    run(write(tmp_path, FRONT_MATTER))
    changed = (
        FRONT_MATTER.replace("last_reviewed: 2026-03-01", "last_reviewed: 2026-09-01")
        .replace("next_review_due: 2027-03-01", "next_review_due: 2027-09-01")
        .replace("  - authors: Redmond AC, Crane YZ, Menz HB\n", "  - authors: Redmond AC\n")
    )
    out, _ = run(write(tmp_path, changed))
    assert "updated" in out
    article = Article.objects.get(slug="feet-and-hips")
    assert (article.last_reviewed, article.next_review_due) == (date(2026, 9, 1), date(2027, 9, 1))
    assert [r.authors for r in article.references.all()] == ["Redmond AC", ""]
    assert Reference.objects.count() == 2


def test_a_file_without_review_keys_keeps_what_staff_entered(tmp_path):
    run(write(tmp_path, FRONT_MATTER))
    plain = "---\ntitle: Feet and hips\nslug: feet-and-hips\n---\nNew text about feet and hips.\n"
    out, _ = run(write(tmp_path, plain))
    assert "updated" in out
    article = Article.objects.get(slug="feet-and-hips")
    assert article.reviewer_name == "Dr Hannah Okafor"
    assert article.references.count() == 2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-13-01", "“2026-13-01” is not a real date"),
        ("14/09/2026", "“last_reviewed” must be a date like 2026-01-31"),
        ('"2026-9-14"', "“last_reviewed” must be a date like 2026-01-31"),
        ("soon", "“last_reviewed” must be a date like 2026-01-31"),
    ],
)
def test_a_malformed_review_date_is_a_clear_error_naming_its_line(tmp_path, value, message):
    text = FRONT_MATTER.replace("last_reviewed: 2026-03-01", f"last_reviewed: {value}")
    path = write(tmp_path, text)
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_articles", str(path), stdout=io.StringIO(), stderr=err)
    assert f"{path}:6: " in err.getvalue()  # the last_reviewed line
    assert message in err.getvalue()
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    year: 2008\n", "    year: twenty\n", "reference 1: “year” must be a year like 2008"),
        ("    source: BMJ\n", '    source: ""\n', "reference 2: “source” must be text"),
        ("    year: 2008\n", "    year: 2008\n    doi: x\n", "reference 1: unknown key “doi”"),
        (
            '  - title: "Education',
            '  - just a title\n  - title: "Education',
            "reference 2: give title, source, year and url",
        ),
    ],
)
def test_a_malformed_reference_is_refused_before_anything_is_written(tmp_path, old, new, message):
    text = FRONT_MATTER.replace(old, new)
    assert text != FRONT_MATTER
    path = write(tmp_path, text)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_articles", str(path), stdout=io.StringIO(), stderr=err)
    assert message in err.getvalue()
    assert f"{path}:8: " in err.getvalue()  # the references line
    assert not Article.objects.exists()


def test_a_reference_link_must_be_a_web_address(tmp_path):
    text = FRONT_MATTER.replace(
        "url: https://doi.org/10.1136/bmj.k1662", "url: javascript:alert(1)"
    )
    path = write(tmp_path, text)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_articles", str(path), stdout=io.StringIO(), stderr=err)
    assert "reference 2 url" in err.getvalue()
    assert not Article.objects.exists() and not Reference.objects.exists()


def test_a_review_due_before_it_was_done_is_refused(tmp_path):
    text = FRONT_MATTER.replace("next_review_due: 2027-03-01", "next_review_due: 2026-02-01")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_articles", str(write(tmp_path, text)), stdout=io.StringIO(), stderr=err
        )
    assert "next_review_due: The next review must be due after the last review." in err.getvalue()
    assert not Article.objects.exists()


def test_a_review_names_its_reviewer_and_both_dates():
    article = ArticleFactory.build(slug="half-reviewed", reviewer_name="Dr Hannah Okafor")
    with pytest.raises(ValidationError) as error:
        article.full_clean(exclude=["topics"])
    assert set(error.value.message_dict) == {"last_reviewed", "next_review_due"}


# --- The page and its JSON-LD -------------------------------------------------------------------
def _json_ld(html: str) -> dict:
    block = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    return json.loads(block)


def test_the_article_page_shows_the_review_and_the_references_in_order(client):
    article = reviewed(
        slug="reviewed-piece",
        last_reviewed=date(2026, 3, 1),
        next_review_due=date(2027, 3, 1),
    )
    second = ReferenceFactory(article=article, title="Second study", position=1)
    first = ReferenceFactory(article=article, title="First study", position=0, url="")
    html = client.get(article.get_absolute_url()).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    assert (
        "Reviewed by Dr Hannah Okafor, Consultant podiatrist. Last reviewed 1 March 2026. "
        "Next review due 1 March 2027." in text
    )
    assert '<time datetime="2026-03-01">' in html
    references = html.split('id="references-heading"')[1].split("</ol>")[0]
    assert references.index(first.title) < references.index(second.title)
    assert f'<a href="{second.url}" rel="noopener">Second study</a>' in references
    assert "<a" not in references.split("First study")[0].split("<li>")[-1]  # no link, no url
    assert "Journal of Foot and Ankle Research</span>, 2008." in references
    assert "Redmond AC, Crane YZ, Menz HB. <a" in references


def test_authors_end_in_exactly_one_full_stop():
    assert ReferenceFactory.build(authors="Mellor R, et al.").authors_sentence == "Mellor R, et al."
    assert ReferenceFactory.build(authors="Redmond AC").authors_sentence == "Redmond AC."
    assert ReferenceFactory.build(authors=" ").authors_sentence == ""


def test_an_article_without_a_review_shows_no_review_block(client):
    article = ArticleFactory(slug="plain-piece")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Reviewed by" not in html and "references-heading" not in html
    data = _json_ld(html)
    assert not {"reviewedBy", "lastReviewed", "citation"} & set(data)


def test_json_ld_carries_the_reviewer_the_review_date_and_the_citations(client):
    article = reviewed(slug="cited", last_reviewed=date(2026, 3, 1))
    ReferenceFactory(
        article=article,
        title="Normative values for the Foot Posture Index",
        source="Journal of Foot and Ankle Research",
        year=2008,
        url="https://doi.org/10.1186/1757-1146-1-6",
    )
    ReferenceFactory(article=article, title="</script><script>alert(1)</script>", url="")
    html = client.get(article.get_absolute_url()).content.decode()
    data = _json_ld(html)
    assert "MedicalWebPage" in data["@type"]
    assert data["reviewedBy"] == {
        "@type": "Person",
        "name": "Dr Hannah Okafor",
        "jobTitle": "Consultant podiatrist",
    }
    assert data["lastReviewed"] == "2026-03-01"
    assert data["citation"][0] == {
        "@type": "CreativeWork",
        "name": "Normative values for the Foot Posture Index",
        "publisher": {"@type": "Organization", "name": "Journal of Foot and Ankle Research"},
        "datePublished": "2008",
        "url": "https://doi.org/10.1186/1757-1146-1-6",
    }
    assert data["citation"][1]["name"] == "</script><script>alert(1)</script>"
    assert "url" not in data["citation"][1]


def test_a_reference_added_later_reaches_the_cached_page(client):
    article = reviewed(slug="cached-piece")
    assert "references-heading" not in client.get(article.get_absolute_url()).content.decode()
    ReferenceFactory(article=article, title="A study added later")
    assert "A study added later" in client.get(article.get_absolute_url()).content.decode()


# --- Admin --------------------------------------------------------------------------------------
@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-long-12345")
    client.force_login(user)
    return client


@pytest.fixture
def review_states():
    today = review_today()
    return {
        "overdue": reviewed(
            title="Overdue piece",
            last_reviewed=today - timedelta(days=400),
            next_review_due=today - timedelta(days=1),
        ),
        "due_today": reviewed(
            title="Due today piece",
            last_reviewed=today - timedelta(days=365),
            next_review_due=today,
        ),
        "in_date": reviewed(title="In date piece"),
        "never": ArticleFactory(title="Never reviewed piece"),
    }


def _titles(html: str) -> set[str]:
    return set(re.findall(r"(\w+(?: \w+)* piece)</a>", html))


def test_the_overdue_filter_lists_only_articles_past_their_review_date(admin_client, review_states):
    html = admin_client.get("/admin/content/article/?review=overdue").content.decode()
    assert _titles(html) == {"Overdue piece"}
    html = admin_client.get("/admin/content/article/?review=in_date").content.decode()
    assert _titles(html) == {"Due today piece", "In date piece"}
    html = admin_client.get("/admin/content/article/?review=none").content.decode()
    assert _titles(html) == {"Never reviewed piece"}
    assert list(Article.objects.review_overdue()) == [review_states["overdue"]]


def test_the_changelist_flags_overdue_articles(admin_client, review_states):
    html = admin_client.get("/admin/content/article/").content.decode()
    assert "Review overdue" in html
    rows = {title: row for row in html.split("<tr") for title in _titles(row)}
    assert 'alt="True"' in rows["Overdue piece"]
    for title in ("Due today piece", "In date piece", "Never reviewed piece"):
        assert 'alt="False"' in rows[title]


def test_the_change_page_warns_when_the_review_is_overdue(admin_client, review_states):
    url = f"/admin/content/article/{review_states['overdue'].pk}/change/"
    html = admin_client.get(url).content.decode()
    assert "The clinical review of this article was due on" in html
    assert 'name="references-TOTAL_FORMS"' in html  # the references inline
    html = admin_client.get(
        f"/admin/content/article/{review_states['in_date'].pk}/change/"
    ).content.decode()
    assert "The clinical review of this article was due on" not in html


# --- Demo articles and their illustrations ------------------------------------------------------
def test_each_demo_article_has_its_own_accessible_illustration():
    digests = set()
    for data in demo.ARTICLES:
        path = illustrations.illustration_path(data["slug"])
        assert path is not None, data["slug"]
        source = path.read_text(encoding="utf-8")
        assert 'role="img"' in source and "aria-labelledby" in source
        drawing = illustrations.read(path)
        assert drawing.title and 20 <= len(drawing.description) <= 250
        assert (drawing.width, drawing.height) == (1200, 675)
        digests.add(hashlib.sha256(path.read_bytes()).hexdigest())
        with Image.open(io.BytesIO(illustrations.to_png(path))) as png:
            assert png.size == (1200, 675)
    assert len(digests) == len(demo.ARTICLES)


def test_the_demo_seed_gives_each_article_its_picture_review_and_references_once(client):
    demo.seed(io.StringIO())
    articles = list(Article.objects.order_by("slug"))
    state = [
        (a.hero_image.name, a.last_reviewed, [r.pk for r in a.references.all()]) for a in articles
    ]
    demo.seed(io.StringIO())  # idempotent
    assert state == [
        (a.hero_image.name, a.last_reviewed, [r.pk for r in a.references.all()])
        for a in Article.objects.order_by("slug")
    ]
    assert len({a.hero_renditions[-1]["name"] for a in articles}) == len(demo.ARTICLES)
    for article in articles:
        assert article.is_reviewed and article.references.exists()
        assert (
            article.hero_alt
            == illustrations.read(illustrations.illustration_path(article.slug)).description
        )
        for reference in article.references.all():
            assert reference.url.startswith("https://doi.org/10.")
            reference.full_clean()
    assert [a.slug for a in Article.objects.review_overdue()] == ["how-a-3d-foot-scan-works"]
    # The page keeps its image's size in the markup, so nothing moves as it loads.
    html = client.get("/articles/foot-posture-and-hip-pain/").content.decode()
    hero = re.search(r'<figure class="article-hero">\s*<img [^>]+>', html).group(0)
    assert re.search(r'width="\d+"', hero) and re.search(r'height="\d+"', hero)
    assert "Reviewed by Dr Hannah Okafor" in html


def test_the_seed_replaces_only_the_old_shared_style_picture():
    old = Article(slug="plantar-heel-pain", title="Old", summary="s", body="b", hero_alt="Old")
    old.hero_image.save("plantar-heel-pain.png", image_file(), save=False)
    old.save()
    staff = Article(slug="knee-pain-on-stairs", title="Own", summary="s", body="b", hero_alt="Mine")
    staff.hero_image.save("my-photo.png", image_file(), save=False)
    staff.save()
    demo.seed(io.StringIO())
    old.refresh_from_db()
    staff.refresh_from_db()
    assert old.hero_image.name.endswith("plantar-heel-pain-diagram.png")
    assert old.hero_alt.startswith("A foot seen from the inside")
    assert staff.hero_image.name.endswith("my-photo.png") and staff.hero_alt == "Mine"


def test_the_drawer_refuses_svg_it_cannot_draw(tmp_path):
    bad = tmp_path / "bad.svg"
    bad.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        '<image href="x.png" width="10" height="10"/></svg>'
    )
    with pytest.raises(illustrations.UnsupportedSVG, match="<image>"):
        illustrations.to_png(bad)
    bad.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        '<rect width="5" height="5" transform="rotate(45)"/></svg>'
    )
    with pytest.raises(illustrations.UnsupportedSVG, match="transform"):
        illustrations.to_png(bad)


def test_the_drawer_draws_paths_fills_and_strokes_where_the_svg_says(tmp_path):
    svg = tmp_path / "shapes.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50">'
        '<rect x="0" y="0" width="100" height="50" fill="#ffffff"/>'
        '<path d="M10 10 L40 10 L40 40 L10 40 Z" fill="#ff0000"/>'
        '<path d="M60 10 q15 30 30 0 z" fill="#0000ff"/>'
        "</svg>"
    )
    with Image.open(io.BytesIO(illustrations.to_png(svg))) as png:
        assert png.size == (100, 50)
        assert png.getpixel((25, 25)) == (255, 0, 0)
        assert png.getpixel((75, 15))[2] > 200 and png.getpixel((75, 15))[0] < 60
        assert png.getpixel((50, 45)) == (255, 255, 255)
