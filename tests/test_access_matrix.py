"""Who may see what: one table, as data, of every URL pattern against five people.

Roles: anonymous, customer A, customer B, staff (the Staff group, `is_staff`), clinician (the
Clinicians group). Every URL is filled in with A's things (A's order token, A's assessment, A's
scan...), so the B column shows what another signed-in customer gets with A's URL.

Outcomes: an HTTP status, "login" (302 to /accounts/login/), "admin-login" (302 to /admin/login/)
or "redirect" (any other 3xx). Token URLs (orders, results) are reachable by whoever holds the
token: the token is the key (256 bits, never in Referer headers, see test_security_headers.py). What
is checked beyond the table: a signed-in customer never gets another's data by id, by mixing their
own token with another's id, or by guessing a token or file name (tests at the end).

`test_every_url_pattern_has_a_row` fails when the URL conf gains a pattern without a row. Rows for
routes that do not exist yet are kept and marked PENDING; they are skipped until the route exists.
"""

from __future__ import annotations

import io
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from PIL import Image

from assessments.clinic_questions import reply_token
from assessments.tests.factories import UserFactory, clinician, submitted
from content.tests.factories import ArticleFactory, SubscriberFactory, TopicFactory
from orders.tests.factories import create_order

ROLES = ("anonymous", "customer_a", "customer_b", "staff", "clinician")
LOGIN = "login"
ADMIN_LOGIN = "admin-login"
REDIRECT = "redirect"
PENDING = "pending"  # a row kept for a route another engineer is still adding


def every(outcome):
    return (outcome,) * 5


PUBLIC = every(200)
SIGNED_IN = (LOGIN, 200, 200, 200, 200)
CLINIC = (LOGIN, 403, 403, 403, 200)

