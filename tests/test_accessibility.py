"""Every page a customer meets, error states included, checked in Chromium for WCAG 2.2 AA.

On each page: axe-core (the npm package in node_modules/, locked in package-lock.json) finds no
violation of any impact; the page reflows at 320 px without sideways scrolling; keyboard focus is
visible and not hidden behind anything; with `prefers-reduced-motion: reduce` nothing animates.
`make test` installs axe-core (npm ci); in CI a missing axe-core fails these tests, locally it
skips them with a message.

`make screenshots` (SCREENSHOTS=1, marker `screenshots`) saves each page at desktop width and at
360 px into test-artifacts/screenshots/.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.browser_checks import (
    ROOT,
    axe_violations,
    fill_checkout,
    format_violations,
    load_axe_source,
)

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def axe_source() -> str:
    return load_axe_source()


# --- Data and navigation: each function leaves the browser on the page to check ---------------


def _seed_content() -> None:
    from content import demo

    demo.seed(io.StringIO())


def _seed_catalogue() -> None:
    from orders.tests.factories import seed_catalogue

    seed_catalogue()


def _article_slug() -> str:
    from content.models import Article

    return Article.objects.filter(status=Article.Status.PUBLISHED).order_by("pk").first().slug


def _continue(page) -> None:
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


STEP_TITLES = [
    "About you",
    "Where it hurts",
    "Health check",
    "Your left foot",
    "Your right foot",
    "Activity",
    "Photos",
]


def _answer_steps(page, *, until: str) -> None:
    """Walks the questionnaire as a person would, stopping on the step titled `until`."""

    _give_consent(page)
    steps = [
        (
            "About you",
            lambda: (page.get_by_label("Your age").fill("44"), page.get_by_label("Female").check()),
        ),
        ("Where it hurts", lambda: None),
        ("Health check", lambda: page.get_by_label("None of these").check()),
        ("Your left foot", _answer_foot(page)),
        ("Your right foot", _answer_foot(page)),
        ("Activity", _answer_activity(page)),
        ("Photos", lambda: None),
    ]
    assert [title for title, _answer in steps] == STEP_TITLES
    for title, answer in steps:
        if title == until:
            return
        answer()
        _continue(page)
    assert until == "Check your answers"


def _answer_foot(page) -> Callable[[], None]:
    """A foot's five picture questions, one per page (the last Continue is the caller's)."""
    from assessments import scoring

    def answer() -> None:
        for number, item in enumerate(scoring.POSTURE_ITEMS, start=1):
            page.locator(f"input[name='{item}'][value='1']").check()
            if number < len(scoring.POSTURE_ITEMS):
                _continue(page)

    return answer


def _answer_activity(page) -> Callable[[], None]:
    def answer() -> None:
        page.get_by_role("group", name="How often do you run").get_by_label(
            "Rarely or never"
        ).check()
        for group in (
            "Have you recently increased",
            "Have you had an overuse injury",
            "Have you worn insoles",
            "Are your joints",
        ):
            page.get_by_role("group", name=group).get_by_label("No", exact=True).check()
        page.get_by_label("Everyday casual shoes").check()

    return answer


def _choose_product(page, *, answer_health_check: bool = True) -> None:
    """Chooses orthotics without an assessment, so checkout's health questions come first."""
    _seed_catalogue()
    page.goto("/orthotics/everyday/")
    page.get_by_label("UK").check()
    page.get_by_label("Shoe size").fill("8")
    page.get_by_label("Leather").check()
    page.get_by_role("button", name="Continue to checkout").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Do any of these apply to you?"
    if answer_health_check:
        page.get_by_label("None of these").check()
        page.get_by_role("group", name="Are you 18 or over?").get_by_label("Yes").check()
        _continue(page)


def _fill_checkout(page) -> None:
    fill_checkout(page)
    page.wait_for_load_state()


def home(page):
    page.goto("/")


