"""The walking skeleton: shell pages, health check, error pages, settings, worker and browser."""

import json
import subprocess
import sys
import uuid

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_page_explains_the_offer_and_leads_on(client: Client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="#main"' in html  # skip link
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in html
    for url_name in ("content:article_list", "assessments:start", "orders:catalogue"):
        assert f'href="{reverse(url_name)}"' in html
    for step in ("Assess", "Order", "Scan", "Made by the lab"):
        assert f"<h3>{step}</h3>" in html


@pytest.mark.parametrize("url", ["/privacy/", "/terms/", "/contact/", "/how-it-works/"])
def test_footer_pages_render(client: Client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    assert b"not a diagnosis" in response.content  # the medical disclaimer in the footer


def test_unknown_page_is_a_404_in_the_site_design(client: Client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"site-header" in response.content


def test_server_error_page_is_in_the_site_design(rf):
    from fitsperfect.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Nothing you entered has been lost" in response.content


def test_healthz_reports_database_and_broker(client: Client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True


def test_healthz_is_503_when_the_broker_is_down(client: Client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {"DJANGO_ENV": "production", "PATH": "/usr/bin:/bin", "ALLOWED_HOSTS": "x.example"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "fitsperfect.settings"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_is_clean_under_production_settings():
    env = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "a-long-random-production-secret-" + uuid.uuid4().hex + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "fitsperfect.example",
        "STRIPE_SECRET_KEY": "sk_live_placeholder_for_check",
        "STRIPE_WEBHOOK_SECRET": "whsec_placeholder_for_check",
        "LAB_WEBHOOK_SECRET": "lab-secret-for-check",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_csp_forbids_inline_code(client: Client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response.headers["Permissions-Policy"]


def test_seed_demo_is_idempotent():
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = get_user_model().objects.count()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert get_user_model().objects.count() == first >= 3


def test_a_real_worker_consumes_a_task_from_the_broker(celery_worker):
    from fitsperfect.tasks import record_worker_heartbeat

    key = uuid.uuid4().hex
    record_worker_heartbeat.delay(key)
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and cache.get(f"worker-heartbeat:{key}") is None:
        time.sleep(0.05)
    assert cache.get(f"worker-heartbeat:{key}") == "alive"


@pytest.mark.browser
def test_browser_follows_the_navigation_without_console_errors(page, live_server):
    page.goto("/")
    assert page.locator("h1").inner_text().startswith("Custom foot orthotics")
    for name, heading in [
        ("Articles", "Articles"),
        ("Foot assessment", None),
        ("Custom orthotics", None),
        ("My order", None),
    ]:
        page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()
        page.wait_for_load_state()
        assert page.locator("h1").count() == 1
        if heading:
            assert heading in page.locator("h1").inner_text()
        assert page.get_by_role("link", name=name).first.get_attribute("aria-current") == "page"
    # The skip link is the first thing a keyboard reaches.
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip to main content" in focused
    assert page.console_errors == []
    assert json.loads(page.goto("/healthz").text())["status"] == "ok"
