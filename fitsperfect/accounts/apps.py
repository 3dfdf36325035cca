from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Accounts and privacy: sign-up, sign-in and password pages (Django's auth views with the
    site's forms), the account page, the data download and erasure request, and the export and
    erasure of a person's data, which each app carries out through its own services.

    Inside `fitsperfect/` (the top level stays fitsperfect, content, assessments, orders); label
    `accounts`. The erasure requests' model stays `fitsperfect.ErasureRequest` (see services.py).
    """

    name = "fitsperfect.accounts"
    label = "accounts"
    verbose_name = _("Accounts and privacy")