# route (as in the URL conf) -> (method, URL with {placeholders}, outcomes per role[, PENDING])
MATRIX: dict[str, tuple] = {
    # --- site shell
    "": ("GET", "/", PUBLIC),
    "privacy/": ("GET", "/privacy/", PUBLIC),
    # Each signed-in person downloads their own data (the test in test_privacy.py checks whose).
    "account/your-data.json": ("GET", "/account/your-data.json", SIGNED_IN),
    "account/delete-my-data/": ("GET", "/account/delete-my-data/", SIGNED_IN),
    "terms/": ("GET", "/terms/", PUBLIC),
    "contact/": ("GET", "/contact/", PUBLIC),
    "how-it-works/": ("GET", "/how-it-works/", PUBLIC),
    "healthz": ("GET", "/healthz", PUBLIC),
    # Beat's sweep heartbeat: 200 once the sweep has run (the world below runs it).
    "healthz/beat": ("GET", "/healthz/beat", PUBLIC),
    "favicon.ico": ("GET", "/favicon.ico", every(301)),
    "benchmark/bare/": ("GET", "/benchmark/bare/", every(404)),  # off unless BENCHMARK_BARE_VIEW
    # --- accounts (django.contrib.auth.urls)
    "accounts/login/": ("GET", "/accounts/login/", PUBLIC),
    "accounts/logout/": ("GET", "/accounts/logout/", every(405)),  # POST only
    "accounts/password_change/": ("GET", "/accounts/password_change/", SIGNED_IN),
    "accounts/password_change/done/": ("GET", "/accounts/password_change/done/", SIGNED_IN),
    "accounts/password_reset/": ("GET", "/accounts/password_reset/", PUBLIC),
    "accounts/password_reset/done/": ("GET", "/accounts/password_reset/done/", PUBLIC),
    # A's reset link (emailed) works for whoever holds it; signing in changes last_login, which
    # invalidates links made before, so the signed-in columns see the "invalid link" page.
    "accounts/reset/<uidb64>/<token>/": (
        "GET",
        "/accounts/reset/{uid_a}/{reset_a}/",
        (REDIRECT, 200, 200, 200, 200),
    ),
    "accounts/reset/done/": ("GET", "/accounts/reset/done/", PUBLIC),
    "accounts/signup/": ("GET", "/accounts/signup/", (200, REDIRECT, REDIRECT, REDIRECT, REDIRECT)),
    "account/": ("GET", "/account/", SIGNED_IN),
    # --- content
    "articles/": ("GET", "/articles/", PUBLIC),
    "articles/feed/": ("GET", "/articles/feed/", PUBLIC),
    "articles/feed/atom/": ("GET", "/articles/feed/atom/", PUBLIC),
    "articles/topic/<slug:slug>/": ("GET", "/articles/topic/{topic}/", PUBLIC),
    "articles/newsletter/": ("GET", "/articles/newsletter/", PUBLIC),
    "articles/newsletter/check-your-email/": (
        "GET",
        "/articles/newsletter/check-your-email/",
        PUBLIC,
    ),
    "articles/newsletter/confirm/<str:token>/": (
        "GET",
        "/articles/newsletter/confirm/{subscriber_token}/",
        PUBLIC,
    ),
    "articles/newsletter/unsubscribe/<str:token>/": (
        "GET",
        "/articles/newsletter/unsubscribe/{subscriber_token}/",
        PUBLIC,
    ),
    # The follow-up emails' unsubscribe page (a signed token; GET only shows the button).
    "reminders/unsubscribe/<str:token>/": (
        "GET",
        "/reminders/unsubscribe/{subscriber_token}/",
        PUBLIC,
    ),
    "articles/<slug:slug>/": ("GET", "/articles/{article}/", PUBLIC),
    "media/<path:path>": ("GET", "/media/../private/{photo_name}", every(404)),
    "robots.txt": ("GET", "/robots.txt", PUBLIC),
    "sitemap.xml": ("GET", "/sitemap.xml", PUBLIC),
    # --- assessments
    "assessment/": ("GET", "/assessment/", PUBLIC),
    "assessment/your-health-information/": ("GET", "/assessment/your-health-information/", PUBLIC),
    # Question pages come after consent: a visit without it is sent to the consent page.
    "assessment/questions/<slug:slug>/": (
        "GET",
        "/assessment/questions/about-you/",
        every(REDIRECT),
    ),
    "assessment/check-your-answers/": ("GET", "/assessment/check-your-answers/", every(REDIRECT)),
    "assessment/mine/": ("GET", "/assessment/mine/", SIGNED_IN),
    "assessment/result/<str:token>/": ("GET", "/assessment/result/{assessment_token}/", PUBLIC),
    "assessment/result/<str:token>/email/": (
        "GET",
        "/assessment/result/{assessment_token}/email/",
        every(405),
    ),
    "assessment/result/<str:token>/photos/<slug:kind>/": (
        "GET",
        "/assessment/result/{assessment_token}/photos/footprint/",
        PUBLIC,
    ),
    "assessment/result/<str:token>/talk-to-a-clinician/": (
        "GET",
        "/assessment/result/{assessment_token}/talk-to-a-clinician/",
        PUBLIC,
    ),
    "assessment/talk-to-a-clinician/": ("GET", "/assessment/talk-to-a-clinician/", PUBLIC),
    "assessment/talk-to-a-clinician/sent/": (
        "GET",
        "/assessment/talk-to-a-clinician/sent/",
        PUBLIC,
    ),
    "clinic/": ("GET", "/clinic/", CLINIC),
    "clinic/calibration/": ("GET", "/clinic/calibration/", CLINIC),
    "clinic/messages/": ("GET", "/clinic/messages/", CLINIC),
    "clinic/messages/<int:pk>/": ("GET", "/clinic/messages/{message_pk}/", CLINIC),
    "clinic/assessments/<int:pk>/": ("GET", "/clinic/assessments/{assessment_pk}/", CLINIC),
    "clinic/assessments/<int:pk>/photos/<slug:kind>/": (
        "GET",
        "/clinic/assessments/{assessment_pk}/photos/footprint/",
        CLINIC,
    ),
    # Orders without an assessment wait for a clinician (orders.clinic.views).
    "clinic/orders/": ("GET", "/clinic/orders/", CLINIC),
    "clinic/orders/<int:pk>/": ("GET", "/clinic/orders/{unassessed_order_pk}/", CLINIC),
    # A clinician's question to the customer (POST only) and the customer's reply link: the
    # signed token is the key (no sign-in; tampered or expired links find nothing).
    "clinic/assessments/<int:pk>/question/": (
        "GET",
        "/clinic/assessments/{assessment_pk}/question/",
        every(405),
    ),
    "assessment/reply/<str:token>/": ("GET", "/assessment/reply/{reply_token}/", PUBLIC),
    # --- orders
    "orthotics/": ("GET", "/orthotics/", PUBLIC),
    "orthotics/<slug:slug>/": ("GET", "/orthotics/everyday/", PUBLIC),
    "checkout/": ("GET", "/checkout/", every(REDIRECT)),  # nothing chosen: back to the catalogue
    "checkout/health-check/": ("GET", "/checkout/health-check/", every(REDIRECT)),  # the same
    # No red flag answered in this visit: back to the questions.
    "checkout/health-check/referral/": (
        "GET",
        "/checkout/health-check/referral/",
        every(REDIRECT),
    ),
    "checkout/test-payment/<str:token>/": (
        "GET",
        "/checkout/test-payment/{order_token}/",
        PUBLIC,
    ),
    "webhooks/stripe/": ("GET", "/webhooks/stripe/", every(405)),
    "webhooks/lab/": ("GET", "/webhooks/lab/", every(405)),
    "orders/": ("GET", "/orders/", PUBLIC),
    "orders/<str:token>/": ("GET", "/orders/{order_token}/", PUBLIC),
    # The link is the key, as for the order page; A's order is unpaid, so there is no receipt yet.
    "orders/<str:token>/receipt/": ("GET", "/orders/{order_token}/receipt/", every(404)),
    "orders/<str:token>/scans/": ("GET", "/orders/{order_token}/scans/", PUBLIC),
    "orders/<str:token>/scans/status/": ("GET", "/orders/{order_token}/scans/status/", PUBLIC),
    "orders/<str:token>/scans/<int:pk>/preview.png": (
        "GET",
        "/orders/{order_token}/scans/{scan_pk}/preview.png",
        PUBLIC,
    ),
    # Staff with view_scan, and clinicians (every order reaches the lab through one).
    "scans/<int:pk>/preview.png": (
        "GET",
        "/scans/{scan_pk}/preview.png",
        (LOGIN, 403, 403, 200, 200),
    ),
    # The 3D copy, for the same people; the sample scan has none, so 404 after the access check.
    "scans/<int:pk>/viewer.stl": (
        "GET",
        "/scans/{scan_pk}/viewer.stl",
        (LOGIN, 403, 403, 404, 404),
    ),
    "scans/how-to/": ("GET", "/scans/how-to/", PUBLIC),
}

