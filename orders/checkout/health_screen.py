"""The health questions checkout asks when an order has no assessment (the reference's "gate nobody
can open"): the assessment's own red-flag questions and "are you 18 or over?".

One definition each: the questions are `assessments.forms.RedFlagForm`'s, and the rule that any red
flag, or being under 18, ends in a referral is `assessments.scoring.red_flags_for`. The answers stay
in the session until the order is created, then the order keeps them (`services.order_create`);
`screen_refusal` is what `services.order_clinical_refusal` asks for an order without an assessment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from assessments import questions, scoring
from assessments.services import is_clinician

# Change together with the questions (assessments.questions.RED_FLAG_CHOICES) so each order's
# stored answers say which wording they were given to.
HEALTH_SCREEN_VERSION = "checkout-red-flags-2026-11-30"
SESSION_KEY = "orders_health_screen"


@dataclass(frozen=True)
class HealthScreen:
    """One buyer's answers: the red flags ticked (never "none") and whether they are 18 or over."""

    red_flags: tuple[str, ...]
    adult: bool
    at: datetime
    version: str = HEALTH_SCREEN_VERSION

    @property
    def referral_flags(self) -> tuple[str, ...]:
        """The assessment's rule: the flags ticked, plus "under_18" for a buyer under 18 (any age
        under ADULT_AGE gives the same flag), in the assessment's order."""
        age = None if self.adult else scoring.ADULT_AGE - 1
        answers = scoring.Answers(red_flags=frozenset(self.red_flags), age=age)
        return scoring.red_flags_for(answers)

    @property
    def passed(self) -> bool:
        return not self.referral_flags

    @property
    def urgent(self) -> bool:
        """Same-day help, by the current model's rule (v2: a wound or a red, hot, swollen foot,
        or an injury with inability to bear weight or a visible deformity)."""
        return scoring.urgency_for(self.referral_flags) == scoring.URGENCY_SAME_DAY

    def as_json(self) -> dict:
        return {"red_flags": list(self.red_flags), "adult": self.adult}


def screen_from_answers(*, flags: list[str], adult: bool) -> HealthScreen:
    """From the answers ("None of these" is an answer, not a flag)."""
    return HealthScreen(
        red_flags=tuple(flag for flag in flags if flag in scoring.RED_FLAGS),
        adult=adult,
        at=timezone.now(),
    )


def screen_from_form(cleaned_data: dict) -> HealthScreen:
    """From `forms.CheckoutHealthForm`'s cleaned data."""
    return screen_from_answers(flags=cleaned_data["flags"], adult=cleaned_data["adult"] == "yes")


def form_initial(screen: HealthScreen | None) -> dict:
    """The answers given earlier, for `forms.CheckoutHealthForm` (kept when the buyer comes back)."""
    if screen is None:
        return {}
    return {
        "flags": list(screen.red_flags) or [questions.NONE_OF_THESE],
        "adult": "yes" if screen.adult else "no",
    }


def session_screen(session: SessionBase) -> HealthScreen | None:
    """The answers given in this visit to the questions in force now, if any."""
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, dict) or stored.get("version") != HEALTH_SCREEN_VERSION:
        return None
    at = parse_datetime(str(stored.get("at", "")))
    flags = stored.get("red_flags")
    if at is None or not isinstance(flags, list) or not isinstance(stored.get("adult"), bool):
        return None
    return HealthScreen(red_flags=tuple(map(str, flags)), adult=stored["adult"], at=at)


def session_screen_set(session: SessionBase, screen: HealthScreen) -> None:
    session[SESSION_KEY] = screen.as_json() | {
        "at": screen.at.isoformat(),
        "version": screen.version,
    }


def session_screen_clear(session: SessionBase) -> None:
    session.pop(SESSION_KEY, None)


def order_screen(order) -> HealthScreen | None:
    """The answers an order was placed with, or None (placed before checkout asked them)."""
    if order.health_screen_at is None:
        return None
    stored = order.health_screen or {}
    return HealthScreen(
        red_flags=tuple(stored.get("red_flags") or ()),
        adult=bool(stored.get("adult")) and order.adult_confirmed_at is not None,
        at=order.health_screen_at,
        version=order.health_screen_version,
    )


def screen_refusal(order) -> str:
    """Why an order without an assessment fails its health screen, or "" when it passes: answers
    with no red flag from a buyer of 18 or over, or (orders placed before checkout asked) a
    clinician's confirmation that they asked the red-flag questions with the customer."""
    screen = order_screen(order)
    if screen is not None:
        if screen.passed:
            return ""
        return _("Its checkout health questions ended in a referral: it can never go to the lab.")
    if order.red_flags_confirmed_at is not None and is_clinician(order.red_flags_confirmed_by):
        return ""
    return _(
        "This order was placed before checkout asked the red-flag questions: the approving "
        "clinician must confirm they asked them with the customer."
    )
