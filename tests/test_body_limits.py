"""Request bodies capped by route from Content-Length, unread (fitsperfect.bodylimits); the
real-server measurement (not one body byte read before the 413) is in test_gunicorn_web.py."""

from __future__ import annotations

import pytest
from django.conf import settings

from fitsperfect.bodylimits import body_limit

MB = 1024 * 1024


def test_each_route_has_its_cap_and_the_scan_page_is_the_large_one():
    assert body_limit("/articles/newsletter/") == settings.REQUEST_BODY_MAX_BYTES == MB
    assert body_limit("/accounts/login/") == MB
    assert body_limit("/assessment/questions/photos/") == 46 * MB
    scans = body_limit("/orders/abc/scans/")
    assert scans == 2 * settings.SCAN_MAX_UPLOAD_BYTES + 2 * settings.SCAN_PHOTO_MAX_BYTES + MB
    others = ("/", "/admin/x/", "/checkout/", "/orders/abc/", "/assessment/questions/photos/")
    assert scans > max(body_limit(p) for p in others)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "claimed"),
    [
        ("/articles/newsletter/", 1024 * MB),
        ("/accounts/login/", MB + 1),
        ("/checkout/", 2 * MB),
        ("/assessment/questions/photos/", 200 * MB),
        ("/orders/abc/scans/", 400 * MB),
    ],
)
def test_a_claimed_over_size_body_is_a_413_page_without_reading_it(client, path, claimed):
    response = client.generic(
        "POST", path, b"x" * 10, content_type="text/plain", CONTENT_LENGTH=str(claimed)
    )
    assert response.status_code == 413
    assert "What you sent is too large" in response.content.decode()
    assert response["Connection"] == "close"


@pytest.mark.django_db
def test_a_bad_content_length_is_a_400(client):
    response = client.generic("POST", "/checkout/", b"", CONTENT_LENGTH="-5")
    assert response.status_code == 400


@pytest.mark.django_db
def test_the_scan_pages_script_gets_its_413_as_json(client):
    response = client.generic(
        "POST",
        "/orders/abc/scans/",
        b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(400 * MB),
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 413
    assert response.json()["ok"] is False and "341 MB" in response.json()["errors"]["__all__"]
