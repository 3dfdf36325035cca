"""Every form page submitted empty and with wrong values, as a careless visitor would (issue 20).

The pages come from the URL confs: `test_every_url_is_crawled_or_listed` fails on a URL that is
neither crawled here nor listed as having no form, so a new form cannot slip past. On each answer
(and on the blank page) the crawl fails on Django's anonymous "This field is required." (and its
"Select a valid choice." and "Ensure this value..."), on an
error-summary entry without a link to an element of the page, on an error page whose title does
not start with "Error: ", on an input, select or textarea without a label, and (in Chromium) on
any axe-core violation.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.browser_checks import axe_violations, format_violations, load_axe_source

# Pages without a form field: nothing to submit wrongly (a button-only form counts here).
NO_FORM_FIELDS = {
    None,  # favicon.ico
    "home",
    "privacy",
    "terms",
    "contact",
    "how-it-works",
    "healthz",
    "healthz_beat",
    "benchmark-bare",
    "orders:account",  # links and one button: "Sign out"
    "account_data",
    "account_erasure",  # one button: "Ask for my data to be erased"
    "logout",
    "password_change_done",
    "password_reset_done",
    "password_reset_complete",
    "content:feed",
    "content:feed_atom",
    "content:newsletter_check_email",
    "content:newsletter_confirm",  # one button
    "content:newsletter_unsubscribe",  # one button
    "orders:reminders_unsubscribe",  # one button
    "orders:clinic_orders",  # a list of orders waiting for a clinician
    "content:public_media",
    "content:robots_txt",
    "content:sitemap",
    "assessments:start",
    "assessments:mine",
    "assessments:photo",
    "assessments:message_sent",
    "assessments:clinic_messages",
    "assessments:clinic_photo",
    "payments:stripe_webhook",
    "payments:receipt",
    "payments:test_payment",  # buttons only: pay, fail, cancel
    "orders:catalogue",
    "orders:health_referral",  # one button: print
    "orders:order_detail",  # one button: pay
    "orders:scan_status",
    "orders:scan_preview",
    "orders:staff_scan_preview",
    "orders:staff_scan_viewer_mesh",
    "orders:scan_how_to",
    "orders:lab_webhook",
}


def _url_names(patterns=None, namespace=None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":  # the admin stays Django's
                continue
            yield from _url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            name = pattern.name
            yield f"{namespace}:{name}" if namespace and name else name


# --- Visitors in the state each form needs ---------------------------------------------------


def _consented() -> Client:
    client = Client()
    assert client.post(reverse("assessments:consent"), {"agree": "on"}).status_code == 302
    return client


def _answered_until(page_slug: str) -> Callable[[], Client]:
    def make() -> Client:
        from assessments.tests.steps import page_data, url

        client = _consented()
        for slug, data in page_data().items():
            if slug == page_slug:
                break
            assert client.post(url(slug), data).status_code == 302, slug
        return client

    return make


def _staff() -> Client:
    from assessments.tests.factories import clinician

    client = Client()
    client.force_login(clinician())
    return client


def _signed_in() -> Client:
    from assessments.tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory())
    return client


def _shopper() -> Client:
    from orders.catalogue.models import Product
    from orders.tests.factories import seed_catalogue

    if not Product.objects.exists():
        seed_catalogue()
    return Client()


def _chose_orthotics() -> Client:
    client = _shopper()
    data = {"size_system": "eu", "size": "42", "top_cover": "leather"}
    assert client.post(reverse("orders:product_detail", args=["everyday"]), data).status_code == 302
    return client


def _passed_health_check() -> Client:
    from orders.tests.factories import answer_health_check

    client = _chose_orthotics()
    assert answer_health_check(client)["Location"] == reverse("orders:checkout")
    return client


@dataclass
class Case:
    """One form page: who visits, where, and the wrong answers it must explain."""

    name: str  # URL name
    visitor: Callable[[], Client]
    url: Callable[[], str]
    wrong: list[dict] = field(default_factory=list)
    method: str = "post"
    post_url: Callable[[], str] | None = None  # where the form posts, if not to its own page
    empty: bool = True  # submitting it empty is a mistake to explain (not a valid answer)

    @property
    def id(self) -> str:
        return self.name


def _step_cases() -> list[Case]:
    from assessments import questions

    wrong = {
        "about-you": [{"age": "nan", "sex": "nobody", "height_cm": "inf", "weight_kg": "1e3"}],
        "your-pain": [{"areas": ["heel"], "pain_score": "11"}, {"areas": ["shin"]}],
        "health-check": [{"flags": ["none", "cancer_history"]}],
        "activity": [{"impact": "daily", "shoes": "clogs"}],
        "photos": [{"footprint": SimpleUploadedFile("print.jpg", b"not a photo", "image/jpeg")}],
    }
    cases = []
    for page in questions.PAGES:
        page_wrong = (
            [{page.item.code: "7"}, {page.item.code: "-2.5"}] if page.item else wrong[page.slug]
        )
        cases.append(
            Case(
                f"assessments:step {page.slug}",
                _answered_until(page.slug),
                lambda slug=page.slug: reverse("assessments:step", kwargs={"slug": slug}),
                page_wrong,
                # Nothing hurting and no photos are answers too.
                empty=page.slug not in ("your-pain", "photos"),
            )
        )
    return cases


def _paid_order_scans_page() -> str:
    from orders.tests.factories import paid_order, seed_catalogue

    seed_catalogue()
    return reverse("orders:scans", args=[paid_order().access_token])


def _submitted_token() -> str:
    from assessments.tests.factories import submitted

    return submitted().token


def _cases() -> list[Case]:
    tokens: dict[str, str] = {}

    def token() -> str:
        if "t" not in tokens:
            tokens["t"] = _submitted_token()
        return tokens["t"]

    def message_pk() -> int:
        from assessments import services

        return services.clinic_message_create(
            name="Ann", email="ann@example.com", message="Does it hurt less in trainers?"
        ).pk

    def review_pk() -> int:
        from assessments.tests.factories import submitted

        return submitted().pk

    def reset_url() -> str:
        from assessments.tests.factories import UserFactory

        user = UserFactory(email="reset@example.com")
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        return reverse(
            "password_reset_confirm",
            kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)},
        )

    reset: dict[str, str] = {}
    made: dict[str, object] = {}

    def emailed_pk() -> int:
        from assessments.tests.factories import submitted

        if "emailed" not in made:
            assessment = submitted()
            assessment.contact_email = "ann@example.com"
            assessment.save(update_fields=["contact_email"])
            made["emailed"] = assessment.pk
        return made["emailed"]

    def reply_token() -> str:
        from assessments.clinic_questions import reply_token as token_of
        from assessments.models import ClinicQuestion

        if "question" not in made:
            made["question"] = ClinicQuestion.objects.create(
                assessment_id=emailed_pk(), question="Which shoes?", email="ann@example.com"
            )
        return token_of(made["question"])

    def paid_order_pk() -> int:
        from orders.tests.factories import create_order, pay, seed_catalogue

        if "order" not in made:
            seed_catalogue()
            made["order"] = pay(create_order()).pk
        return made["order"]

    def reset_page() -> str:
        return reset.setdefault("url", reset_url())

    return [
        Case(
            "assessments:consent", Client, lambda: reverse("assessments:consent"), [{"agree": ""}]
        ),
        *_step_cases(),
        Case(
            "assessments:check",
            _answered_until("done"),
            lambda: reverse("assessments:check"),
            [{"contact_email": "me at example"}],
            empty=False,  # the email address is optional: empty sends the answers
        ),
        Case(
            "assessments:result",
            Client,
            lambda: reverse("assessments:result", kwargs={"token": token()}),
            [{"email": "nobody"}],
            post_url=lambda: reverse("assessments:email_link", kwargs={"token": token()}),
        ),
        Case(
            "assessments:email_link",
            Client,
            lambda: reverse("assessments:result", kwargs={"token": token()}),
            [{"email": "nobody@"}],
            post_url=lambda: reverse("assessments:email_link", kwargs={"token": token()}),
        ),
        Case(
            "assessments:message",
            Client,
            lambda: reverse("assessments:message"),
            [{"name": "A" * 300, "email": "ann@", "message": "Hello"}],
        ),
        Case(
            "assessments:result_message",
            Client,
            lambda: reverse("assessments:result_message", kwargs={"token": token()}),
            [{"name": "Ann", "email": "not an address", "message": "x" * 6000}],
        ),
        Case(
            "assessments:clinic_queue",
            _staff,
            lambda: reverse("assessments:clinic_queue"),
            [
                {"submitted_from_0": "31", "submitted_from_1": "2", "submitted_from_2": "2026"},
                {"submitted_to_0": "3", "status": "lost", "band": "purple"},
            ],
            method="get",
            empty=False,
        ),
        Case(
            "assessments:clinic_calibration",
            _staff,
            lambda: reverse("assessments:clinic_calibration"),
            [{"version": "99"}],
            method="get",
            empty=False,
        ),
        Case(
            "assessments:clinic_message",
            _staff,
            lambda: reverse("assessments:clinic_message", kwargs={"pk": message_pk()}),
            [{"answer": "x" * 6000}],
        ),
        Case(
            "assessments:clinic_assessment",
            _staff,
            lambda: reverse("assessments:clinic_assessment", kwargs={"pk": review_pk()}),
            [{"decision": "maybe", "left_heel_tilt": "9"}, {"decision": "needs_info"}],
        ),
        Case(
            "assessments:clinic_question_ask",
            _staff,
            lambda: reverse("assessments:clinic_assessment", kwargs={"pk": emailed_pk()}),
            [{"question": "x" * 6000}],
            post_url=lambda: reverse(
                "assessments:clinic_question_ask", kwargs={"pk": emailed_pk()}
            ),
        ),
        Case(
            "assessments:question_reply",
            Client,
            lambda: reverse("assessments:question_reply", kwargs={"token": reply_token()}),
            [{"reply": "x" * 6000}],
        ),
        Case(
            "orders:clinic_order",
            _staff,
            lambda: reverse("orders:clinic_order", kwargs={"pk": paid_order_pk()}),
            [
                {"rx-device_type": "dress", "rx-heel_cup_depth_mm": "20", "rx-top_cover": "silk"},
                {"rx-rearfoot_post_left": "forty", "rx-heel_lift_mm": "13"},
            ],
        ),
        Case(
            "content:newsletter_subscribe",
            Client,
            lambda: reverse("content:newsletter_subscribe"),
            [{"email": "news at example"}],
        ),
        Case(
            "content:article_list",
            Client,
            lambda: reverse("content:article_list"),
            [{"q": "heel " * 100}],
            method="get",
            empty=False,
        ),
        Case(
            "content:topic_detail",
            Client,
            lambda: reverse("content:topic_detail", kwargs={"slug": _topic_slug()}),
            [{"q": "<script>"}],
            method="get",
            empty=False,
        ),
        Case(
            "content:article_detail",
            Client,
            lambda: reverse("content:article_detail", kwargs={"slug": _article_slug()}),
            [{"email": "news@"}],
            post_url=lambda: reverse("content:newsletter_subscribe"),
        ),
        Case(
            "orders:product_detail",
            _shopper,
            lambda: reverse("orders:product_detail", args=["everyday"]),
            [
                {"size_system": "uk", "size": "99", "top_cover": "velvet"},
                {"size_system": "mm", "size": "nan", "extra_pair": "maybe"},
                {"size_system": "eu", "size": "4" * 9, "top_cover": "leather"},
            ],
        ),
        Case(
            "orders:health_check",
            _chose_orthotics,
            lambda: reverse("orders:health_check"),
            [{"flags": ["none", "cancer_history"], "adult": "maybe"}, {"flags": ["bogus"]}],
        ),
        Case(
            "orders:checkout",
            _passed_health_check,
            lambda: reverse("orders:checkout"),
            [
                {
                    "email": "ann at example",
                    "full_name": "A" * 200,
                    "phone": "call me",
                    "address_line1": "1 High Street",
                    "city": "London",
                    "postcode": "12345",
                    "country": "GB",
                },
                {"country": "US", "postcode": "94105", "address_line2": "x" * 300},
                {"country": "XX", "accept_terms": "on"},
            ],
        ),
        Case(
            "orders:order_lookup",
            Client,
            lambda: reverse("orders:order_lookup"),
            [
                {"number": "x" * 20, "email": "nobody@"},
                {"number": "FP-AAAAAAAA", "email": "ann@example.com"},  # no such order
            ],
        ),
        Case(
            "orders:scans",
            Client,
            _paid_order_scans_page,
            [{"left_photo": SimpleUploadedFile("foot.jpg", b"not a photo", "image/jpeg")}],
        ),
        Case("login", Client, lambda: reverse("login"), [{"username": "x", "password": "y"}]),
        Case(
            "password_reset",
            Client,
            lambda: reverse("password_reset"),
            [{"email": "reset at example"}],
        ),
        Case(
            "password_reset_confirm",
            Client,
            reset_page,
            [{"new_password1": "short", "new_password2": "other"}],
        ),
        Case(
            "orders:signup",
            Client,
            lambda: reverse("orders:signup"),
            [
                {"email": "ann at example", "password1": "a", "password2": "b"},
                {"email": "ann@example.com", "password1": "short", "password2": "short"},
            ],
        ),
        Case(
            "password_change",
            _signed_in,
            lambda: reverse("password_change"),
            [{"old_password": "wrong", "new_password1": "a", "new_password2": "b"}],
        ),
    ]


def _seed_content() -> None:
    from content import demo
    from content.models import Article

    if not Article.objects.exists():
        demo.seed(io.StringIO())


def _article_slug() -> str:
    from content.models import Article

    _seed_content()
    return Article.objects.filter(status=Article.Status.PUBLISHED).order_by("pk").first().slug


def _topic_slug() -> str:
    from content.models import Topic

    _seed_content()
    return Topic.objects.order_by("pk").first().slug


CASE_NAMES = [
    "assessments:consent",
    "assessments:step",
    "assessments:check",
    "assessments:result",
    "assessments:email_link",
    "assessments:message",
    "assessments:result_message",
    "assessments:clinic_queue",
    "assessments:clinic_calibration",
    "assessments:clinic_message",
    "assessments:clinic_assessment",
    "assessments:clinic_question_ask",
    "assessments:question_reply",
    "orders:clinic_order",
    "content:newsletter_subscribe",
    "content:article_list",
    "content:topic_detail",
    "content:article_detail",
    "orders:product_detail",
    "orders:health_check",
    "orders:checkout",
    "orders:order_lookup",
    "orders:scans",
    "login",
    "password_reset",
    "password_reset_confirm",
    "orders:signup",
    "password_change",
]


def test_every_url_is_crawled_or_listed():
    """A new URL must be crawled (a case below) or listed as having no form field."""
    names = set(_url_names())
    unlisted = names - set(CASE_NAMES) - NO_FORM_FIELDS
    assert not unlisted, f"Add a crawl case (or list it as having no form field): {unlisted}"
    assert {case.name.split()[0] for case in _cases()} == set(CASE_NAMES)
    assert not (set(CASE_NAMES) & NO_FORM_FIELDS)
    assert not (NO_FORM_FIELDS | set(CASE_NAMES)) - names  # none stale


# --- What the crawl checks on a page ---------------------------------------------------------


class _Page(HTMLParser):
    """The parts of a page the checks need: ids, labels, controls, the error summary, title."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.label_for: set[str] = set()
        self.controls: list[dict] = []
        self.summary_items: list[list[str]] = []  # hrefs per error-summary <li>
        self.title = ""
        self._in_title = False
        self._summary_depth = 0
        self._label_depth = 0
        self._div_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "title":
            self._in_title = True
        if tag == "div":
            self._div_depth += 1
            if "error-summary" in (attrs.get("class") or "").split():
                self._summary_depth = self._div_depth
        if self._summary_depth and tag == "li":
            self.summary_items.append([])
        if self._summary_depth and tag == "a" and self.summary_items:
            self.summary_items[-1].append(attrs.get("href", ""))
        if tag == "label":
            self._label_depth += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        if tag in ("input", "select", "textarea"):
            kind = attrs.get("type", "text")
            if kind not in ("hidden", "submit", "button", "image", "reset"):
                self.controls.append({**attrs, "_in_label": bool(self._label_depth)})

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag == "label":
            self._label_depth -= 1
        if tag == "div":
            if self._summary_depth == self._div_depth:
                self._summary_depth = 0
            self._div_depth -= 1

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _problems(html: str) -> list[str]:
    page = _Page()
    page.feed(html)
    problems = []
    for generic in ("This field is required.", "Select a valid choice.", "Ensure this value"):
        if generic in html:
            problems.append(f'"{generic}" names no field')
    for hrefs in page.summary_items:
        if not hrefs or not all(h.startswith("#") and h[1:] in page.ids for h in hrefs):
            problems.append(f"an error-summary entry without a link to a field: {hrefs}")
    if page.summary_items and not page.title.strip().startswith("Error: "):
        problems.append(f"errors shown, but the title does not start with 'Error: ': {page.title}")
    for control in page.controls:
        labelled = (
            control.get("id") in page.label_for
            or control.get("aria-label")
            or control.get("aria-labelledby")
            or control["_in_label"]
        )
        if not labelled:
            problems.append(f"a field without a label: {control.get('name')}")
    return problems


