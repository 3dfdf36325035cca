"""What checkout already knows about the buyer, to fill its form in (issue 20): nobody should
type again what they told us a minute ago."""

from __future__ import annotations

from dataclasses import dataclass, field

from orders.address import ADDRESS_FIELDS
from orders.models import Order


@dataclass(frozen=True)
class Prefill:
    """The form's initial values and where they came from ("account", "assessment",
    "last_order"), so the page can say so and the buyer checks them."""

    initial: dict = field(default_factory=dict)
    sources: tuple[str, ...] = ()


def checkout_prefill(*, user, assessment) -> Prefill:
    """The signed-in account's name and email, else the assessment's email; the phone and the
    address of the account's latest order ("the saved address": accounts keep no address of
    their own). An erased order has no account, so it never fills anything in."""
    initial: dict = {}
    sources: list[str] = []
    if getattr(user, "is_authenticated", False):
        account = {"email": user.email, "full_name": user.get_full_name()}
        account = {k: v for k, v in account.items() if v}
        if account:
            initial.update(account)
            sources.append("account")
        last = (
            Order.objects.filter(user=user)
            .exclude(address_line1="")
            .order_by("-created_at")
            .only("email", "full_name", "phone", *ADDRESS_FIELDS)
            .first()
        )
        if last is not None:
            saved = {n: getattr(last, n) for n in ("email", "full_name", "phone", *ADDRESS_FIELDS)}
            initial.update({k: v for k, v in saved.items() if v and k not in initial})
            sources.append("last_order")
    if "email" not in initial and assessment is not None and assessment.contact_email:
        initial["email"] = assessment.contact_email
        sources.append("assessment")
    return Prefill(initial=initial, sources=tuple(sources))
