from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckoutConfig(AppConfig):
    """Checkout: the chosen product, the health questions an order without an assessment must
    pass, the customer's details, and the hand-over to payment. It writes through the order app's
    services; it owns no model."""

    name = "orders.checkout"
    label = "checkout"
    verbose_name = _("Checkout")