# The admin, grouped by prefix: every admin/ pattern is covered by this group. The sample visits
# each registered model's changelist, add and change pages; anonymous people, customers and
# clinicians (not staff) are sent to the admin login; staff see what the Staff group allows.
ADMIN_PREFIX = "admin/"
ADMIN_PAGES = {
    "admin:index": ("GET", "/admin/", (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, ADMIN_LOGIN)),
    "admin:login": ("GET", "/admin/login/", (200, 200, 200, REDIRECT, 200)),
    # Not staff: sent to the admin index (which then asks for the admin login); staff: POST only.
    "admin:logout": ("GET", "/admin/logout/", (REDIRECT, REDIRECT, REDIRECT, 405, REDIRECT)),
    "admin:password_change": (
        "GET",
        "/admin/password_change/",
        (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, ADMIN_LOGIN),
    ),
    "admin:jsi18n": (
        "GET",
        "/admin/jsi18n/",
        (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, ADMIN_LOGIN),
    ),
}
# What the Staff group may open, per model: (changelist, add, change).
STAFF_ADMIN = {
    "auth.group": (403, 403, 403),
    "auth.user": (403, 403, 403),
    "content.topic": (403, 403, 403),
    "content.article": (403, 403, 403),
    "content.subscriber": (403, 403, 403),
    "assessments.assessment": (403, 403, 403),
    "assessments.review": (403, 403, 403),
    "catalogue.product": (200, 200, 200),
    "orders.order": (200, 403, 200),
    "payments.stripeevent": (200, 403, 200),
    "payments.dispute": (200, 403, 200),
    "payments.productvatrate": (200, 200, 200),
    "orders.orderemail": (200, 403, 200),
    "orders.carrier": (200, 200, 200),  # carriers and their tracking pages are data
    "scans.scan": (200, 403, 200),
    "lab.labsubmission": (200, 403, 200),
    "lab.labevent": (200, 403, 200),
    # The operations page (its changelist); a proxy of orders with nothing to add or open.
    "operations.operationspage": (200, 403, 403),
    # Prescriptions: staff read them (clinicians write them in /clinic/); nobody adds or edits
    # one in the admin, so the change page is the read-only view.
    "clinic_orders.prescription": (200, 403, 200),
    "fitsperfect.accessrecord": (403, 403, 403),  # the audit trail: superusers only
    "fitsperfect.erasurerequest": (403, 403, 403),  # carried out by superusers
    # Who was reminded and who opted out of follow-ups: evidence, superusers only.
    "reminders.sentreminder": (403, 403, 403),
    "reminders.reminderoptout": (403, 403, 403),
    # The outbox's bodies can be health data (a clinician's answer): superusers, or a user given
    # its view/change permission, read and resend them.
    "fitsperfect.outboxemail": (403, 403, 403),
    # Sign-in lock-outs (django-axes): superusers read and clear them.
    "axes.accessattempt": (403, 403, 403),
    "axes.accesslog": (403, 403, 403),
    "axes.accessfailurelog": (403, 403, 403),
}


