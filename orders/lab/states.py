"""The lab submission's state machine: its transition table and the one writer of its status.

    pending -> sending -> submitted | retrying | failed;  retrying -> sending;  failed -> pending
    (staff resend);  any live status -> submitted (the lab's event says it has the submission)

`sending -> sending` is a new attempt after a worker died mid-send (the attempt counter stops it).
`submission_set_status` checks the table, writes the row with the fields that go with the move and
sends `lab_submission_status_changed` after commit; nothing else writes `LabSubmission.status`.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

from orders.states import IllegalTransition

from .models import LabSubmission

SubmissionStatus = LabSubmission.Status
SUBMISSION_TRANSITIONS: dict[str, frozenset[str]] = {
    SubmissionStatus.PENDING: frozenset(
        {SubmissionStatus.SENDING, SubmissionStatus.SUBMITTED, SubmissionStatus.FAILED}
    ),
    SubmissionStatus.SENDING: frozenset(
        {
            SubmissionStatus.SENDING,
            SubmissionStatus.RETRYING,
            SubmissionStatus.SUBMITTED,
            SubmissionStatus.FAILED,
        }
    ),
    SubmissionStatus.RETRYING: frozenset(
        {SubmissionStatus.SENDING, SubmissionStatus.SUBMITTED, SubmissionStatus.FAILED}
    ),
    SubmissionStatus.FAILED: frozenset({SubmissionStatus.PENDING, SubmissionStatus.SUBMITTED}),
    SubmissionStatus.SUBMITTED: frozenset(),
}
# Rows still on their way to the lab or there: an order has at most one of these.
LIVE = (
    SubmissionStatus.PENDING,
    SubmissionStatus.SENDING,
    SubmissionStatus.RETRYING,
    SubmissionStatus.SUBMITTED,
)

# kwargs: submission, from_status, to_status. Owned by the lab app; sent after the commit.
lab_submission_status_changed = Signal()


def submission_set_status(
    *, submission: LabSubmission, to_status: str, fields: tuple[str, ...] = ()
) -> LabSubmission:
    """Moves a submission (locked by the caller where the database has row locks) and saves the
    status, ``updated_at`` and any other changed ``fields``; raises `IllegalTransition` for a move
    not in the table, leaving the row as it was."""
    from_status = LabSubmission.objects.values_list("status", flat=True).get(pk=submission.pk)
    if to_status not in SUBMISSION_TRANSITIONS[from_status]:
        raise IllegalTransition(from_status, to_status, what="lab submission")
    submission.status = to_status
    submission.save(update_fields=["status", "updated_at", *fields])
    transaction.on_commit(
        lambda: lab_submission_status_changed.send(
            sender=LabSubmission,
            submission=submission,
            from_status=from_status,
            to_status=to_status,
        )
    )
    return submission
