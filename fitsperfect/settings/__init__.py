"""Settings for every environment, read from the environment (django-environ), split by concern.

`DJANGO_SETTINGS_MODULE=fitsperfect.settings` loads them all, in this order:

- `base`: the environment, apps, the whole middleware list (once, in order), templates, database,
  auth, languages, private and public files, email.
- `orders`: payments (Stripe), the lab hand-off, scan uploads.
- `queues`: Redis, the cache, sessions, Celery and its one beat schedule, the page cache.
- `security`: headers, content security policy, sign-in lock-out, rate limits, webhook guards,
  sensitive pages, log redaction.

The embedded defaults (SQLite, in-process tasks, a local lab drop folder, test payments) let
`make run` work on a machine with nothing but Python. `DJANGO_ENV=production` turns on the strict
settings that `manage.py check --deploy` expects and refuses to start without real secrets.
"""

from .base import *  # noqa: F403
from .orders import *  # noqa: F403
from .queues import *  # noqa: F403
from .security import *  # noqa: F403
