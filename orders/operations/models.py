"""No table of its own: a proxy that gives the operations page its place in the admin's index and
its one permission, `operations.view_operations` (the Staff group has it; superusers have all)."""

from django.utils.translation import gettext_lazy as _

from orders.models import Order


class OperationsPage(Order):
    class Meta:
        proxy = True
        default_permissions = ()
        permissions = [("view_operations", _("Can view the operations page"))]
        verbose_name = _("business at a glance")
        verbose_name_plural = _("business at a glance")
