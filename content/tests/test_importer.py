"""`import_articles`: plain text and Markdown in, well-formed articles out; bad files change nothing."""

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st

from content import services
from content.importer import ImportFileError, parse_file, parse_text
from content.models import Article, ArticleStatusChange, Topic
from content.rendering import render_markdown

from .factories import TopicFactory

pytestmark = pytest.mark.django_db

CLINIC_ARTICLE = Path(settings.BASE_DIR).parent / "shared" / "reference" / "hip-pain-article.txt"


def run(*paths, publish=False) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    args = [str(p) for p in paths] + (["--publish"] if publish else [])
    call_command("import_articles", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


@pytest.mark.skipif(not CLINIC_ARTICLE.exists(), reason="../shared reference material is absent")
def test_the_clinics_hip_article_comes_out_well():
    TopicFactory(name="Hip", slug="hip", assessment_area="hip")
    out, _ = run(CLINIC_ARTICLE, publish=True)
    assert "created" in out
    article = Article.objects.get()
    assert article.title == "The Hidden Connection Between Your Feet and Hip Pain"
    assert article.slug == "the-hidden-connection-between-your-feet-and-hip-pain"
    assert article.is_public
    assert [t.slug for t in article.ordered_topics] == ["hip"]  # guessed from the title
    html = article.body_html
    assert html.count("<h2") == 2
    assert "The Kinetic Chain: A Story of Compensation</h2>" in html
    assert "Ending the Strain at its Source</h2>" in html
    assert html.count("<ol>") == 1 and html.count("<ul>") == 1  # three numbered, two bullets
    assert html.split("<ol>")[1].split("</ol>")[0].count("<li>") == 3
    assert html.split("<ul>")[1].split("</ul>")[0].count("<li>") == 2
    assert "•" not in html
    for boilerplate in (
        "Subscribe",
        "newsletter",
        "Written by",
        "https://fitsperfectorthotics",
        "<p>0</p>",
    ):
        assert boilerplate not in html
    assert html.rstrip().endswith("asking for.</p>")
    assert article.summary.startswith("Chronic hip pain") and len(article.summary) <= 300
    assert article.reading_minutes >= 3 and article.show_toc
    # Re-running changes nothing, not even the updated time.
    updated, changes = article.updated_at, ArticleStatusChange.objects.count()
    out, _ = run(CLINIC_ARTICLE, publish=True)
    assert "unchanged" in out
    article.refresh_from_db()
    assert article.updated_at == updated and ArticleStatusChange.objects.count() == changes


TRICKY_TEXT = (
    "\ufeffRunning Shoes & <Your> Knees\r\n"
    "\r\n"
    "Runners often ask whether shoes matter. They do, but *less* than you think_.\r\n"
    "A line that wraps inside the same paragraph.\r\n"
    "\r\n"
    "What To Look For\r\n"
    "\r\n"
    "Here is the short list:\r\n"
    "\r\n"
    "    1. Fit: room for the toes.\r\n"
    "    2) Grip that suits the ground\r\n"
    "       and a sole that bends at the ball of the foot.\r\n"
    "\r\n"
    "• A heel that does not slip.\r\n"
    "\u2022 Enough room for an insole.\r\n"
    "- Comfort from the first run.\r\n"
    "\r\n"
    "# not a heading, just a hash\r\n"
    "\r\n"
    "That is all there is to it: buy for fit <script>alert(1)</script>, then run.\r\n"
    "\r\n"
    "12\r\n"
    "Share this article\r\n"
    "\r\n"
    "Written by\r\n"
    "\r\n"
    "Jane Runner\r\n"
    "https://example.com/jane\r\n"
)


def test_tricky_plain_text(tmp_path):
    path = write(tmp_path, "tricky.txt", TRICKY_TEXT)
    run(path)
    article = Article.objects.get()
    assert article.title == "Running Shoes & <Your> Knees"
    assert article.slug == "running-shoes-your-knees"
    assert article.status == Article.Status.DRAFT  # files without `published` await review
    html = article.body_html
    assert "<h2" in html and "What To Look For</h2>" in html
    assert html.count("<h2") == 1  # "Here is the short list:" ends with a colon: not a heading
    ordered = html.split("<ol>")[1].split("</ol>")[0]
    assert ordered.count("<li>") == 2
    assert "and a sole that bends at the ball of the foot." in ordered  # continuation line joined
    bullets = html.split("<ul>")[1].split("</ul>")[0]
    assert bullets.count("<li>") == 3
    # Plain text shows as typed: no accidental emphasis, no markup, no live script.
    assert "*less* than you think_." in html
    assert "<em>" not in html
    assert "# not a heading, just a hash" in html
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "A line that wraps inside the same paragraph." in html
    for boilerplate in ("Share this", "Written by", "Jane Runner", "example.com/jane", "<p>12</p>"):
        assert boilerplate not in html
    assert html.rstrip().endswith("then run.</p>")


def test_markdown_with_front_matter(tmp_path):
    TopicFactory(name="Knee", slug="knee", assessment_area="knee")
    path = write(
        tmp_path,
        "stairs.md",
        "---\n"
        "title: Stairs and knees\n"
        "slug: stairs-and-knees\n"
        "summary: Why stairs hurt.\n"
        "topics: [Knee, Running]\n"
        "published: 2025-03-01\n"
        "---\n"
        "# Ignored because front matter has the title? No: it is the first heading\n\n"
        "Body with **bold**.\n\n## Section\n\nText.\n",
    )
    run(path)
    article = Article.objects.get(slug="stairs-and-knees")
    assert article.title == "Stairs and knees"
    assert article.summary == "Why stairs hurt."
    assert [t.slug for t in article.ordered_topics] == ["knee", "running"]
    assert Topic.objects.get(slug="running").name == "Running"  # unknown topics are created
    assert article.published_at == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    assert article.is_public
    assert "<strong>bold</strong>" in article.body_html
    assert article.assessment_area == "knee"


def test_titles_come_from_front_matter_a_heading_or_the_first_line(tmp_path):
    plain = write(tmp_path, "a.txt", "---\ntitle: From front matter\n---\nFirst paragraph.\n")
    repeated = write(tmp_path, "b.txt", "---\ntitle: Same\n---\nSame\n\nText.\n")
    markdown = write(tmp_path, "c.md", "**Bold first line**\n\nText.\n")
    for path in (plain, repeated, markdown):
        run(path)
    first = Article.objects.get(slug="from-front-matter")
    assert "First paragraph." in first.body_html  # not eaten as a title
    assert "Same" not in Article.objects.get(slug="same").body_html
    assert Article.objects.get(slug="bold-first-line").title == "Bold first line"


def test_a_future_date_schedules_the_article(tmp_path):
    path = write(tmp_path, "later.md", "---\ntitle: Later\npublished: 2099-01-01\n---\nSoon.\n")
    run(path)
    article = Article.objects.get(slug="later")
    assert article.status == Article.Status.SCHEDULED and not article.is_public


def test_publish_flag_applies_to_new_articles_only(tmp_path):
    path = write(tmp_path, "news.txt", "News\n\nText.\n")
    run(path, publish=True)
    article = Article.objects.get()
    assert article.is_public
    services.article_unpublish(article=article)  # staff take it down
    out, _ = run(path, publish=True)
    assert "unchanged" in out
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_reimport_updates_changed_articles_only(tmp_path):
    one = write(tmp_path, "one.md", "# One\n\nFirst text.\n")
    two = write(tmp_path, "two.md", "# Two\n\nSecond text.\n")
    run(tmp_path)  # a folder imports every .md/.txt in it
    before = {a.slug: a.updated_at for a in Article.objects.all()}
    one.write_text("# One\n\nFirst text, corrected.\n")
    out, _ = run(one, two)
    assert "one.md: updated" in out and "two.md: unchanged" in out
    after = {a.slug: a.updated_at for a in Article.objects.all()}
    assert after["two"] == before["two"] and after["one"] > before["one"]
    assert "corrected" in Article.objects.get(slug="one").body_html


MALFORMED = [
    ("open.md", "---\ntitle: Never closed\n\nBody\n", 1, "never closed"),
    ("yaml.md", "---\ntitle: ok\nsummary: [unclosed\n---\nBody\n", 3, "front matter"),
    ("tab.md", "---\ntitle: ok\nsummary: a\n  bad: indent: here\n---\nBody\n", 4, "front matter"),
    ("key.md", "---\ntitle: ok\nauthor: me\n---\nBody\n", 3, "unknown front matter key"),
    ("topics.md", "---\ntitle: ok\ntopics: {a: 1}\n---\nBody\n", 3, "topics"),
    ("date.md", "---\ntitle: ok\npublished: someday\n---\nBody\n", 3, "published"),
    ("slug.md", "---\ntitle: ok\nslug: not a slug!\n---\nBody\n", 3, "invalid slug"),
    ("empty.txt", "\n\n  \n", 1, "empty"),
    ("notext.txt", "Just a title\n", 1, "no text"),
    ("list.md", "---\n- a\n- b\n---\nBody\n", 2, "key: value"),
]


@pytest.mark.parametrize(("name", "text", "line", "message"), MALFORMED)
def test_malformed_files_name_the_file_and_line(tmp_path, name, text, line, message):
    path = write(tmp_path, name, text)
    with pytest.raises(ImportFileError) as caught:
        parse_file(path)
    assert caught.value.line == line
    assert message in caught.value.message
    assert str(caught.value).startswith(f"{path}:{line}:")


def test_invalid_utf8_names_the_line(tmp_path):
    path = write(
        tmp_path, "latin1.txt", "Title\n\nFine line\n\nCaf\xe9 au lait\n".encode("latin-1")
    )
    with pytest.raises(ImportFileError) as caught:
        parse_file(path)
    assert caught.value.line == 5 and "UTF-8" in caught.value.message


def test_a_bad_file_imports_nothing_and_the_good_ones_still_import(tmp_path):
    good = write(tmp_path, "good.txt", "Good title\n\nGood text.\n")
    bad = write(tmp_path, "bad.md", "---\ntitle: Bad\nsummary: [oops\n---\nBad body\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_articles", str(bad), str(good), stdout=io.StringIO(), stderr=err)
    assert f"{bad}:3:" in err.getvalue()
    assert list(Article.objects.values_list("slug", flat=True)) == ["good-title"]
    assert not Topic.objects.exists()


def test_a_validation_failure_rolls_back_the_whole_file(tmp_path):
    path = write(
        tmp_path,
        "long.md",
        "---\ntitle: Fine\ntopics: [Brand new topic]\nsummary: short\nslug: feed\n---\nBody\n",
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_articles", str(path), stdout=io.StringIO(), stderr=err)
    assert f"{path}:1:" in err.getvalue() and "reserved" in err.getvalue()
    assert not Article.objects.exists() and not Topic.objects.exists()


@settings_hypothesis(max_examples=150, deadline=None)
@given(text=st.text(max_size=400), suffix=st.sampled_from([".txt", ".md"]))
def test_any_text_is_either_imported_safely_or_refused_with_a_line(text, suffix):
    try:
        parsed = parse_text(text, path=f"any{suffix}")
    except ImportFileError as error:
        assert error.line >= 1 and error.message
        return
    assert parsed.title and parsed.slug and len(parsed.title) <= 200
    html = render_markdown(parsed.body).html.lower()
    assert "<script" not in html and "javascript:" not in html
