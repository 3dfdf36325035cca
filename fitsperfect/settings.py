"""Settings for every environment, read from the environment (django-environ).

The embedded defaults (SQLite, in-process tasks, a local lab drop folder, test payments) let `make run`
work on a machine with nothing but Python. `DJANGO_ENV=production` turns on the strict settings that
`manage.py check --deploy` expects and refuses to start without real secrets.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
IS_PRODUCTION = DJANGO_ENV == "production"
DEBUG = env.bool("DEBUG", default=not IS_PRODUCTION)
if IS_PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production.")

_DEV_SECRET_KEY = "django-insecure-development-only-key-never-used-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production.")
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "axes",
    "fitsperfect",
    "content",
    "assessments",
    "orders",
    "orders.payments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fitsperfect.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "fitsperfect.urls"
WSGI_APPLICATION = "fitsperfect.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fitsperfect.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery -------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# With no broker, tasks run in-process so the site works with nothing but Python.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# Redis redelivers unacked messages after this; keep it far above task time limits and backoff caps.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Two queues: "celery" (emails, scan checks, purges) and "lab" (hand-offs to the lab, which upload
# up to 2 x 150 MB and may wait on a slow lab). A worker started without -Q consumes both; to keep
# a slow lab from delaying emails, run `worker -Q celery` and a separate `worker -Q lab`.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("celery"), Queue("lab"))
CELERY_TASK_ROUTES = {
    "orders.tasks.send_lab_submission": {"queue": "lab"},
    "orders.tasks.poll_lab": {"queue": "lab"},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One static schedule; apps add their entries below their own settings sections.
CELERY_BEAT_SCHEDULE: dict = {
    # Safety net for scheduled articles whose timed announcement task was lost.
    "content-announce-due-articles": {
        "task": "content.tasks.announce_due_articles",
        "schedule": 15 * 60,
    },
}

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, sharing one client per pool (see fitsperfect/cache.py).
            "BACKEND": "fitsperfect.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="fitsperfect"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions live where every web process finds them, never in one process's memory: in Redis when
# it is configured (a new visitor's session is one SET NX, a changed one one SET XX, no database
# transaction; assessment answers stay in it until a draft row is needed), otherwise in the
# database. Redis must not evict them: keep its maxmemory-policy at noeviction or volatile-*
# (sessions carry an expiry).
SESSION_ENGINE = "fitsperfect.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"
# Sessions hold assessment answers until a draft row does (assessments/progress.py): database
# sessions past their expiry are deleted daily (cache sessions expire by themselves).
CELERY_BEAT_SCHEDULE["sessions-clear-expired"] = {
    "task": "fitsperfect.tasks.clear_expired_sessions",
    "schedule": 24 * 60 * 60,
}

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and private media ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads (scans, photos) are health data: kept outside the web root and never given a public URL.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))
MEDIA_URL = "/private-media-not-served/"  # no URL pattern serves it; downloads go through views
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": MEDIA_URL},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Several web processes and workers on different machines need one shared store: STORAGE_BACKEND=s3
# (or just AWS_STORAGE_BUCKET_NAME) puts the private files in a private S3 bucket instead. Nothing
# there is public: downloads pass the views' access checks, then redirect to a signed URL that
# expires after AWS_QUERYSTRING_EXPIRE seconds (fitsperfect.storage).
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
STORAGE_BACKEND = env.str(
    "STORAGE_BACKEND", default="s3" if AWS_STORAGE_BUCKET_NAME else "local"
).lower()
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=120)
AWS_LOCATION = env.str("AWS_LOCATION", default="")
AWS_S3_MAX_MEMORY_SIZE = env.int("AWS_S3_MAX_MEMORY_SIZE", default=8 * 1024 * 1024)
if STORAGE_BACKEND not in {"local", "s3"}:
    raise ImproperlyConfigured("STORAGE_BACKEND must be 'local' or 's3'.")
if not 1 <= AWS_QUERYSTRING_EXPIRE <= 3600:
    raise ImproperlyConfigured("AWS_QUERYSTRING_EXPIRE must be between 1 and 3600 seconds.")
if STORAGE_BACKEND == "s3":
    from fitsperfect.storage import S3_BACKEND, s3_private_options

    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    # Keys may also come from the environment's usual AWS chain (an instance role): both optional.
    STORAGES["default"] = {
        "BACKEND": S3_BACKEND,
        "OPTIONS": s3_private_options(
            bucket=AWS_STORAGE_BUCKET_NAME,
            endpoint_url=AWS_S3_ENDPOINT_URL,
            region=AWS_S3_REGION_NAME,
            access_key=env.str("AWS_ACCESS_KEY_ID", default=""),
            secret_key=env.str("AWS_SECRET_ACCESS_KEY", default=""),
            expire=AWS_QUERYSTRING_EXPIRE,
            location=AWS_LOCATION,
            max_memory_size=AWS_S3_MAX_MEMORY_SIZE,
        ),
    }
WHITENOISE_USE_FINDERS = not IS_PRODUCTION  # serve straight from static/ without collectstatic
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# --- Email ----------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Fits Perfect <hello@fitsperfect.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who is told that a customer asked for erasure (fitsperfect.data_requests).
PRIVACY_TEAM_EMAIL = env.str("PRIVACY_TEAM_EMAIL", default="privacy@fitsperfect.example")
if IS_PRODUCTION:
    vars().update(env.email_url("EMAIL_URL", default="smtp://localhost:25"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

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
CELERY_BEAT_SCHEDULE["orders-sweep-lab-submissions"] = {
    "task": "orders.tasks.sweep_lab_submissions",
    "schedule": 60.0,
}
# The backup for lost lab webhooks: every LAB_POLL_INTERVAL_SECONDS, ask the lab (HTTP transport)
# about submissions of orders still at the lab that have had no event for LAB_POLL_QUIET_SECONDS.
LAB_POLL_QUIET_SECONDS = env.int("LAB_POLL_QUIET_SECONDS", default=6 * 3600)
CELERY_BEAT_SCHEDULE["orders-poll-lab"] = {
    "task": "orders.tasks.poll_lab",
    "schedule": float(env.int("LAB_POLL_INTERVAL_SECONDS", default=30 * 60)),
}
# Rejected scan uploads are health data with no further use: deleted after this many days.
REJECTED_UPLOAD_RETENTION_DAYS = env.int("REJECTED_UPLOAD_RETENTION_DAYS", default=30)
CELERY_BEAT_SCHEDULE["orders-purge-rejected-scans"] = {
    "task": "orders.tasks.purge_rejected_scans",
    "schedule": 24 * 60 * 60,
}
# Scans stream to disk and are cut off at this size while streaming (orders.uploads).
SCAN_MAX_UPLOAD_BYTES = env.int("SCAN_MAX_UPLOAD_BYTES", default=150 * 1024 * 1024)
SCAN_PHOTO_MAX_BYTES = env.int("SCAN_PHOTO_MAX_BYTES", default=20 * 1024 * 1024)

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

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes logs every sign-in at INFO; its lock-outs (WARNING) are what operators need.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Public media (content app) -------------------------------------------------------------
# Article images are not health data: they live apart from the private MEDIA_ROOT and are served
# at /media/ by content.views.public_media (only files under this root).
PUBLIC_MEDIA_ROOT = Path(env.str("PUBLIC_MEDIA_ROOT", default=str(BASE_DIR / "var" / "public")))
STORAGES["public"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": str(PUBLIC_MEDIA_ROOT),
        "base_url": "/media/",
        "file_permissions_mode": 0o644,
        "directory_permissions_mode": 0o755,
    },
}

# --- Benchmarks -----------------------------------------------------------------------------
# `make bench` measures pages against a constant page served through the same middleware; the
# view answers 404 unless this is on, so it never exists on a real deployment.
BENCHMARK_BARE_VIEW = env.bool("BENCHMARK_BARE_VIEW", default=False)

# --- Shared page cache for anonymous visitors (fitsperfect.pagecache) ------------------------
# Whole public pages that are the same for every anonymous visitor, served from the cache (Redis
# when configured) without running the view. Off in development and tests (0) unless set.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=30 if IS_PRODUCTION else 0)
PAGE_CACHE_PATHS = [
    r"^/$",
    r"^/(how-it-works|privacy|terms|contact)/$",
    r"^/articles/",
    r"^/orthotics/",
]
# Set anew by content.caching (articles) and orders.services.catalogue_changed (products).
PAGE_CACHE_VERSION_KEYS = ["content:version", "orders:catalogue:version"]
PAGE_CACHE_LOCAL_SECONDS = env.float(
    "PAGE_CACHE_LOCAL_SECONDS", default=2.0 if IS_PRODUCTION else 0.0
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("csp.middleware.CSPMiddleware") + 1,
    "fitsperfect.pagecache.AnonymousPageCacheMiddleware",
)

# --- Assessments: abandoned drafts (health data) are deleted after 30 days ----------------------
CELERY_BEAT_SCHEDULE["assessments-purge-abandoned-drafts"] = {
    "task": "assessments.tasks.purge_abandoned_drafts",
    "schedule": 24 * 60 * 60,
}

# --- Security (fitsperfect.ratelimit, fitsperfect.security, fitsperfect.logging) ---------------
# Login lockout (django-axes): every sign-in form (admin, accounts, and so /clinic/, which signs in
# through accounts) goes through `authenticate()`, which axes watches. After AXES_FAILURE_LIMIT
# failed passwords for one account (from whatever addresses), or from one address (for whatever
# accounts), sign-in answers 429 for AXES_COOLOFF_MINUTES; a correct password inside the lock-out
# does not get through. The `login-ip` rate limit below still caps floods of any kind. Failures
# are counted in the database (shared by every web process) and cleaned when they expire.
# Superusers see and clear lock-outs in the admin ("Access attempts"). Successful sign-ins are not logged by
# axes (the audit trail already records who did what; less personal data kept).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
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
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.locale.LocaleMiddleware") + 1,
    "fitsperfect.ratelimit.RateLimitMiddleware",
)

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
    "admin:*",
    "login",
    "logout",
    "password_*",
    "orders:signup",
    "account_data",
    "account_erasure",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "fitsperfect.security.WebhookGuardMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "fitsperfect.security.SensitivePageMiddleware",
)

# Logs and error reports: health answers, addresses, card numbers and secrets are masked.
LOGGING["filters"] = {"redact": {"()": "fitsperfect.logging.RedactingFilter"}}
LOGGING["handlers"]["console"]["filters"] = ["redact"]
DEFAULT_EXCEPTION_REPORTER_FILTER = "fitsperfect.logging.RedactingExceptionReporterFilter"

# Audit trail (fitsperfect.audit_trail): who viewed or changed assessments, scans and orders;
# superusers read it in the admin. URL names and models are listed in that module.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "fitsperfect.audit_trail.AuditTrailMiddleware",
)
