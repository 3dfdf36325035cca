"""The journey as one test: one customer walks through the whole product in Chromium.

Home page -> an article -> its call to action -> the assessment (one validation error on the way) ->
check your answers -> the result -> the suggested orthotic -> checkout -> the test payment page (a
signed webhook to the same code path Stripe's would reach) -> the order page says "Paid" -> both foot
scans uploaded with JavaScript, progress bars and all -> a clinician (own browser context) approves
the assessment in /clinic/ -> a real Celery worker sends the order to the fake lab over HTTP -> the
lab reports "shipped" through the signed lab webhook -> staff (own context) see the order, its
timeline, scans and lab submission in Django admin -> the customer follows the link in the shipped
email and sees the tracking number and every email we sent.

Two passes: `desktop` (1280 px, pointer) and `keyboard` (a 360 x 740 phone, keyboard only: Tab,
Shift+Tab, Enter, Space, the arrow keys inside a radio group, and typing; a file input is opened with
Space and given its file through the file chooser). A control Tab cannot reach, or a Tab that does not
move focus, fails the keyboard pass. axe-core checks every customer page on the way (the step with its
error summary too), and each step is saved as `test-artifacts/journey/<pass>/NN-<step>.png`
(git-ignored; `make screenshots` runs these tests as well).

The lab hand-off runs on a real Celery worker (`celery_worker`), which needs PostgreSQL: on SQLite
the worker thread and the live server lock each other's tables (see orders/tests/test_handoff.py).
CI always has PostgreSQL and Redis (a run there without PostgreSQL fails); locally on SQLite the
same journey runs with the tasks in-process instead, and says so in its output.
"""

from __future__ import annotations

import io
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from playwright.sync_api import Locator, Page, expect

from conftest import IN_CI
from tests.browser_checks import ROOT, axe_violations, format_violations, load_axe_source

pytestmark = [
    pytest.mark.browser,
    pytest.mark.journey,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]

ARTIFACTS = ROOT / "test-artifacts" / "journey"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
LAB_SECRET = "journey-lab-webhook-secret"
TRACKING = "JD014600009999"
PASSWORD = "demo-pass-123"
WORKER_TIMEOUT = 120.0  # seconds: a deadline for polling, never a wait in itself

# Each progress bar the upload script shows, as it appears and advances: recorded from inside the
# page (a MutationObserver added through DevTools, so the CSP allows it) into Python, because the
# script reloads the page 300 ms after the last upload finishes.
PROGRESS_OBSERVER = """() => {
  const seen = new WeakSet();
  const report = (bar) => window.__journeyProgress({
    id: bar.id, value: Number(bar.getAttribute('value') || 0),
    cancel: !!bar.closest('.scan-progress')?.querySelector('button.scan-cancel'),
  });
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'attributes' && record.target.tagName === 'PROGRESS') report(record.target);
      for (const node of record.addedNodes || []) {
        if (node.nodeType !== 1) continue;
        for (const bar of node.matches('progress') ? [node] : node.querySelectorAll('progress')) {
          if (!seen.has(bar)) { seen.add(bar); report(bar); }
        }
      }
    }
  }).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['value']});
}"""

FOCUS_STATE = """(el) => {
  const active = document.activeElement;
  const describe = (e) => !e || e === document.body ? 'body'
    : e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.name ? '[name=' + e.name + ']' : '')
      + ' "' + (e.textContent || e.value || '').trim().slice(0, 30) + '"';
  const after = active && active !== document.body
    ? !!(active.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) : true;
  return {focused: el === active, after, active: describe(active)};
}"""

# Every page the customer meets, in order, each checked by axe-core (the step with errors too).
CUSTOMER_PAGES = [
    "home",
    "articles",
    "article",
    "assessment-start",
    "step-about-you",
    "step-about-you-errors",
    "step-where-it-hurts",
    "step-health-check",
    "step-your-left-foot",
    "step-your-left-foot-errors",
    "step-your-right-foot",
    "step-activity",
    "step-photos",
    "check-your-answers",
    "result",
    "product",
    "checkout",
    "test-payment",
    "order-paid",
    "scans-empty",
    "scans-uploaded",
    "order-scans-received",
    "order-shipped",
]

CONSENT_TITLE = "Before you start: your health information"

