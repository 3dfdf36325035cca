"""Base settings: the environment, apps, middleware, templates, database, auth, languages, files
and email. Read from the environment (django-environ).

The embedded defaults (SQLite, in-process tasks, a local lab drop folder, test payments) let `make run`
work on a machine with nothing but Python. `DJANGO_ENV=production` turns on the strict settings that
`manage.py check --deploy` expects and refuses to start without real secrets.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


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
    "csp",
    "axes",
    "fitsperfect",
    "content",
    "assessments",
    "orders.catalogue",
    "orders",
    "orders.scans",
    "orders.scans.meshes",
    "orders.scans.review",
    "orders.lab",
    "orders.clinic",
    "orders.checkout",
    "orders.payments",
    "orders.orderdesk",
    "orders.reminders",
    "orders.operations",
    "fitsperfect.accounts",  # accounts and privacy: sign-up, account page, export, erasure
]

# Every middleware, in order, written once (each concern's settings module documents its own).
MIDDLEWARE = [
    # NUL or non-UTF-8 bytes in a path or query (and over-long query strings) are a 400 before any
    # other middleware or view reads them (fitsperfect.badinput).
    "fitsperfect.badinput.BadInputMiddleware",
    "fitsperfect.bodylimits.BodyLimitMiddleware",  # settings.security: bodies capped per route
    "django.middleware.security.SecurityMiddleware",
    "fitsperfect.security.SensitivePageMiddleware",  # settings.security: noindex, no-store
    "fitsperfect.security.WebhookGuardMiddleware",  # settings.security: webhook size and type
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fitsperfect.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    # Counts article views per day (no personal data), page-cache hits included (content.viewcount).
    "content.viewcount.ArticleViewCountMiddleware",
    "fitsperfect.pagecache.AnonymousPageCacheMiddleware",  # settings.queues: page cache
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "fitsperfect.ratelimit.RateLimitMiddleware",  # settings.security: rate limits
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fitsperfect.audit_trail.AuditTrailMiddleware",  # who viewed or changed health data
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
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "orders.scans.review.finders.ThreeFinder",  # the 3D view's files from node_modules (npm)
]
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

CRISPY_ALLOWED_TEMPLATE_PACKS = ("fp",)  # fitsperfect.formpack: GOV.UK markup, site CSS
CRISPY_TEMPLATE_PACK = "fp"

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
