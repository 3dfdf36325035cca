"""`manage.py erase_customer_data --email ann@example.com --actor "Jo (DPO)" [--force] [--dry-run]`:
anonymise a customer and delete their scans and photos (fitsperfect.accounts.privacy)."""

import json

from django.core.management.base import BaseCommand, CommandError

from fitsperfect.accounts.privacy import ErasureBlocked, erase_customer_data, export_customer_data


class Command(BaseCommand):
    help = "Anonymises a customer's personal and health data; keeps order numbers and amounts."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--actor", required=True, help="who asked for and approved this")
        parser.add_argument(
            "--force", action="store_true", help="also erase orders still in progress"
        )
        parser.add_argument("--dry-run", action="store_true", help="only count what is held")

    def handle(self, *args, email: str, actor: str, force: bool, dry_run: bool, **options):
        if dry_run:
            data = export_customer_data(email=email)
            counts = {k: len(v) for k, v in data.items() if isinstance(v, list)}
            self.stdout.write(json.dumps(counts))
            return
        try:
            report = erase_customer_data(email=email, actor=actor, force=force)
        except ErasureBlocked as error:
            raise CommandError(f"Not erased: {error}. Use --force once the lab is told.") from error
        self.stdout.write(self.style.SUCCESS(json.dumps(report.as_dict())))
