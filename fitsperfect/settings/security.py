"""Security: headers and the content security policy, sign-in lock-out (django-axes), rate limits,
webhook guards, sensitive pages, and logs that mask personal data. The middleware these need are in
`base.MIDDLEWARE`, in order."""

from datetime import timedelta

from csp.constants import NONE, SELF

from .base import (
    AWS_S3_ENDPOINT_URL,
    AWS_S3_REGION_NAME,
    AWS_STORAGE_BUCKET_NAME,
    IS_PRODUCTION,
    STORAGE_BACKEND,
    env,
)
from .orders import SCAN_MAX_UPLOAD_BYTES, SCAN_PHOTO_MAX_BYTES

# --- Security headers -----------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# Previews and photos redirect to the bucket when STORAGE_BACKEND=s3: images may load from there.
if STORAGE_BACKEND == "s3":
    from fitsperfect.storage import s3_origins

    _storage_origins = s3_origins(
        bucket=AWS_STORAGE_BUCKET_NAME, endpoint_url=AWS_S3_ENDPOINT_URL, region=AWS_S3_REGION_NAME
    )
else:
    _storage_origins = []
STORAGE_IMG_SRC = env.list("STORAGE_IMG_SRC", default=_storage_origins)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *STORAGE_IMG_SRC],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF, "https://checkout.stripe.com"],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
if IS_PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=63072000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Logs and error reports: health answers, addresses, card numbers and secrets are masked.
    "filters": {"redact": {"()": "fitsperfect.logging.RedactingFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes logs every sign-in at INFO; its lock-outs (WARNING) are what operators need.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}


# --- Security (fitsperfect.ratelimit, fitsperfect.security, fitsperfect.logging) ---------------
# Login lockout (django-axes): every sign-in form (admin, accounts, and so /clinic/, which signs in
# through accounts) goes through `authenticate()`, which axes watches. After AXES_FAILURE_LIMIT
# failed passwords for one (account, address) pair, or from one address (for whatever accounts),
# sign-in answers 429 for AXES_COOLOFF_MINUTES; a correct password inside the lock-out does not
# get through. The `login-ip` rate limit below still caps floods of any kind. Failures are counted
# in the database (shared by every web process) and cleaned when they expire.
# Superusers see and clear lock-outs in the admin ("Access attempts"). Successful sign-ins are not logged by
# axes (the audit trail already records who did what; less personal data kept).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# Nobody can lock someone else out: failures lock an (account, address) pair, plus a flood limit
# per address (axes' "ip_address" and the `login-ip` rate limit below); five wrong passwords from
# five addresses no longer lock the account itself (issue 17).
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "fitsperfect.security.login_username"
AXES_CLIENT_IP_CALLABLE = "fitsperfect.security.login_client_ip"
AXES_LOCKOUT_CALLABLE = "fitsperfect.security.login_locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Rate limits: fixed windows counted in the default cache (Redis when configured, shared by every
# web process), keyed on the client address.
# Client addresses come from REMOTE_ADDR only: X-Forwarded-For is written by the client and would
# let a bot pick a new address per request. Behind N proxies of ours that append to it, set
# TRUSTED_PROXY_COUNT=N and the N-th address from the right is used instead.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
_LOGIN_PATHS = r"^/(accounts|admin)/login/$"
RATE_LIMITS = [
    # Floods from one address; failed passwords per account are django-axes' job (below).
    {"name": "login-ip", "path": _LOGIN_PATHS, "key": "ip", "limit": 20, "window": 300},
    {
        "name": "password-reset",
        "path": r"^/accounts/password_reset/$",
        "key": "ip",
        "limit": 5,
        "window": 3600,
    },
    {"name": "signup", "path": r"^/accounts/signup/$", "key": "ip", "limit": 10, "window": 3600},
    {
        "name": "assessment-steps",
        "path": r"^/assessment/(questions/|your-health-information/$)",
        "key": "ip",
        "limit": 200,
        "window": 3600,
    },
    {
        "name": "assessment-submit",
        "path": r"^/assessment/check-your-answers/$",
        "key": "ip",
        "limit": 10,
        "window": 3600,
    },
    {
        "name": "assessment-email",
        "path": r"^/assessment/result/[^/]+/email/$",
        "key": "ip",
        "limit": 10,
        "window": 3600,
    },
    {
        "name": "clinic-message",
        "path": r"^/assessment/(result/[^/]+/)?talk-to-a-clinician/$",
        "key": "ip",
        "limit": 5,
        "window": 3600,
    },
    {
        "name": "newsletter",
        "path": r"^/articles/newsletter/$",
        "key": "ip",
        "limit": 10,
        "window": 3600,
    },
    {"name": "checkout", "path": r"^/checkout/$", "key": "ip", "limit": 10, "window": 3600},
    {"name": "order-lookup", "path": r"^/orders/$", "key": "ip", "limit": 10, "window": 900},
    {
        "name": "scan-upload",
        "path": r"^/orders/[^/]+/scans/",
        "key": "ip",
        "limit": 20,
        "window": 3600,
    },
]

# Webhooks: JSON only, bodies above this size refused (413) from Content-Length, unread.
WEBHOOK_PATHS = ["/webhooks/stripe/", "/webhooks/lab/"]
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=256 * 1024)
# Pages whose URL is a key or that show health data or addresses: noindex, no-store and a
# Referrer-Policy that never sends the URL to another site (fitsperfect.security).
SENSITIVE_URL_NAMES = [
    "orders:order_detail",
    "payments:test_payment",
    "payments:receipt",
    "orders:order_lookup",
    "orders:account",
    "orders:scan*",
    "orders:checkout",
    "orders:health_*",
    "orders:clinic_*",
    "assessments:step",
    "assessments:check",
    "assessments:result",
    "assessments:email_link",
    "assessments:photo",
    "assessments:mine",
    "assessments:clinic_*",
    "assessments:question_reply",
    "admin:*",
    "login",
    "logout",
    "password_*",
    "orders:signup",
    "account_data",
    "account_erasure",
]

DEFAULT_EXCEPTION_REPORTER_FILTER = "fitsperfect.logging.RedactingExceptionReporterFilter"


# Request bodies, capped per route from Content-Length before any is read (413;
# fitsperfect.bodylimits). Keep nginx's client_max_body_size the same (README, "Deploying").
_MB = 1024 * 1024
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=_MB)
REQUEST_BODY_LIMITS = [
    # The only large route: two scans and two photos, each also cut off at its cap while streaming.
    {
        "path": r"^/orders/[^/]+/scans/$",
        "max_bytes": 2 * SCAN_MAX_UPLOAD_BYTES + 2 * SCAN_PHOTO_MAX_BYTES + _MB,
    },
    # The assessment's photos step: three photos of at most 15 MB (assessments.forms).
    {"path": r"^/assessment/questions/photos/$", "max_bytes": 3 * 15 * _MB + _MB},
    # Article and product images uploaded by staff.
    {"path": r"^/admin/", "max_bytes": 20 * _MB},
]
