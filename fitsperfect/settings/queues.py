"""Redis, the cache, sessions, Celery (queues, routes and the one beat schedule) and the shared
page cache for anonymous visitors."""

from kombu import Queue

from .base import IS_PRODUCTION, env
from .orders import LAB_POLL_INTERVAL_SECONDS

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
# Redis down for a web process: the cache degrades to a per-process one (page cache, rate limits,
# content caches) and sessions to the database, with one warning per minute (fitsperfect.degraded,
# fitsperfect.sessions_fallback). Short socket timeouts, so a Redis that hangs costs seconds, once.
if REDIS_URL:
    CACHES["default"] = {
        **CACHES["default"],
        "BACKEND": "fitsperfect.degraded.DegradingCache",
        "WRAPS": CACHES["default"]["BACKEND"],
        "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 2.0},
    }

# Sessions live where every web process finds them, never in one process's memory: in Redis when
# it is configured (a new visitor's session is one SET NX, a changed one one SET XX, no database
# transaction; assessment answers stay in it until a draft row is needed), otherwise in the
# database. Redis must not evict them: keep its maxmemory-policy at noeviction or volatile-*
# (sessions carry an expiry).
# Redis down: sessions fall back to the database (fitsperfect.sessions_fallback).
SESSION_ENGINE = (
    "fitsperfect.sessions_fallback" if REDIS_URL else "django.contrib.sessions.backends.db"
)

# --- Beat: one static schedule, every periodic task in one place ----------------------------------
CELERY_BEAT_SCHEDULE: dict = {
    # Safety net for scheduled articles whose timed announcement task was lost.
    "content-announce-due-articles": {
        "task": "content.tasks.announce_due_articles",
        "schedule": 15 * 60,
    },
    # Sessions hold assessment answers until a draft row does (assessments/progress.py): database
    # sessions past their expiry are deleted daily (cache sessions expire by themselves).
    "sessions-clear-expired": {
        "task": "fitsperfect.tasks.clear_expired_sessions",
        "schedule": 24 * 60 * 60,
    },
    # Lab submissions and scan checks left behind (a lost enqueue, a dead worker) are sent again.
    "orders-sweep-lab-submissions": {
        "task": "orders.tasks.sweep_lab_submissions",
        "schedule": 60.0,
    },
    # Customer emails (an outbox: orders.emails) whose enqueue or retry was lost are sent again.
    "orders-sweep-order-emails": {
        "task": "orders.tasks.sweep_order_emails",
        "schedule": 60.0,
    },
    # The same for the other customer emails (the shared outbox: fitsperfect.outbox).
    "fitsperfect-sweep-outbox-emails": {
        "task": "fitsperfect.tasks.sweep_outbox_emails",
        "schedule": 60.0,
    },
    # The backup for lost lab webhooks: ask the lab (HTTP transport) about submissions of orders
    # still at the lab that have had no event for LAB_POLL_QUIET_SECONDS (settings.orders).
    "orders-poll-lab": {
        "task": "orders.tasks.poll_lab",
        "schedule": float(LAB_POLL_INTERVAL_SECONDS),
    },
    # Rejected scan uploads past REJECTED_UPLOAD_RETENTION_DAYS.
    "orders-purge-rejected-scans": {
        "task": "orders.tasks.purge_rejected_scans",
        "schedule": 24 * 60 * 60,
    },
    # Reminders (orders.reminders): scans not uploaded, assessment follow-up, delivery follow-up;
    # each sent at most once, so running hourly only decides how soon after it is due one goes.
    "orders-send-due-reminders": {
        "task": "orders.reminders.tasks.send_due_reminders",
        "schedule": 60 * 60,
    },
    # Abandoned assessment drafts (health data) are deleted after 30 days.
    "assessments-purge-abandoned-drafts": {
        "task": "assessments.tasks.purge_abandoned_drafts",
        "schedule": 24 * 60 * 60,
    },
}

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
# Set anew by content.caching (articles) and orders.catalogue.services.catalogue_changed (products).
PAGE_CACHE_VERSION_KEYS = ["content:version", "orders:catalogue:version"]
PAGE_CACHE_LOCAL_SECONDS = env.float(
    "PAGE_CACHE_LOCAL_SECONDS", default=2.0 if IS_PRODUCTION else 0.0
)

# /healthz/beat answers 503 when beat's every-minute sweep has not run for this long.
BEAT_STALE_SECONDS = env.int("BEAT_STALE_SECONDS", default=300)
