"""Suite-wide fixtures: a real Celery worker, a real browser, and CI's no-skip rule.

In CI (`CI=true`) every test must run: a skip there fails the run, so a missing service or browser
cannot hide behind a green build.
"""

import os
import shutil
import uuid

import pytest

# Playwright's sync API runs an event loop in the main thread; Django's ORM refuses to run beside one
# unless told it is safe (the test thread is the only one using these connections).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path):
    """Uploads, lab drops and caches never leak between tests or into the working tree."""
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": str(tmp_path / "private"),
                "base_url": "/private-media-not-served/",
            },
        },
    }
    if "public" in settings.STORAGES:  # article images (content app): public, but never the tree
        settings.PUBLIC_MEDIA_ROOT = tmp_path / "public"
        settings.STORAGES = {
            **settings.STORAGES,
            "public": {
                **settings.STORAGES["public"],
                "OPTIONS": {
                    **settings.STORAGES["public"].get("OPTIONS", {}),
                    "location": str(tmp_path / "public"),
                },
            },
        }
    settings.LAB_DROP_DIR = tmp_path / "lab-drop"
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"},
    }
    yield


@pytest.fixture(autouse=True)
def _celery_in_process_unless_worker(request):
    """Tests run tasks in-process unless they ask for the real worker, so no message is left
    on the broker for a later test's worker to run against the wrong database state."""
    from fitsperfect.celery import app

    if "celery_worker" in request.fixturenames:
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker consuming from the configured broker (Redis in CI; the in-memory
    transport when no broker is set), in a thread of this process so it shares the test database."""
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings

    from fitsperfect.celery import app

    if IN_CI and not settings.CELERY_BROKER_URL:
        pytest.fail("CI must run the worker tests against a real broker: set REDIS_URL.")
    previous = {
        "task_always_eager": app.conf.task_always_eager,
        "broker_url": app.conf.broker_url,
    }
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.CELERY_BROKER_URL or "memory://"
    _reset_broker_connections(app)
    if settings.CELERY_BROKER_URL:
        app.control.purge()
    with start_worker(
        app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=20
    ) as worker:
        yield worker
    app.conf.update(previous)
    _reset_broker_connections(app)


def _reset_broker_connections(app) -> None:
    """Drop pooled broker connections so the next publish uses the current `broker_url`.

    Even an eager `.delay()` puts a pool in kombu's global registry; closing only `app._pool`
    would leave that registry handing back a closed pool ("Acquire on closed pool"), so the
    registry is reset as a whole.
    """
    from kombu import pools

    pools.reset()
    app._pool = None  # noqa: SLF001
    app.amqp._producer_pool = None  # noqa: SLF001


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)."
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context per test; console errors and failed requests are collected."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """CI refuses skips: a skipped test there is a test that did not prove anything."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if IN_CI and skipped:
        reporter.write_line(f"CI forbids skipped tests; {len(skipped)} were skipped.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = settings.CELERY_BROKER_URL.split("@")[-1] if settings.CELERY_BROKER_URL else "none"
    return [f"database engine: {engine}; celery broker: {broker}"]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "screenshots: saves page screenshots (`make screenshots`, SCREENSHOTS=1)"
    )


def pytest_collection_modifyitems(config, items):
    """Screenshot tests make pictures, not checks: they run only under `make screenshots`."""
    if os.environ.get("SCREENSHOTS", "") not in {"", "0"}:
        return
    kept = [item for item in items if item.get_closest_marker("screenshots") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


# --- S3-compatible object storage (moto's server over real HTTP) ---------------------------------

S3_TEST_REGION = "eu-west-2"
S3_TEST_KEY = "fp-test-access-key"
S3_TEST_SECRET = "fp-test-secret-key"  # noqa: S105 - moto accepts any credentials


class S3Bucket:
    """A bucket on the moto server: its endpoint, name, the storage OPTIONS that point at it and a
    plain boto3 client for looking at what really landed there."""

    def __init__(self, endpoint: str, name: str) -> None:
        import boto3
        from botocore.config import Config

        self.endpoint = endpoint
        self.name = name
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=S3_TEST_REGION,
            aws_access_key_id=S3_TEST_KEY,
            aws_secret_access_key=S3_TEST_SECRET,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def create(self) -> "S3Bucket":
        self.client.create_bucket(
            Bucket=self.name, CreateBucketConfiguration={"LocationConstraint": S3_TEST_REGION}
        )
        return self

    def object_keys(self, prefix: str = "") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=prefix
        )
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def options(self, *, expire: int = 60) -> dict:
        from fitsperfect.storage import s3_private_options

        return s3_private_options(
            bucket=self.name,
            endpoint_url=self.endpoint,
            region=S3_TEST_REGION,
            access_key=S3_TEST_KEY,
            secret_key=S3_TEST_SECRET,
            expire=expire,
            max_memory_size=1024 * 1024,
        )

    def environ(self, *, expire: int = 60) -> dict[str, str]:
        """The environment a subprocess (gunicorn, a Celery worker) needs to use this bucket."""
        return {
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": self.name,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": S3_TEST_REGION,
            "AWS_ACCESS_KEY_ID": S3_TEST_KEY,
            "AWS_SECRET_ACCESS_KEY": S3_TEST_SECRET,
            "AWS_QUERYSTRING_EXPIRE": str(expire),
        }


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on a free port of 127.0.0.1 for the whole session; yields its endpoint."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server) -> S3Bucket:
    """A fresh private bucket for one test (nothing leaks between tests)."""
    return S3Bucket(s3_server, f"fp-test-{uuid.uuid4().hex[:20]}").create()


@pytest.fixture
def s3_storage(_isolated_storage, settings, s3_bucket) -> S3Bucket:
    """The private `default` storage switched to S3 on the moto server for one test.

    Assigning `settings.STORAGES` sends `setting_changed`, which resets Django's storages cache
    and `default_storage`, so every FileField without its own storage (scans, previews, photos)
    uses the bucket; the settings fixture puts the local storage back afterwards.
    """
    settings.STORAGE_BACKEND = "s3"
    settings.AWS_QUERYSTRING_EXPIRE = 60
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_bucket.options()},
    }
    from django.core.files.storage import default_storage

    assert default_storage.bucket_name == s3_bucket.name  # the cache was reset, not stale
    return s3_bucket


@pytest.fixture
def lab(settings):
    """The fake lab over real HTTP (tests/fakes/lab.py), reached through the HTTP transport as in
    production, with short backoffs so retries happen within a test."""
    from tests.fakes.lab import fake_lab

    with fake_lab("test-lab-key") as server:
        settings.LAB_TRANSPORT = "http"
        settings.LAB_API_URL = server.url
        settings.LAB_API_KEY = "test-lab-key"
        settings.LAB_TIMEOUT_SECONDS = 10.0
        settings.LAB_RETRY_BACKOFF_SECONDS = 0.2
        settings.LAB_RETRY_BACKOFF_MAX_SECONDS = 1.0
        settings.LAB_BUSY_RETRY_SECONDS = 0.5
        yield server
