"""Consent texts shown at checkout, versioned: each order records which version the customer saw.

Change the wording only together with a new version string, so the stored consent stays provable.
"""

from django.utils.translation import gettext_lazy as _

HEALTH_DATA_CONSENT_VERSION = "health-data-2026-11-25"
HEALTH_DATA_CONSENT_TEXT = _(
    "I agree that Fits Perfect and its lab may process my foot scans and health "
    "information to make my orthotics"
)