# --- Walking the URL conf ------------------------------------------------------------------------


def url_patterns() -> list[tuple[str, str | None]]:
    """(route, name) for every pattern, recursively (admin's too)."""

    def walk(patterns, prefix="", namespace=None):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
                yield prefix + str(entry.pattern), name

    return list(walk(get_resolver().url_patterns))


def test_every_url_pattern_has_a_row():
    missing = [
        route
        for route, _name in url_patterns()
        if route not in MATRIX and not route.startswith(ADMIN_PREFIX)
    ]
    assert not missing, f"URL patterns without a row in the access matrix: {missing}"


def test_every_registered_admin_model_has_a_staff_row():
    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}  # noqa: SLF001
    assert registered <= set(STAFF_ADMIN), sorted(registered - set(STAFF_ADMIN))


# --- The people and A's things ----------------------------------------------------------------------


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 100, 50)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def world(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.RATE_LIMITS_ENABLED = False
    from fitsperfect.health import record_beat_sweep

    record_beat_sweep()  # beat's sweep has just run: /healthz/beat is 200 with a broker too
    users = {
        "customer_a": UserFactory(username="customer_a", email="a@example.com"),
        "customer_b": UserFactory(username="customer_b", email="b@example.com"),
        "clinician": clinician("clinician"),
    }
    staff = UserFactory(username="staff", email="staff@example.com", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name="Staff")[0])
    users["staff"] = get_user_model().objects.get(pk=staff.pk)

    assessment_a = submitted()
    assessment_a.user = users["customer_a"]
    assessment_a.save(update_fields=["user"])
    assessment_b = submitted()
    assessment_b.user = users["customer_b"]
    assessment_b.save(update_fields=["user"])
    photo_a = _photo(assessment_a)
    message_a = apps.get_model("assessments", "ClinicMessage").objects.create(
        assessment=assessment_a, name="A", email="a@example.com", message="Is this normal?"
    )
    question_a = apps.get_model("assessments", "ClinicQuestion").objects.create(
        assessment=assessment_a, question="Which shoes?", email="a@example.com"
    )
    _photo(assessment_b)
    order_a = create_order(email="a@example.com", user=users["customer_a"], assessment=assessment_a)
    order_b = create_order(email="b@example.com", user=users["customer_b"], assessment=assessment_b)
    unassessed = create_order(email="a@example.com", user=users["customer_a"])
    scan_a = _scan(order_a)
    scan_b = _scan(order_b)
    topic = TopicFactory(name="Heel pain")
    article = ArticleFactory(topics=[topic])
    subscriber = SubscriberFactory()
    values = {
        "order_token": order_a.access_token,
        "assessment_token": assessment_a.token,
        "assessment_pk": assessment_a.pk,
        "message_pk": message_a.pk,
        "reply_token": reply_token(question_a),
        "unassessed_order_pk": unassessed.pk,
        "photo_name": photo_a.file.name,
        "scan_pk": scan_a.pk if scan_a else 999999,
        "topic": topic.slug,
        "article": article.slug,
        "subscriber_token": getattr(subscriber, "token", "") or "x" * 43,
        "uid_a": urlsafe_base64_encode(force_bytes(users["customer_a"].pk)),
        "reset_a": default_token_generator.make_token(users["customer_a"]),
    }
    return {
        "users": users,
        "values": values,
        "order_a": order_a,
        "order_b": order_b,
        "assessment_a": assessment_a,
        "assessment_b": assessment_b,
        "scan_a": scan_a,
        "scan_b": scan_b,
    }


