"""`manage.py export_customer_data --email ann@example.com [--output ann.json]`: a subject access
request answered as JSON (fitsperfect.accounts.privacy.export_customer_data)."""

import json

from django.core.management.base import BaseCommand
from django.core.serializers.json import DjangoJSONEncoder

from fitsperfect.accounts.privacy import export_customer_data


class Command(BaseCommand):
    help = "Writes everything held about a customer's email address as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, email: str, output: str | None = None, **options):
        data = export_customer_data(email=email)
        text = json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            self.stdout.write(self.style.SUCCESS(f"Written to {output}"))
        else:
            self.stdout.write(text)
