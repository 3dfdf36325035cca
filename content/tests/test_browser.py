"""A reader on a phone finds an article, reads it, and follows its call to action."""

import re

import pytest

from .factories import ArticleFactory, TopicFactory, image_file

PHONE = {"width": 375, "height": 740}


@pytest.mark.browser
def test_reading_an_article_on_a_phone_and_starting_the_assessment(page, transactional_db):
    hip = TopicFactory(name="Hip", slug="hip", assessment_area="hip")
    article = ArticleFactory(
        title="Foot posture and hip pain",
        slug="foot-posture-and-hip-pain",
        summary="How the feet can load the hip.",
        body="Intro paragraph.\n\n## How it happens\n\n"
        + "The arch drops and the leg turns in. " * 80
        + "\n\n## What helps\n\n- Strength work\n- Arch support\n\n"
        + "A long unbroken word: " + "x" * 120,
        hero_alt="A drawing of a leg",
        topics=[hip],
    )  # fmt: skip
    article.hero_image.save("hero.png", image_file(1600, 900), save=True)

    page.set_viewport_size(PHONE)
    page.goto("/articles/")
    page.get_by_role("link", name="Foot posture and hip pain").click()
    page.wait_for_url("**/articles/foot-posture-and-hip-pain/")
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text() == "Foot posture and hip pain"
    # Nothing wider than the phone: no sideways scrolling while reading.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    hero = page.locator(".article-hero img")
    assert hero.evaluate("img => img.complete && img.naturalWidth > 0")
    assert hero.evaluate("img => img.getBoundingClientRect().width") <= PHONE["width"]
    page.set_viewport_size({"width": 320, "height": 640})  # the narrowest phones too
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.set_viewport_size(PHONE)
    # The table of contents jumps to its section.
    page.get_by_role("link", name="What helps").click()
    assert page.url.endswith("#section-what-helps")

    cta = page.get_by_role("link", name="Start the foot assessment")
    cta.scroll_into_view_if_needed()
    assert cta.is_visible()
    with page.expect_navigation():
        cta.click()
    assert re.search(r"/assessment/\?", page.url)
    assert "article=foot-posture-and-hip-pain" in page.url and "area=hip" in page.url
    response = page.request.get(page.url)
    assert response.status == 200
    assert page.locator("h1").count() == 1
    assert page.console_errors == []
