"""The orders area: payments (Stripe), the lab hand-off, scan uploads. The beat entries that run
their periodic tasks are in `queues`."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import BASE_DIR, IS_PRODUCTION, env

# --- Payments (Stripe) ----------------------------------------------------------------------
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")  # only for tests and local fakes
# The API version every request and the webhook endpoint use: the installed SDK's own (stripe 16.1.0).
# Upgrading the SDK means upgrading this and the endpoint's version in Stripe together (README).
STRIPE_API_VERSION = env.str("STRIPE_API_VERSION", default="2026-10-28.endive")
# Without keys, a clearly labelled test payment page stands in for Stripe's hosted page.
PAYMENTS_TEST_MODE = not STRIPE_SECRET_KEY and not IS_PRODUCTION
if IS_PRODUCTION and not (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET):
    raise ImproperlyConfigured(
        "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set in production."
    )
if PAYMENTS_TEST_MODE and not STRIPE_WEBHOOK_SECRET:
    STRIPE_WEBHOOK_SECRET = "whsec_test_mode_local_only"  # noqa: S105
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="gbp")

# --- Lab hand-off ---------------------------------------------------------------------------
LAB_TRANSPORT = env.str("LAB_TRANSPORT", default="http" if IS_PRODUCTION else "folder")
LAB_API_URL = env.str("LAB_API_URL", default="")
LAB_API_KEY = env.str("LAB_API_KEY", default="")
LAB_WEBHOOK_SECRET = env.str(
    "LAB_WEBHOOK_SECRET", default="" if IS_PRODUCTION else "lab-local-secret"
)
LAB_DROP_DIR = Path(env.str("LAB_DROP_DIR", default=str(BASE_DIR / "var" / "lab-drop")))
LAB_TIMEOUT_SECONDS = env.float("LAB_TIMEOUT_SECONDS", default=30.0)
# Our own attempt counter stops a poison submission; retries back off (with full jitter) up to the cap,
# which stays far below the broker's visibility_timeout. The sweep re-sends rows idle this long.
LAB_MAX_ATTEMPTS = env.int("LAB_MAX_ATTEMPTS", default=12)
LAB_RETRY_BACKOFF_SECONDS = env.float("LAB_RETRY_BACKOFF_SECONDS", default=2.0)
LAB_RETRY_BACKOFF_MAX_SECONDS = env.float("LAB_RETRY_BACKOFF_MAX_SECONDS", default=600.0)
LAB_BUSY_RETRY_SECONDS = env.float("LAB_BUSY_RETRY_SECONDS", default=30.0)
LAB_SWEEP_STALE_SECONDS = env.int("LAB_SWEEP_STALE_SECONDS", default=120)
# Told by email when a lab submission fails for good (a 4xx, or out of attempts).
LAB_ALERT_EMAILS = env.list("LAB_ALERT_EMAILS", default=["lab-ops@fitsperfect.example"])
# The lab posts the orthotics to the customer itself: the manifest then carries the delivery
# address (name, address, phone); otherwise the lab ships to us and the manifest carries none.
LAB_SHIPS_TO_CUSTOMER = env.bool("LAB_SHIPS_TO_CUSTOMER", default=False)
# Receipts: prices include VAT at each product's rate (payments.ProductVatRate), else this one
# (UK standard rate). The seller's details printed on every receipt.
VAT_DEFAULT_RATE_BASIS_POINTS = env.int("VAT_DEFAULT_RATE_BASIS_POINTS", default=2000)
SELLER_NAME = env.str("SELLER_NAME", default="Fits Perfect Ltd")
SELLER_ADDRESS = env.list(
    "SELLER_ADDRESS", default=["1 Example Street", "London", "EC1A 1AA", "United Kingdom"]
)
SELLER_VAT_NUMBER = env.str("SELLER_VAT_NUMBER", default="GB 123 4567 89")
# Who hears at once about payment problems: paid twice, disputes, failed refunds, mismatches.
PAYMENTS_ALERT_EMAILS = env.list("PAYMENTS_ALERT_EMAILS", default=["payments@fitsperfect.example"])
# Told at once when a customer email (order confirmation, scans needed...) fails for good.
ORDER_ALERT_EMAILS = env.list("ORDER_ALERT_EMAILS", default=["orders@fitsperfect.example"])
# The backup for lost lab webhooks: every LAB_POLL_INTERVAL_SECONDS, ask the lab (HTTP transport)
# about submissions of orders still at the lab that have had no event for LAB_POLL_QUIET_SECONDS.
LAB_POLL_INTERVAL_SECONDS = env.int("LAB_POLL_INTERVAL_SECONDS", default=30 * 60)
LAB_POLL_QUIET_SECONDS = env.int("LAB_POLL_QUIET_SECONDS", default=6 * 3600)
# Rejected scan uploads are health data with no further use: deleted after this many days.
REJECTED_UPLOAD_RETENTION_DAYS = env.int("REJECTED_UPLOAD_RETENTION_DAYS", default=30)
# Scans stream to disk and are cut off at this size while streaming (orders.scans.uploads).
SCAN_MAX_UPLOAD_BYTES = env.int("SCAN_MAX_UPLOAD_BYTES", default=150 * 1024 * 1024)
SCAN_PHOTO_MAX_BYTES = env.int("SCAN_PHOTO_MAX_BYTES", default=20 * 1024 * 1024)
