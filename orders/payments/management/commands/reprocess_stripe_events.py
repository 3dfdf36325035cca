"""`python manage.py reprocess_stripe_events --failed`: run stored Stripe events that failed again."""

from django.core.management.base import BaseCommand, CommandError

from orders.payments import webhook as payments
from orders.payments.models import StripeEvent


class Command(BaseCommand):
    help = "Process stored, valid Stripe events again (those that failed, or the given ids)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--failed", action="store_true", help="every valid, unprocessed event")
        parser.add_argument("event_ids", nargs="*", help="Stripe event ids (evt_...)")

    def handle(self, *args, failed: bool = False, event_ids=(), **options) -> None:
        if not failed and not event_ids:
            raise CommandError("Give --failed or one or more event ids.")
        queryset = StripeEvent.objects.all()
        if event_ids:
            queryset = queryset.filter(event_id__in=event_ids)
        ok, still_failing = payments.reprocess(queryset)
        self.stdout.write(f"Processed {ok} event(s); {still_failing} still failing.")
        if still_failing:
            for stored in queryset.filter(valid=True, processed=False):
                self.stdout.write(f"  {stored.event_id} {stored.type}: {stored.error}")
