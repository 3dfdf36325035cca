"""The lab submission's transition table and its one writer."""

import pytest

from orders.lab.models import LabSubmission
from orders.lab.states import SUBMISSION_TRANSITIONS, submission_set_status
from orders.states import IllegalTransition
from orders.tests.factories import make_ready_for_lab, paid_order

S = LabSubmission.Status


def test_every_status_has_a_row_and_a_submitted_row_is_final():
    assert set(SUBMISSION_TRANSITIONS) == set(S.values)
    assert SUBMISSION_TRANSITIONS[S.SUBMITTED] == frozenset()
    assert SUBMISSION_TRANSITIONS[S.FAILED] == {
        S.PENDING,
        S.SUBMITTED,
    }  # staff resend, or the lab has it


@pytest.mark.django_db
def test_the_writer_refuses_an_illegal_move_and_leaves_the_row(
    catalogue, django_capture_on_commit_callbacks
):
    order = paid_order()
    with django_capture_on_commit_callbacks(execute=False):
        make_ready_for_lab(order)
    submission = LabSubmission.objects.get(order=order)
    assert submission.status == S.PENDING
    with pytest.raises(IllegalTransition):
        submission_set_status(submission=submission, to_status=S.RETRYING)
    submission.refresh_from_db()
    assert submission.status == S.PENDING
    submission.attempts = 3
    submission_set_status(submission=submission, to_status=S.SENDING, fields=("attempts",))
    submission.refresh_from_db()
    assert (submission.status, submission.attempts) == (S.SENDING, 3)
