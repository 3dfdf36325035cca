"""Where a visitor's answers live while they go through the questions.

The question steps keep their answers in the visitor's session (Redis when configured, otherwise
the database session table): a step is one session read and one session write, and nothing goes
into the assessments table for someone who stops after a question or two. The draft row is made
when it is first needed: at the photos step (photos belong to a row), or when a red flag refers
the person. From then on the row is the progress, as before, and the session holds its token.

Answers in a session expire with it (SESSION_COOKIE_AGE after the last change, well within the
30 days the consent page promises) and go when the person signs out; expired database sessions
are cleared daily (`fitsperfect.tasks.clear_expired_sessions`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.sessions.backends.base import SessionBase

from . import selectors
from .consent import ConsentMissing, consent_from_session
from .models import Assessment

SESSION_DRAFT = "assessment_draft_token"
SESSION_ANSWERS = "assessment_answers"


@dataclass(frozen=True)
class Progress:
    """The answers so far, and the draft row once there is one (which then holds them)."""

    answers: dict
    draft: Assessment | None = None


def progress_of(session: SessionBase) -> Progress:
    """The visitor's progress: their draft row if they have one, else the answers in the session."""
    draft = selectors.draft_by_token(session.get(SESSION_DRAFT))
    if draft is not None:
        return Progress(answers=draft.answers, draft=draft)
    return Progress(answers=session_answers(session))


def session_answers(session: SessionBase) -> dict:
    """The answers kept in the session (none once a draft row holds them)."""
    stored = session.get(SESSION_ANSWERS)
    return stored if isinstance(stored, dict) else {}


def session_answers_save(*, session: SessionBase, step_key: str, data: dict) -> dict:
    """Store one step's answers (JSON-ready, as the forms clean them) in the session, as the
    person agreed to on the consent page (ConsentMissing without that agreement)."""
    if consent_from_session(session) is None:
        raise ConsentMissing
    answers = {**session_answers(session), step_key: data}
    session[SESSION_ANSWERS] = answers
    return answers


def session_draft_set(*, session: SessionBase, draft: Assessment) -> None:
    """The draft row now holds the answers: the session keeps only its token."""
    session[SESSION_DRAFT] = draft.token
    session.pop(SESSION_ANSWERS, None)


def session_progress_clear(session: SessionBase) -> None:
    """Submitted or referred: the next visit starts afresh."""
    session.pop(SESSION_DRAFT, None)
    session.pop(SESSION_ANSWERS, None)