def article_list(page):
    _seed_content()
    page.goto("/articles/")


def article(page):
    _seed_content()
    page.goto(f"/articles/{_article_slug()}/")


def topic(page):
    from content.models import Topic

    _seed_content()
    page.goto(f"/articles/topic/{Topic.objects.order_by('pk').first().slug}/")


def assessment_start(page):
    page.goto("/assessment/")


def _give_consent(page) -> None:
    """The question pages come after the health-data consent page."""
    page.goto("/assessment/your-health-information/")
    page.get_by_role("checkbox").check()
    _continue(page)
    assert page.locator("h1").inner_text() == "About you"


def health_data_consent(page):
    page.goto("/assessment/your-health-information/")


def health_data_consent_with_errors(page):
    page.goto("/assessment/your-health-information/")
    _continue(page)
    assert page.locator(".error-summary").is_visible()


def step_about_with_errors(page):
    _give_consent(page)
    page.get_by_label("Your age").fill("200")
    _continue(page)
    assert page.locator(".error-summary").is_visible()


def _step(title: str) -> Callable:
    def visit(page):
        _answer_steps(page, until=title)
        assert page.locator(".step-caption").count()

    visit.__name__ = "step_" + title.lower().replace(" ", "_")
    return visit


def step_red_flags_with_errors(page):
    _answer_steps(page, until="Health check")
    _continue(page)  # nothing ticked
    assert page.locator(".error-summary").is_visible()


def check_your_answers(page):
    _answer_steps(page, until="Check your answers")
    assert page.locator("h1").inner_text().startswith("Check your answers")


def result(page):
    _answer_steps(page, until="Check your answers")
    page.get_by_role("button", name="Send and see my result").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Your foot assessment result"


def referral(page):
    from assessments.tests.factories import referred

    page.goto(f"/assessment/result/{referred().token}/")


def talk_to_a_clinician(page):
    from assessments.tests.factories import submitted

    page.goto(f"/assessment/result/{submitted().token}/talk-to-a-clinician/")


def talk_to_a_clinician_with_errors(page):
    page.goto("/assessment/talk-to-a-clinician/")
    page.get_by_label("Your message").fill("My heel hurts in the morning.")
    page.get_by_role("button", name="Send message").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()


def talk_to_a_clinician_sent(page):
    page.goto("/assessment/talk-to-a-clinician/")
    page.get_by_label("Your name").fill("Gina Green")
    page.get_by_label("Email address").fill("gina@example.com")
    page.get_by_label("Your message").fill("Is +6 a lot?")
    page.get_by_role("button", name="Send message").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Message sent"


def catalogue(page):
    _seed_catalogue()
    page.goto("/orthotics/")


def product(page):
    _seed_catalogue()
    page.goto("/orthotics/everyday/")


def product_with_errors(page):
    _seed_catalogue()
    page.goto("/orthotics/everyday/")
    page.get_by_role("button", name="Continue to checkout").click()
    page.wait_for_load_state()


def checkout_health_check(page):
    _choose_product(page, answer_health_check=False)


def checkout_health_check_with_errors(page):
    _choose_product(page, answer_health_check=False)
    _continue(page)
    assert page.locator(".error-summary").is_visible()


def checkout_referral(page):
    _choose_product(page, answer_health_check=False)
    page.get_by_label("My foot is red, hot and swollen").check()
    page.get_by_role("group", name="Are you 18 or over?").get_by_label("No").check()
    _continue(page)
    assert page.locator("h1").inner_text() == "Please get medical help today"


def checkout(page):
    _choose_product(page)
    assert page.locator("h1").inner_text() == "Checkout"


def checkout_with_errors(page):
    _choose_product(page)
    page.get_by_role("button", name="Continue to the test payment page").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()


def test_payment(page):
    _choose_product(page)
    _fill_checkout(page)
    assert "/checkout/test-payment/" in page.url


