"""Erasure reaches the lab's copies: the drop folders (written 0700/0600) and, over HTTP, the lab's
own copy through its API; each recorded on the order with the count of what is actually gone."""

from __future__ import annotations

import logging
import stat

import pytest

from fitsperfect.accounts.privacy import erase_customer_data
from orders.lab import services as lab_services
from orders.lab.errors import LabTemporaryError
from orders.lab.models import LabSubmission
from orders.tests.factories import make_ready_for_lab, paid_order, seed_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_order(settings, django_capture_on_commit_callbacks):
    seed_catalogue()
    order = paid_order(email="hal@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        make_ready_for_lab(order)
    order.refresh_from_db()
    assert LabSubmission.objects.get(order=order).status == "submitted"
    return order


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_drop_copies_are_private_and_erased_with_the_customer(
    sent_order, settings, django_capture_on_commit_callbacks, caplog
):
    drop = settings.LAB_DROP_DIR
    (folder,) = [p for p in drop.iterdir() if p.is_dir()]
    files = sorted(folder.iterdir())
    assert len(files) == 3  # two scans and the manifest
    assert _mode(folder) == 0o700 and _mode(drop) == 0o700
    assert {_mode(f) for f in files} == {0o600}

    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True):
        erase_customer_data(email="hal@example.com", actor="test", force=True)
    assert not folder.exists()
    note = sent_order.status_changes.order_by("-pk").first().note
    assert note == "The lab's copies were erased (folder): 3 deleted."
    erased_log = next(r.getMessage() for r in caplog.records if "Customer data erased" in r.message)
    assert erased_log.endswith("2 of 2 files deleted")  # the two scans, counted after deleting


def test_the_http_labs_copy_is_erased_through_its_api(
    lab, settings, django_capture_on_commit_callbacks
):
    seed_catalogue()
    order = paid_order(email="hal@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        make_ready_for_lab(order)
    submission = LabSubmission.objects.get(order=order)
    assert lab.accepted_count() == 1

    lab.down_for(60)  # the lab is unreachable: the erasure waits for a retry, never lost
    with pytest.raises(LabTemporaryError):
        lab_services.lab_copies_erase(order_id=order.pk)
    lab.up()

    with django_capture_on_commit_callbacks(execute=True):
        erase_customer_data(email="hal@example.com", actor="test", force=True)
    assert lab.erased == [str(submission.id)]
    assert order.status_changes.order_by("-pk").first().note == (
        "The lab's copies were erased (http): 1 deleted."
    )
    # Asking again finds nothing left at the lab: recorded as 0, not an error.
    assert lab_services.lab_copies_erase(order_id=order.pk) == 0