ANY_FOCUSED = "(els) => els.includes(document.activeElement)"

# In every page of the customer's context, before the page's own scripts: any pointer press is
# reported, so the keyboard pass proves it never used one (and the desktop pass that this works).
POINTER_SPY = """for (const type of ['pointerdown', 'mousedown', 'touchstart']) {
  addEventListener(type, (e) => window.__journeyPointer && window.__journeyPointer(
    type + ' on ' + (e.target.tagName || '').toLowerCase() + ' at ' + location.pathname), true);
}"""


@dataclass
class Journey:
    """The customer's browser and how they use it: pointer (desktop) or keyboard only (phone)."""

    page: Page
    name: str
    keyboard: bool
    axe_source: str
    shots: Path
    number: int = 0
    checked: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Playwright turns on Chromium's file chooser interception when the first "filechooser"
        # listener is added, without waiting for it: a Space pressed right after
        # `expect_file_chooser()` could open (and lose) the dialog before interception is on, about
        # one time in six. A listener from the start keeps interception on for the whole page.
        if self.keyboard:
            self.page.on("filechooser", lambda _chooser: None)

    # --- Evidence -------------------------------------------------------------------------------

    def shot(self, step: str, page: Page | None = None) -> None:
        """Saves the step as NN-<step>.png for people to look at (every run, `make screenshots` too)."""
        self.number += 1
        (page or self.page).screenshot(
            path=self.shots / f"{self.number:02d}-{step}.png", full_page=True
        )

    def check(self, step: str) -> None:
        """A customer page: zero axe-core violations of any impact, then its screenshot."""
        self.page.wait_for_load_state("load")
        violations = axe_violations(self.page, self.axe_source)
        assert not violations, (
            f"[{self.name}] {step} at {self.page.url}: axe-core violations:\n"
            + format_violations(violations)
        )
        self.checked.append(step)
        self.shot(step)

    # --- Input: the same intent, by pointer or by keyboard -------------------------------------

    def follow(self, target: Locator) -> None:
        """Activates a link or a submit button and waits for the page it leads to."""
        with self.page.expect_navigation():
            if self.keyboard:
                self.tab_to(target)
                self.page.keyboard.press("Enter")
            else:
                target.click()

    def fill(self, target: Locator, text: str) -> None:
        if self.keyboard:
            self.tab_to(target)
            self.page.keyboard.press("ControlOrMeta+a")
            self.page.keyboard.type(text)
        else:
            target.fill(text)
        expect(target).to_have_value(text)

    def tick(self, target: Locator) -> None:
        """Checks a checkbox."""
        if self.keyboard:
            self.tab_to(target)
            if not target.is_checked():
                self.page.keyboard.press("Space")
        else:
            target.check()
        expect(target).to_be_checked()

    def choose(self, target: Locator) -> None:
        """Chooses a radio button: by keyboard, Tab to its group, then the arrow keys within it."""
        if self.keyboard:
            name = target.get_attribute("name")
            group = self.page.locator(f"input[type=radio][name='{name}']")
            self.tab_to(group, any_of=True)
            for _ in range(group.count()):
                if target.evaluate("el => el === document.activeElement"):
                    break
                self.page.keyboard.press("ArrowDown")
            if not target.is_checked():
                self.page.keyboard.press("Space")
        else:
            target.check()
        expect(target).to_be_checked()

    def upload(self, target: Locator, path: Path) -> None:
        """Gives a file input its file: by keyboard, Space opens the file chooser."""
        if self.keyboard:
            self.tab_to(target)
            with self.page.expect_file_chooser() as chooser:
                self.page.keyboard.press("Space")
            chooser.value.set_files(str(path))
        else:
            target.set_input_files(str(path))
        assert target.evaluate("el => el.files.length") == 1

    def tab_to(self, target: Locator, *, any_of: bool = False, limit: int = 150) -> None:
        """Moves focus with Tab (or Shift+Tab when the target is above) until it is on `target`.

        Fails on a control Tab never reaches (unreachable) and on a Tab that leaves focus where
        it was (a keyboard trap).
        """
        page = self.page
        one = target.first if any_of else target
        expect(one).to_be_attached()
        path: list[str] = []
        for _ in range(limit):
            if any_of and target.evaluate_all(ANY_FOCUSED):
                return
            state = one.evaluate(FOCUS_STATE)
            if state["focused"] and not any_of:
                return
            if path and path[-1] == state["active"] and state["active"] != "body":
                raise AssertionError(
                    f"[{self.name}] keyboard trap at {page.url}: Tab leaves focus on "
                    f"{state['active']} (trying to reach {target})"
                )
            path.append(state["active"])
            page.keyboard.press("Tab" if state["after"] else "Shift+Tab")
        raise AssertionError(
            f"[{self.name}] not reachable by keyboard at {page.url}: {target}; focus went "
            f"through {path[-12:]}"
        )