def order(page):
    _choose_product(page)
    _fill_checkout(page)
    page.get_by_role("button", name="Pay £").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Order FP-")


def _paid_order_scans_page(page):
    from assessments.tests.factories import submitted
    from orders.tests.factories import create_order, pay

    order = pay(create_order(assessment=submitted()))
    page.goto(order.get_absolute_url())
    page.get_by_role("link", name="Upload your foot scans").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Your foot scans"


def scans(page):
    _paid_order_scans_page(page)


def _upload_scans(page, **files: Path) -> None:
    for label, path in files.items():
        page.get_by_label(label).set_input_files(str(path))
    page.get_by_role("button", name="Upload").click()


def scans_rejected(page, tmp_path):
    _paid_order_scans_page(page)
    not_a_foot = tmp_path / "not-a-foot.stl"
    not_a_foot.write_bytes(b"solid nothing\nendsolid nothing\n" * 50)
    _upload_scans(page, **{"Left foot scan": not_a_foot})
    page.locator(".scan-rejection, .error-summary").first.wait_for(timeout=60_000)


def scans_uploaded(page, tmp_path):
    from orders.tests.foot_meshes import foot_mesh, save

    left, right = tmp_path / "left foot.stl", tmp_path / "right foot.stl"
    save(foot_mesh(mirror=True, rotate_seed=11), left)
    save(foot_mesh(), right)
    _paid_order_scans_page(page)
    _upload_scans(page, **{"Left foot scan": left, "Right foot scan": right})
    page.locator(".scan-measurements").nth(1).wait_for(timeout=60_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.scan-preview img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )


def order_lookup(page):
    page.goto("/orders/")


def how_to_scan(page):
    page.goto("/scans/how-to/")


def sign_in(page):
    page.goto("/accounts/login/")


def sign_in_with_errors(page):
    page.goto("/accounts/login/")
    page.get_by_label("Password").fill("wrong")
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()


def not_found(page):
    page.goto("/no-such-page/")


PAGES: dict[str, Callable] = {
    visit.__name__: visit
    for visit in (
        home,
        article_list,
        article,
        topic,
        assessment_start,
        health_data_consent,
        health_data_consent_with_errors,
        _step("About you"),
        step_about_with_errors,
        _step("Where it hurts"),
        _step("Health check"),
        step_red_flags_with_errors,
        _step("Your left foot"),
        _step("Your right foot"),
        _step("Activity"),
        _step("Photos"),
        check_your_answers,
        result,
        referral,
        talk_to_a_clinician,
        talk_to_a_clinician_with_errors,
        talk_to_a_clinician_sent,
        catalogue,
        product,
        product_with_errors,
        checkout_health_check,
        checkout_health_check_with_errors,
        checkout_referral,
        checkout,
        checkout_with_errors,
        test_payment,
        order,
        scans,
        scans_rejected,
        scans_uploaded,
        how_to_scan,
        order_lookup,
        sign_in,
        sign_in_with_errors,
        not_found,
    )
}

# Violations in pages whose templates belong to the app owners: listed exactly, for them to fix.
KNOWN: dict[str, str] = {}


def _params():
    for name in PAGES:
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN[name])] if name in KNOWN else []
        yield pytest.param(name, marks=marks, id=name)


def _visit(name: str, page, tmp_path: Path) -> None:
    visit = PAGES[name]
    if "tmp_path" in visit.__code__.co_varnames[: visit.__code__.co_argcount]:
        visit(page, tmp_path)
    else:
        visit(page)


# --- Checks -----------------------------------------------------------------------------------

