"""The Celery app: JSON only, UTC, tasks autodiscovered from each Django app's `tasks.py`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fitsperfect.settings")

app = Celery("fitsperfect")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