def _photo(assessment):
    model = apps.get_model("assessments", "AssessmentPhoto")
    photo = model(
        assessment=assessment, kind="footprint", content_type="image/png", width=8, height=8
    )
    photo.file.save("footprint.png", ContentFile(_png()), save=False)
    photo.save()
    return photo


def _scan(order):
    """A scan row with a preview, made directly (the upload pipeline is tested in orders)."""
    try:
        model = apps.get_model("scans", "Scan")
    except LookupError:
        return None
    scan = model(
        order=order,
        side="left",
        revision=1,
        original_name="left.stl",
        file_format="stl",
        status="valid",
    )
    scan.file.save("left.stl", ContentFile(b"solid x\nendsolid x\n"), save=False)
    scan.preview.save("preview.png", ContentFile(_png()), save=False)
    scan.save()
    return scan


def client_for(role: str, world) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


def outcome_of(response) -> object:
    if response.status_code in (302, 303, 307):
        location = response["Location"]
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
        if location.startswith(reverse("login")):
            return LOGIN
        return REDIRECT
    return response.status_code


def _matches(expected, actual) -> bool:
    return expected == actual


def _request(client, method, url):
    return getattr(client, method.lower())(url)


# --- Walking the matrix --------------------------------------------------------------------------

EXISTING = {route for route, _ in url_patterns()}
ROWS = [
    pytest.param(route, *row[:3], id=route or "home")
    for route, row in MATRIX.items()
    if route in EXISTING and PENDING not in row[3:]
]


@pytest.mark.parametrize(("route", "method", "url", "expected"), ROWS)
def test_access_matrix(world, route, method, url, expected):
    target = url.format(**world["values"])
    got = {role: outcome_of(_request(client_for(role, world), method, target)) for role in ROLES}
    wanted = dict(zip(ROLES, expected, strict=True))
    wrong = {r: (wanted[r], got[r]) for r in ROLES if not _matches(wanted[r], got[r])}
    assert not wrong, f"{method} {route}: (expected, got) per role: {wrong}"


