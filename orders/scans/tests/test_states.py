"""The scan's transition table and its one writer."""

import pytest

from orders.scans.models import Scan
from orders.scans.states import (
    SCAN_TRANSITIONS,
    scan_claim_for_check,
    scan_set_status,
    scan_status_changed,
)
from orders.states import IllegalTransition
from orders.tests.factories import add_valid_scan, paid_order

S = Scan.Status


def test_every_status_has_a_row_and_only_staff_rejection_moves_a_decided_scan():
    assert set(SCAN_TRANSITIONS) == set(S.values)
    assert SCAN_TRANSITIONS[S.VALID] == frozenset({S.REJECTED})
    assert SCAN_TRANSITIONS[S.NEEDS_REVIEW] == frozenset({S.VALID, S.REJECTED})
    assert SCAN_TRANSITIONS[S.REJECTED] == frozenset()


@pytest.mark.django_db
def test_the_writer_refuses_a_move_not_in_the_table_and_changes_nothing(catalogue):
    scan = add_valid_scan(paid_order(), "left")
    with pytest.raises(IllegalTransition):
        scan_set_status(scan=scan, to_status=S.NEEDS_REVIEW)
    scan.refresh_from_db()
    assert scan.status == S.VALID


@pytest.mark.django_db
def test_a_claim_counts_the_attempt_and_a_decided_scan_cannot_be_claimed(
    catalogue, django_capture_on_commit_callbacks
):
    scan = add_valid_scan(paid_order(), "left")
    assert not scan_claim_for_check(scan_id=scan.pk)
    Scan.objects.filter(pk=scan.pk).update(status=S.UPLOADED)
    assert scan_claim_for_check(scan_id=scan.pk)
    scan.refresh_from_db()
    assert (scan.status, scan.check_attempts) == (S.CHECKING, 1)
    seen = []
    scan_status_changed.connect(
        lambda **kw: seen.append(kw["to_status"]), weak=False, dispatch_uid="t"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            scan_set_status(scan=scan, to_status=S.NEEDS_REVIEW)
    finally:
        scan_status_changed.disconnect(dispatch_uid="t")
    assert seen == [S.NEEDS_REVIEW]
