"""The scan's state machine: its transition table and the one writer of `Scan.status`.

    uploaded -> checking -> valid | needs_review | rejected;  needs_review -> valid (staff accept)
    needs_review | valid -> rejected (staff reject it and ask the customer for a new scan)

`checking -> checking` is a re-run after a worker died mid-check (counted in `check_attempts`).
Every move goes through `scan_set_status` (or `scan_claim_for_check`, the same check done as one
conditional UPDATE): it checks the table, writes the row (the audit trail records the changed
fields) and sends `scan_status_changed` after commit. Nothing else writes `Scan.status`.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.dispatch import Signal

from orders.states import IllegalTransition

from .models import Scan

ScanStatus = Scan.Status
SCAN_TRANSITIONS: dict[str, frozenset[str]] = {
    ScanStatus.UPLOADED: frozenset({ScanStatus.CHECKING}),
    ScanStatus.CHECKING: frozenset(
        {ScanStatus.CHECKING, ScanStatus.VALID, ScanStatus.NEEDS_REVIEW, ScanStatus.REJECTED}
    ),
    ScanStatus.NEEDS_REVIEW: frozenset({ScanStatus.VALID, ScanStatus.REJECTED}),
    ScanStatus.VALID: frozenset({ScanStatus.REJECTED}),
    ScanStatus.REJECTED: frozenset(),
}

# kwargs: scan, from_status, to_status. Owned by the scans app; sent after the commit.
scan_status_changed = Signal()


def _signal_on_commit(scan: Scan, from_status: str, to_status: str) -> None:
    transaction.on_commit(
        lambda: scan_status_changed.send(
            sender=Scan, scan=scan, from_status=from_status, to_status=to_status
        )
    )


def scan_set_status(*, scan: Scan, to_status: str, fields: tuple[str, ...] = ()) -> Scan:
    """Moves a scan the caller has locked (`select_for_update`, inside its transaction) and saves
    it with any other changed ``fields``; raises `IllegalTransition` for a move not in the table."""
    from_status = Scan.objects.values_list("status", flat=True).get(pk=scan.pk)
    if to_status not in SCAN_TRANSITIONS[from_status]:
        raise IllegalTransition(from_status, to_status, what="scan")
    scan.status = to_status
    scan.save(update_fields=["status", *fields] if fields else None)
    _signal_on_commit(scan, from_status, to_status)
    return scan


def scan_claim_for_check(*, scan_id: int) -> bool:
    """One validation run claims the scan: UPLOADED or CHECKING -> CHECKING, counting the attempt,
    as one conditional UPDATE (two workers cannot both think they moved it from UPLOADED)."""
    sources = [
        status for status, targets in SCAN_TRANSITIONS.items() if ScanStatus.CHECKING in targets
    ]
    claimed = Scan.objects.filter(pk=scan_id, status__in=sources).update(
        status=ScanStatus.CHECKING, check_attempts=F("check_attempts") + 1
    )
    return bool(claimed)