@pytest.mark.parametrize(
    ("name", "method", "url", "expected"), [(k, *v) for k, v in ADMIN_PAGES.items()]
)
def test_admin_pages(world, name, method, url, expected):
    got = {r: outcome_of(_request(client_for(r, world), method, url)) for r in ROLES}
    wanted = dict(zip(ROLES, expected, strict=True))
    wrong = {r: (wanted[r], got[r]) for r in ROLES if not _matches(wanted[r], got[r])}
    assert not wrong, f"{name}: {wrong}"


def _admin_sample(world):
    for model in admin.site._registry:  # noqa: SLF001
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        info = (model._meta.app_label, model._meta.model_name)
        obj = model._default_manager.order_by("pk").first()
        urls = [
            reverse("admin:{}_{}_changelist".format(*info)),
            reverse("admin:{}_{}_add".format(*info)),
            reverse("admin:{}_{}_change".format(*info), args=[obj.pk]) if obj else None,
        ]
        yield label, urls


def test_admin_models_sample(world):
    """Changelist, add and change pages of every registered model, for all five people."""
    wrong = []
    for label, urls in _admin_sample(world):
        staff = STAFF_ADMIN.get(label, (403, 403, 403))
        for index, url in enumerate(urls):
            if url is None:
                continue
            for role in ROLES:
                want = staff[index] if role == "staff" else ADMIN_LOGIN
                got = outcome_of(client_for(role, world).get(url))
                if not _matches(want, got):
                    wrong.append((label, url, role, want, got))
    assert not wrong, wrong


# --- Customer A never reaches B's things ---------------------------------------------------------


def test_b_signed_in_sees_none_of_as_orders_or_assessments(world):
    client = client_for("customer_b", world)
    order_a, assessment_a = world["order_a"], world["assessment_a"]
    for path in ("/account/", "/orders/", "/assessment/mine/"):
        body = client.get(path).content.decode()
        assert order_a.number not in body, path
        assert order_a.access_token not in body, path
        assert assessment_a.token not in body, path
    # B's own are there (the page is not simply empty).
    assert world["order_b"].number in client.get("/account/").content.decode()


def test_ids_do_not_open_another_customers_things(world):
    client = client_for("customer_b", world)
    assessment_a = world["assessment_a"]
    for url in (
        f"/clinic/assessments/{assessment_a.pk}/",
        f"/clinic/assessments/{assessment_a.pk}/photos/footprint/",
        f"/clinic/orders/{world['values']['unassessed_order_pk']}/",
        f"/scans/{world['values']['scan_pk']}/preview.png",
    ):
        assert client.get(url).status_code in (403, 404), url


def test_own_token_with_anothers_scan_id_is_not_found(world):
    if world["scan_b"] is None:
        pytest.skip("no Scan model yet")
    client = client_for("customer_a", world)
    url = f"/orders/{world['order_a'].access_token}/scans/{world['scan_b'].pk}/preview.png"
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "template",
    [
        "/orders/{token}/",
        "/orders/{token}/scans/",
        "/orders/{token}/scans/status/",
        "/checkout/test-payment/{token}/",
        "/assessment/result/{token}/",
        "/assessment/result/{token}/photos/footprint/",
    ],
)
def test_guessed_or_altered_tokens_find_nothing(world, template):
    client = client_for("customer_b", world)
    real = world["order_a"].access_token
    for token in (
        real[:-1] + ("A" if real[-1] != "A" else "B"),  # one character off
        real[:20],  # a prefix
        real.upper() if real.upper() != real else real.lower(),
        "1",
        world["order_a"].number,  # the order number is printed on emails: not a key
        str(world["assessment_a"].pk),
    ):
        response = client.get(template.format(token=token))
        assert response.status_code == 404, (template, token, response.status_code)


def test_photo_file_names_are_not_urls(world):
    """Stored file names are random and no URL serves the private storage."""
    name = world["values"]["photo_name"]
    assert re.search(r"[0-9a-f]{32}", name)
    client = client_for("customer_b", world)
    for url in (f"/private-media-not-served/{name}", f"/media/{name}", f"/static/{name}"):
        assert client.get(url).status_code == 404, url