# --- Fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def axe_source() -> str:
    return load_axe_source()


@pytest.fixture
def tasks(request, settings) -> str:
    """A real Celery worker on PostgreSQL (always in CI); in-process tasks locally on SQLite."""
    if connection.vendor == "postgresql":
        request.getfixturevalue("celery_worker")
        return "a real Celery worker"
    message = "The journey's real Celery worker needs PostgreSQL (DATABASE_URL); CI always has it."
    if IN_CI:
        pytest.fail(message)
    print(f"\n{message} Running the tasks in-process on SQLite instead.")  # noqa: T201
    return "in-process tasks (SQLite)"


@pytest.fixture
def lab(lab, settings) -> Any:
    """The suite's fake lab (root conftest), with the lab's webhook secret of this journey."""
    settings.LAB_WEBHOOK_SECRET = LAB_SECRET
    return lab


@pytest.fixture
def journey_settings(settings) -> None:
    settings.PAYMENTS_TEST_MODE = True  # no Stripe keys: the test payment page
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""


@pytest.fixture
def meshes(tmp_path) -> tuple[Path, Path]:
    from orders.tests.foot_meshes import foot_mesh, save

    left, right = tmp_path / "left foot.stl", tmp_path / "right foot.stl"
    save(foot_mesh(mirror=True, rotate_seed=11), left)
    save(foot_mesh(), right)
    return left, right


@pytest.fixture
def new_context(browser, live_server) -> Iterator[Callable[..., Any]]:
    """Opens browser contexts on the live server; all are closed at teardown, pass or fail."""
    opened: list[Any] = []

    def open_context(*, viewport: dict) -> Any:
        context = browser.new_context(base_url=live_server.url, viewport=viewport)
        context.set_default_timeout(30_000)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