def _answers(case: Case, client: Client) -> list[tuple[str, object]]:
    """(what was sent, response) for the blank page, the empty form and each wrong answer."""
    blank = client.get(case.url(), follow=True)  # (a reset link goes on to its form)
    target = case.post_url() if case.post_url else blank.wsgi_request.path
    sent = [("blank page", blank)]
    submissions = ([{}] if case.empty else []) + case.wrong
    for data in submissions:
        send = client.get if case.method == "get" else client.post
        response = send(target, data)
        if response.status_code == 302 and case.post_url:  # back to the page, with a message
            response = client.get(response.url)
        sent.append((f"{case.method.upper()} {data or 'empty'}"[:120], response))
    return sent


def _serving(html: str):
    def handler(route):
        route.fulfill(status=200, body=html, content_type="text/html")

    return handler


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_form_explains_its_errors_with_labels_and_links_and_passes_axe(page):
    axe_source = load_axe_source()
    failures = []
    errors_seen = 0
    for case in _cases():
        client = case.visitor()
        for what, response in _answers(case, client):
            where = f"{case.name}: {what}"
            if response.status_code not in (200, 400):  # 400: the form page with errors
                if what != "blank page" and response.status_code == 302:
                    # An empty submission that is a valid answer moves on; a wrong one must not.
                    if what != "POST empty" or case.empty:
                        failures.append(f"{where}: accepted ({response.status_code})")
                    continue
                failures.append(f"{where}: status {response.status_code}")
                continue
            html = response.content.decode()
            if what != "blank page":
                if 'class="error-summary"' in html:
                    errors_seen += 1
                elif case.method == "post":
                    failures.append(f"{where}: no error summary")
            failures += [f"{where}: {problem}" for problem in _problems(html)]
            # axe-core on the very page the visitor got, served at its own address.
            address = response.wsgi_request.path
            page.route(f"**{address}*", _serving(html))
            page.goto(address)
            page.wait_for_load_state("load")
            violations = axe_violations(page, axe_source)
            page.unroute(f"**{address}*")
            if violations:
                failures.append(f"{where}: axe-core:\n{format_violations(violations)}")
    assert not failures, "\n".join(failures)
    assert errors_seen >= 40  # the crawl did meet the error pages it is about


def test_no_template_writes_its_own_form_controls():
    """Every form's fields come from django-crispy-forms (the "fp" pack): a template that types an
    <input>, <select> or <textarea> itself (other than hidden values and buttons) skips the
    pack's label, hint, error message and error-summary link."""
    import re
    from pathlib import Path

    from django.conf import settings

    base = Path(settings.BASE_DIR)
    pack = base / "templates" / "fp"
    control = re.compile(r"<(input|select|textarea)\b[^>]*>")
    written = []
    for template in base.rglob("*.html"):
        if {".venv", "node_modules"} & set(template.parts) or pack in template.parents:
            continue
        for form in re.finditer(r"<form\b.*?</form>", template.read_text(), flags=re.S):
            for tag in control.finditer(form.group(0)):
                kind = re.search(r'type="([^"]+)"', tag.group(0))
                if (
                    tag.group(1) == "input"
                    and kind
                    and kind.group(1) in {"hidden", "submit", "button"}
                ):
                    continue
                written.append(f"{template.relative_to(base)}: {tag.group(0)[:80]}")
    assert not written, "\n".join(written)