FOCUS_PROBLEMS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return [];
  const problems = [];
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "'
    + (el.textContent || el.value || '').trim().slice(0, 30) + '"';
  if (!outline && !shadow) problems.push('no visible focus indicator: ' + name);
  const box = el.getBoundingClientRect();
  if (box.width > 0 && box.height > 0) {
    const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(box.top + box.height / 2, 0), innerHeight - 1);
    const top = document.elementFromPoint(x, y);
    const label = el.labels && [...el.labels].some(l => l.contains(top));
    if (top && !el.contains(top) && !top.contains(el) && !label)
      problems.push('focus hidden under ' + top.tagName.toLowerCase() + '.' + top.className + ': ' + name);
  }
  return problems;
}"""

MOVING = """() => [...document.querySelectorAll('*')].filter(el => {
  const s = getComputedStyle(el);
  const longest = v => Math.max(...v.split(',').map(t => parseFloat(t) * (t.trim().endsWith('ms') ? 0.001 : 1)));
  return longest(s.transitionDuration) > 0.01 || (s.animationName !== 'none' && longest(s.animationDuration) > 0.01);
}).map(el => el.tagName.toLowerCase() + '.' + el.className)"""

TOO_WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .map(e => e.tagName.toLowerCase() + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40))"""


def _focus_problems(page, tabs: int = 12) -> list[str]:
    """Tabs from the top of the page through the first `tabs` stops."""
    problems: list[str] = []
    page.evaluate("window.scrollTo(0, 0); document.activeElement && document.activeElement.blur()")
    for _ in range(tabs):
        page.keyboard.press("Tab")
        problems.extend(page.evaluate(FOCUS_PROBLEMS))
    return sorted(set(problems))


@pytest.mark.parametrize("name", list(_params()))
def test_page_is_accessible(name, page, axe_source, settings, tmp_path):
    settings.PAYMENTS_TEST_MODE = True
    settings.STRIPE_SECRET_KEY = ""
    failed = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.set_viewport_size(DESKTOP)
    _visit(name, page, tmp_path)
    page.wait_for_load_state("load")

    violations = axe_violations(page, axe_source)

    page.emulate_media(reduced_motion="reduce")
    moving = page.evaluate(MOVING)
    page.emulate_media(reduced_motion="no-preference")

    focus = _focus_problems(page)

    page.set_viewport_size({"width": 320, "height": 640})
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    too_wide = page.evaluate(TOO_WIDE) if scroll_width > 320 else []

    problems = []
    if violations:
        problems.append("axe-core violations:\n" + format_violations(violations))
    if scroll_width > 320:
        problems.append(f"sideways scroll at 320 px ({scroll_width} px): {too_wide[:8]}")
    if focus:
        problems.append(f"keyboard focus: {focus}")
    if moving:
        problems.append(f"moves despite prefers-reduced-motion: {moving[:8]}")
    console_errors = page.console_errors
    if name == "not_found" and failed == [f"404 {page.url}"]:
        console_errors = [e for e in console_errors if "status of 404" not in e]  # its own status
    if console_errors:
        problems.append(f"console errors: {console_errors}; failed requests: {failed}")
    assert not problems, f"{name} at {page.url}\n" + "\n".join(problems)


def _load_lazy_images(page) -> None:
    """A full-page picture does not scroll: bring lazy images in first."""
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    page.evaluate(
        "Promise.all([...document.images].map(i => i.complete ? 0 : i.decode().catch(() => 0)))"
    )
    page.evaluate("window.scrollTo(0, 0)")


@pytest.mark.screenshots
@pytest.mark.parametrize("name", list(PAGES))
def test_screenshot(name, page, settings, tmp_path):
    """Not a check: pictures of every page for people to look at (`make screenshots`)."""
    settings.PAYMENTS_TEST_MODE = True
    settings.STRIPE_SECRET_KEY = ""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(DESKTOP)
    _visit(name, page, tmp_path)
    page.wait_for_load_state("load")
    _load_lazy_images(page)
    page.screenshot(path=SCREENSHOTS / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    _load_lazy_images(page)
    page.screenshot(path=SCREENSHOTS / f"{name}-360.png", full_page=True)
    assert (SCREENSHOTS / f"{name}-360.png").stat().st_size > 0
