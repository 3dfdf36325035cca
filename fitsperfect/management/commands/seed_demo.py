"""`python manage.py seed_demo`: idempotent demo data for `make run`.

Each app contributes through an optional `<app>/demo.py` with a `seed(stdout) -> None` function, so
features add their own demo data without editing this command. Running it twice changes nothing.
"""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from fitsperfect.layout import PROJECT_PACKAGES

# Apps seed in dependency order: content before assessments before orders.
SEED_ORDER = PROJECT_PACKAGES


class Command(BaseCommand):
    help = "Load the demo data (idempotent)."

    def handle(self, *args, **options) -> None:
        for label in SEED_ORDER:
            if not apps.is_installed(label):
                continue
            try:
                module = import_module(f"{label}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{label}.demo":
                    raise
                continue
            with transaction.atomic():
                module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
