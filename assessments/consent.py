"""The health-data consent a visitor gives before the first answer is stored.

Answers and foot photos are health data, so the flow asks first (`/assessment/your-health-information/`),
keeps the consent in the session, and copies it onto the draft when the first answer is saved.
Each assessment records when, which version of the wording, and in which language.

Change the wording only together with a new version string, so the stored consent stays provable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

HEALTH_DATA_CONSENT_VERSION = "assessment-health-data-2026-11-25"
HEALTH_DATA_CONSENT_TEXT = _(
    "I agree that Fits Perfect may store my answers and any foot photos I add, and that its "
    "clinicians may review them to assess my feet and suggest a next step"
)
SESSION_CONSENT = "assessment_consent"


class ConsentMissing(Exception):
    """No health-data consent was given: nothing about this person's health may be stored."""


@dataclass(frozen=True)
class HealthDataConsent:
    version: str
    at: datetime
    language: str


def consent_give(session: SessionBase) -> HealthDataConsent:
    """Remember, for this visit, that the current wording was agreed to now."""
    consent = HealthDataConsent(
        version=HEALTH_DATA_CONSENT_VERSION,
        at=timezone.now(),
        language=(translation.get_language() or "")[:16],
    )
    session[SESSION_CONSENT] = {
        "version": consent.version,
        "at": consent.at.isoformat(),
        "language": consent.language,
    }
    return consent


def consent_from_session(session: SessionBase) -> HealthDataConsent | None:
    """The consent given in this visit, if it was given to the wording in force now."""
    stored = session.get(SESSION_CONSENT)
    if not isinstance(stored, dict) or stored.get("version") != HEALTH_DATA_CONSENT_VERSION:
        return None
    at = parse_datetime(str(stored.get("at", "")))
    if at is None:
        return None
    return HealthDataConsent(
        version=HEALTH_DATA_CONSENT_VERSION, at=at, language=str(stored.get("language", ""))[:16]
    )
