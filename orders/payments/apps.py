from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "orders.payments"
    label = "payments"
    verbose_name = _("Payments")
    # An order's rows this app holds, in a customer's data export (fitsperfect.accounts.privacy).
    exported_order_relations = {"payments": set()}

    def ready(self) -> None:
        import stripe
        from django.conf import settings

        # Pinned in settings, not left to whichever SDK is installed (checked on every event).
        stripe.api_version = settings.STRIPE_API_VERSION