def _collect_console_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _images_load(page: Page, selector: str) -> None:
    """Every image matching `selector` has loaded (not broken); says which did not, if any."""
    script = (
        "(selector) => [...document.querySelectorAll(selector)]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    try:
        page.wait_for_function(script, arg=selector)
    except Exception as error:
        states = page.eval_on_selector_all(
            selector, "(imgs) => imgs.map(i => [i.src, i.complete, i.naturalWidth])"
        )
        raise AssertionError(f"images not loaded at {page.url}: {states}") from error


def _wait_for(predicate: Callable[[], Any], what: str, timeout: float = WORKER_TIMEOUT) -> Any:
    """Polls the database until `predicate` holds; fails after the deadline saying what it waited for."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


# --- The journey ------------------------------------------------------------------------------


def _walk(
    *,
    new_context,
    live_server,
    lab,
    tasks: str,
    axe_source: str,
    meshes: tuple[Path, Path],
    name: str,
    keyboard: bool,
    viewport: dict,
) -> None:
    from assessments import scoring
    from assessments.models import Assessment
    from assessments.tests.factories import clinician
    from content import demo
    from orders.lab.models import LabSubmission
    from orders.models import Order, OrderEmail
    from orders.scans.models import Scan
    from orders.states import Status
    from orders.tests.factories import seed_catalogue, staff_user

    demo.seed(io.StringIO())
    seed_catalogue()
    shots = ARTIFACTS / name
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)

    context = new_context(viewport=viewport)
    pointer: list[str] = []
    context.expose_binding("__journeyPointer", lambda _source, what: pointer.append(what))
    context.add_init_script(POINTER_SPY)
    page = context.new_page()
    console_errors = _collect_console_errors(page)
    failed: list[str] = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    me = Journey(page=page, name=name, keyboard=keyboard, axe_source=axe_source, shots=shots)

    # 1. Home -> articles -> an article -> its call to action.
    page.goto("/")
    me.check("home")
    me.follow(page.get_by_role("link", name="Read our articles"))
    expect(page.locator("h1")).to_be_visible()
    me.check("articles")
    me.follow(page.locator("main .article-cards h2 a, main .article-cards h3 a").first)
    expect(page.locator(".article-cta")).to_be_visible()
    me.check("article")
    me.follow(page.locator(".article-cta").get_by_role("link", name="Start the foot assessment"))
    expect(page.locator("h1")).to_have_text("Foot assessment")
    assert "article=" in page.url
    me.check("assessment-start")
    me.follow(page.get_by_role("button", name="Start now"))

    # 2. The questionnaire, with exactly one validation error on the way.
    continue_ = page.get_by_role("button", name="Continue")
    expect(page.locator("h1")).to_have_text(re.compile(f"^(About you|{CONSENT_TITLE})$"))
    if page.locator("h1").inner_text() == CONSENT_TITLE:  # where the site asks for consent first
        me.tick(page.get_by_label("I agree that Fits Perfect may store my answers", exact=False))
        me.check("health-data-consent")
        me.follow(continue_)
    expect(page.locator("h1")).to_have_text("About you")
    me.check("step-about-you")
    me.follow(continue_)  # nothing answered
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter your age")
    expect(page).to_have_title(re.compile("^Error: "))
    expect(summary).to_be_focused()  # keyboard and screen-reader users hear the problems first
    me.check("step-about-you-errors")
    me.fill(page.get_by_label("Your age"), "44")
    me.choose(page.get_by_label("Female"))
    me.follow(continue_)

    expect(page.locator("h1")).to_have_text("Where does it hurt?")
    expect(page.locator(".step-caption")).to_have_text("Step 2 of 15")
    expect(page.locator(".error-summary")).to_have_count(0)
    me.choose(page.get_by_label("3 to 12 months"))
    me.fill(page.get_by_label("How bad is the pain"), "6")
    me.check("step-where-it-hurts")
    me.follow(continue_)

    expect(page.locator(".step-caption")).to_have_text("Step 3 of 15")
    me.tick(page.get_by_label("None of these"))
    me.check("step-health-check")
    me.follow(continue_)

    # One picture question per page, five per foot.
    for title, value in (("Your left foot", "2"), ("Your right foot", "1")):
        for number, item in enumerate(scoring.POSTURE_ITEMS, start=1):
            caption = page.locator(".step-caption")
            expect(caption).to_have_text(f"{title}, question {number} of 5")
            if title == "Your left foot" and number == 1:
                me.check("step-your-left-foot")
                me.follow(continue_)  # nothing chosen
                expect(page.locator(".error-summary")).to_contain_text(
                    "Select the picture closest to your left foot"
                )
                me.check("step-your-left-foot-errors")
            me.choose(page.locator(f"input[name='{item}'][value='{value}']"))
            if title == "Your right foot" and number == 1:
                me.check("step-your-right-foot")
            me.follow(continue_)

    expect(page.locator("h1")).to_have_text("Activity and history")
    me.choose(
        page.get_by_role("group", name="How often do you run").get_by_label("Rarely or never")
    )
    for group in (
        "Have you recently increased",
        "Have you had an overuse injury",
        "Have you worn insoles",
        "Are your joints",
    ):
        me.choose(page.get_by_role("group", name=group).get_by_label("No", exact=True))
    me.choose(page.get_by_label("Everyday casual shoes"))
    me.check("step-activity")
    me.follow(continue_)

    expect(page.locator("h1")).to_contain_text("Photos")
    me.check("step-photos")
    me.follow(continue_)

    expect(page.locator("h1")).to_have_text("Check your answers before sending them")
    me.check("check-your-answers")
    me.follow(page.get_by_role("button", name="Send and see my result"))

    expect(page.locator("h1")).to_have_text("Your foot assessment result")
    assessment = Assessment.objects.get()
    assert assessment.band in {"high", "moderate"}, assessment.band
    assert assessment.source_article_slug  # the article's call to action carried it through
    me.check("result")

    # 3. The suggested orthotic -> checkout -> the test payment page -> paid.
    order_link = page.get_by_role("link", name="Order a custom orthotic")
    suggested = f"/orthotics/{assessment.suggested_product_slug}/?assessment={assessment.token}"
    expect(order_link).to_have_attribute("href", suggested)
    me.follow(order_link)
    assert page.url.endswith(suggested)
    me.check("product")
    me.choose(page.get_by_label("UK", exact=True))
    me.fill(page.get_by_label("Shoe size"), "8")
    me.choose(page.get_by_label("Leather"))
    me.follow(page.get_by_role("button", name="Continue to checkout"))

    expect(page.locator("h1")).to_have_text("Checkout")
    me.check("checkout")
    me.fill(page.get_by_label("Email address"), "ann@example.com")
    me.fill(page.get_by_label("Full name"), "Ann Example")
    me.fill(page.get_by_label("Address line 1"), "1 High Street")
    me.fill(page.get_by_label("Town or city"), "London")
    me.fill(page.get_by_label("Postcode or ZIP code"), "SW1A 1AA")
    me.tick(page.get_by_label("I accept the terms of sale"))
    me.tick(page.get_by_label("I agree that Fits Perfect"))
    me.follow(page.get_by_role("button", name="Continue to the test payment page"))

    expect(page.locator("h1")).to_have_text("Test payment page")
    me.check("test-payment")
    me.follow(page.get_by_role("button", name=re.compile(r"^Pay £.* \(test\)$")))

    order = Order.objects.get()
    assert order.assessment_id == assessment.pk and order.email == "ann@example.com"
    expect(page.locator("h1")).to_have_text(f"Order {order.number}")
    expect(page.locator(".next-step")).to_contain_text("Paid, thank you.")
    expect(page.get_by_role("region", name="Timeline")).to_contain_text("Paid")
    me.check("order-paid")

    # 4. Both scans, with JavaScript: a progress bar per file that appears and advances to 100 %.
    me.follow(page.get_by_role("link", name="Upload your foot scans"))
    expect(page.locator("h1")).to_have_text("Your foot scans")
    me.check("scans-empty")
    progress: list[dict] = []
    page.expose_binding("__journeyProgress", lambda _source, event: progress.append(event))
    page.evaluate(PROGRESS_OBSERVER)
    left, right = meshes
    me.upload(page.get_by_label("Left foot scan"), left)
    me.upload(page.get_by_label("Right foot scan"), right)
    # The script uploads by XHR, one file after another, then reloads the page by itself.
    if keyboard:
        me.tab_to(page.get_by_role("button", name="Upload"))
        page.keyboard.press("Enter")
    else:
        page.get_by_role("button", name="Upload").click()
    expect(page.locator(".scan-measurements")).to_have_count(2, timeout=WORKER_TIMEOUT * 1000)
    bars = {event["id"]: [] for event in progress}
    for event in progress:
        bars[event["id"]].append(event["value"])
    assert set(bars) == {"progress-left_scan", "progress-right_scan"}, progress
    for bar, values in bars.items():
        assert values[0] == 0 and values[-1] == 100, (bar, values)
        assert values == sorted(values), (bar, values)  # it only moves forward
    assert all(event["cancel"] for event in progress)  # each bar came with its Cancel button
    expect(page.locator("[data-measure=length]").first).to_have_text(re.compile(r"^\d+ mm$"))
    expect(page.locator(".scan-preview img")).to_have_count(2)
    _images_load(page, ".scan-preview img")
    me.check("scans-uploaded")
    _wait_for(
        lambda: Order.objects.get(pk=order.pk).status == Status.SCANS_RECEIVED,
        "the order to have both scans",
    )
    assert Scan.objects.filter(order=order, is_current=True).count() == 2
    me.follow(page.get_by_role("link", name=f"Back to order {order.number}"))
    expect(page.locator(".next-step")).to_contain_text("A clinician is reviewing them")
    me.check("order-scans-received")

    # 5. A clinician, in a browser of their own, approves the assessment through the review form.
    clinician("nurse")
    clinic = new_context(viewport=DESKTOP).new_page()
    clinic_errors = _collect_console_errors(clinic)
    clinic.goto("/clinic/")
    assert "/accounts/login/" in clinic.url
    clinic.get_by_label("Username or email").fill("nurse")
    clinic.get_by_label("Password").fill(PASSWORD)
    with clinic.expect_navigation():
        clinic.get_by_role("button", name="Sign in").click()
    expect(clinic.locator("h1")).to_have_text("Your day in the clinic")
    me.shot("clinic-queue", clinic)
    with clinic.expect_navigation():
        clinic.get_by_role("link", name=f"#{assessment.pk}").click()
    expect(clinic.locator("h1")).to_have_text(f"Assessment {assessment.pk}")
    expect(clinic.locator("main")).to_contain_text(order.number)  # the scans panel
    clinic.get_by_label("FPI 3: The tilt of the heel, seen from behind").first.select_option("2")
    clinic.get_by_label("Approved for orthotic").check()
    clinic.get_by_label("Notes").fill("Medial posting, both feet.")
    with clinic.expect_navigation():
        clinic.get_by_role("button", name="Record review").click()
    expect(clinic.locator("main")).to_contain_text("Your review has been recorded.")
    me.shot("clinic-approved", clinic)
    # No order goes to the lab without a prescription (issue 19): the clinician confirms the one
    # suggested from the assessment, on the order's clinic page.
    with clinic.expect_navigation():
        clinic.get_by_role("link", name=f"Approve order {order.number} with a prescription").click()
    with clinic.expect_navigation():
        clinic.get_by_role("button", name="Save the prescription").click()
    expect(clinic.locator("main")).to_contain_text(
        f"The prescription for order {order.number} is recorded."
    )

    # 6. The approval queued the hand-off; the worker sends it to the lab, which ships it.
    submission = _wait_for(
        lambda: LabSubmission.objects.filter(
            order=order, status=LabSubmission.Status.SUBMITTED
        ).first(),
        f"the lab submission to be sent by {tasks}",
    )
    assert lab.accepted_count() == 1 and lab.accepted_count(str(submission.pk)) == 1
    received = lab.submissions[str(submission.pk)]
    assert set(received.files) == {"left_scan.stl", "right_scan.stl"}
    assert order.email not in str(received.manifest)  # no personal data leaves for the lab
    _wait_for(
        lambda: Order.objects.get(pk=order.pk).status == Status.SENT_TO_LAB, "sent to the lab"
    )
    response = lab.post_event(
        live_server.url + "/webhooks/lab/",
        LAB_SECRET,
        str(submission.pk),
        "shipped",
        carrier="DHL",
        tracking_number=TRACKING,
    )
    assert response.status_code == 200, response.text
    order.refresh_from_db()
    assert order.status == Status.SHIPPED and order.tracking_number == TRACKING

    # 7. Staff, in their own browser, find the order in admin: status, timeline, scans, lab.
    staff_user("dora")
    admin = new_context(viewport=DESKTOP).new_page()
    admin_errors = _collect_console_errors(admin)
    admin.goto("/admin/")
    admin.get_by_label("Username").fill("dora")
    admin.get_by_label("Password").fill("pw-staff-123456")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Log in").click()
    expect(admin.locator("h1")).to_contain_text("Site administration")
    with admin.expect_navigation():
        admin.locator("#orders-order").get_by_role("link", name="Orders").click()
    admin.locator("#searchbar").fill(order.number)
    with admin.expect_navigation():
        admin.locator("#searchbar").press("Enter")
    me.shot("admin-orders", admin)
    with admin.expect_navigation():
        admin.get_by_role("link", name=order.number, exact=True).click()
    content = admin.locator("#content")
    expect(content).to_contain_text(order.number)
    expect(admin.locator(".field-status").first).to_contain_text("Shipped")
    timeline = admin.locator(".desk-timeline")  # the order desk's timeline (who, what, when)
    for status in ("Paid", "Scans received", "Clinically approved", "Sent to the lab", "Shipped"):
        expect(timeline).to_contain_text(status)
    scans = admin.locator(".inline-group", has_text="Foot scans (newest revision first)")
    expect(scans).to_contain_text("left foot.stl")
    expect(scans).to_contain_text("right foot.stl")
    previews = scans.locator("img[alt^='Sole preview of the']")
    expect(previews).to_have_count(2)
    _images_load(admin, ".inline-group img[alt^='Sole preview']")
    expect(scans).to_contain_text("Length")
    submissions = admin.locator(".inline-group", has_text="Lab submissions")
    expect(submissions).to_contain_text(lab.reference_for(str(submission.pk)))
    expect(submissions).to_contain_text("Submitted")
    me.shot("admin-order", admin)

    # 8. The customer follows the link in the shipped email: tracking number and sent emails.
    _wait_for(
        lambda: (
            not OrderEmail.objects.filter(order=order)
            .exclude(status=OrderEmail.Status.SENT)
            .exists()
            and OrderEmail.objects.filter(order=order, kind=OrderEmail.Kind.SHIPPED).exists()
        ),
        "every email of the order to be sent",
    )
    shipped = [m for m in mail.outbox if m.subject == f"Order {order.number} has shipped"]
    assert len(shipped) == 1 and shipped[0].to == ["ann@example.com"]
    link = re.search(r"https?://\S+?(/orders/[\w-]+/)", shipped[0].body)
    assert link, shipped[0].body
    page.goto(link.group(1))
    expect(page.locator(".tracking-number")).to_have_text(TRACKING)
    expect(page.locator(".order-status")).to_contain_text("Shipped")
    emails = page.locator("section[aria-labelledby=emails-title]")
    expect(emails.get_by_role("heading", name="Emails we have sent you")).to_be_visible()
    subjects = {
        "confirmation": f"Your order {order.number} is confirmed",
        "scans_needed": f"Next step for order {order.number}: scan your feet",
        "sent_to_lab": f"Order {order.number} is with our lab",
        "shipped": f"Order {order.number} has shipped",
    }
    sent = [e.kind for e in OrderEmail.objects.filter(order=order).order_by("sent_at", "id")]
    assert sorted(sent) == sorted(subjects), sent
    expect(emails.locator(".sent-email-subject")).to_have_text([subjects[kind] for kind in sent])
    expect(emails.locator("time")).to_have_count(4)
    me.check("order-shipped")

    expected = CUSTOMER_PAGES
    if "health-data-consent" in me.checked:
        expected = [*expected[:4], "health-data-consent", *expected[4:]]
    assert me.checked == expected, me.checked  # axe-core ran on every one of them
    assert console_errors == [] and failed == [], (console_errors, failed)
    if keyboard:
        assert pointer == [], f"the keyboard pass used a pointer: {pointer[:5]}"
    else:
        assert pointer, "the pointer spy saw no click in the desktop pass: it is not working"
    assert clinic_errors == [] and admin_errors == [], (clinic_errors, admin_errors)


@pytest.mark.parametrize(
    ("name", "keyboard", "viewport"),
    [("desktop", False, DESKTOP), ("keyboard", True, PHONE)],
    ids=["desktop", "phone_keyboard_only"],
)
def test_journey(
    new_context,
    live_server,
    journey_settings,
    lab,
    tasks,
    axe_source,
    meshes,
    name,
    keyboard,
    viewport,
):
    """Desktop with a pointer; then a 360 px phone with the keyboard only."""
    _walk(
        new_context=new_context,
        live_server=live_server,
        lab=lab,
        tasks=tasks,
        axe_source=axe_source,
        meshes=meshes,
        name=name,
        keyboard=keyboard,
        viewport=viewport,
    )


def test_the_keyboard_walker_fails_on_an_unreachable_control_and_on_a_trap(browser, tmp_path):
    """The keyboard pass can fail: Tab never reaching a control, or Tab held in place, is reported."""
    context = browser.new_context()
    try:
        page = context.new_page()
        me = Journey(page=page, name="self-check", keyboard=True, axe_source="", shots=tmp_path)
        page.set_content(
            '<a href="#top">Top</a> <button id="hidden-from-tab" tabindex="-1">Unreachable</button>'
            ' <input id="last" aria-label="Last">'
        )
        with pytest.raises(AssertionError, match="not reachable by keyboard"):
            me.tab_to(page.locator("#hidden-from-tab"), limit=8)
        me.tab_to(page.locator("#last"))  # the walker itself works
        page.set_content(
            '<input id="trap" aria-label="Trap"> <input id="after" aria-label="After">'
            "<script>document.getElementById('trap').addEventListener('keydown',"
            " (e) => { if (e.key === 'Tab') e.preventDefault(); });</script>"
        )
        me.tab_to(page.locator("#trap"))
        with pytest.raises(AssertionError, match="keyboard trap"):
            me.tab_to(page.locator("#after"))
    finally:
        context.close()
