"""Customers' own privacy requests: download what their account holds, ask for erasure.

Downloads are served at once (`privacy.export_account_data`: only what is linked to the account).
Erasure is asked here and carried out by a superuser from the admin after checking who is asking
(`erasure_request_carry_out`), because erasing is irreversible and matches guest data by email.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from fitsperfect.models import ErasureRequest
from fitsperfect.queueing import enqueue_on_commit

from . import privacy


def account_data_json(*, user: AbstractBaseUser) -> bytes:
    return json.dumps(
        privacy.export_account_data(user=user), cls=DjangoJSONEncoder, indent=2
    ).encode()


@transaction.atomic
def erasure_request_create(*, user: AbstractBaseUser) -> ErasureRequest:
    """One open request per account: asking twice returns the open one."""
    open_request = (
        ErasureRequest.objects.select_for_update()
        .filter(user=user, status=ErasureRequest.Status.PENDING)
        .first()
    )
    if open_request is not None:
        return open_request
    created = ErasureRequest.objects.create(user=user, email=user.email)

    # A broker that is down loses only the email: the request waits in the admin either way.
    enqueue_on_commit("fitsperfect.tasks.notify_erasure_request", created.pk)
    return created


def erasure_request_notify(*, request_id: int) -> None:
    """Tells the privacy team a request is waiting (no personal data in the email)."""
    from django.core.mail import send_mail

    send_mail(
        subject=f"Erasure request #{request_id} is waiting",
        message=(
            f"Erasure request #{request_id} is waiting in the admin (Erasure requests). "
            "Check that the person owns the email address before carrying it out."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[settings.PRIVACY_TEAM_EMAIL],
    )


def erasure_request_carry_out(
    *, erasure_request: ErasureRequest, actor: AbstractBaseUser
) -> ErasureRequest:
    """Erases through `privacy.erase_customer_data`; orders still being made refuse it (recorded)."""
    if not (actor.is_active and actor.is_superuser):
        raise PermissionDenied
    with transaction.atomic():
        row = ErasureRequest.objects.select_for_update().get(pk=erasure_request.pk)
        if row.status == ErasureRequest.Status.DONE:
            return row
        row.handled_at = timezone.now()
        row.handled_by = actor.get_username()[:150]
        try:
            with transaction.atomic():
                report = privacy.erase_customer_data(email=row.email, actor=actor)
        except privacy.ErasureBlocked as blocked:
            row.status = ErasureRequest.Status.REFUSED
            row.outcome = str(blocked)
        else:
            row.status = ErasureRequest.Status.DONE
            row.outcome = f"erased; email hash {report.email_hash}"
            row.email = ""
        row.save()
    return row
