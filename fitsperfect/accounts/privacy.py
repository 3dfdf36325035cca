"""A customer's right of access and right to erasure, across the apps.

`export_customer_data(email=...)` gathers everything held about an email address: accounts,
assessments (answers, results, clinicians' reviews, photo metadata), messages to the clinic, orders
(lines, status history, payments, scans and photo metadata), newsletter sign-ups, customer emails
in the outbox. `erase_customer_data(email=..., actor=...)` anonymises the personal fields, deletes
the scan and photo files, rotates every link token (so old links stop working) and deletes their
messages to the clinic, keeping what accounting law needs: order numbers, amounts, currencies,
dates, statuses and payments.

This module owns only the accounts (Django's users). Every other app finds, exports and erases its
own rows through its own selectors and services (`orders_of_person`, `orders_export`,
`order_erase_personal_data`; `scans_erase_for_order`; `stripe_events_scrub`;
`lab_submissions_scrub`, `lab_copies_erase_on_commit`; `assessments_of_person`,
`assessments_export`, `assessment_erase`, `clinic_messages_erase`; `subscribers_of_email`,
`subscribers_erase`; `outbox_emails_to`, `outbox_emails_erase`); the rows other apps hold about an
order (payments, scans, photos) are exported as each app names them on its AppConfig
(`exported_order_relations`). This module puts the person's rows together and deletes the
gathered files after commit. Orders still
being made are not erased unless `force=True`: the lab needs the delivery address until the
parcel is out.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Model, prefetch_related_objects
from django.utils import timezone

from assessments.selectors import (
    assessments_export,
    assessments_of_person,
    clinic_messages_export,
    clinic_messages_of_person,
)
from assessments.services import assessment_erase, clinic_messages_erase
from content.selectors import subscribers_export, subscribers_of_email
from content.services import subscribers_erase
from fitsperfect.export import row_data
from fitsperfect.outbox import outbox_emails_erase, outbox_emails_to
from orders.address import ADDRESS_PERSONAL_FIELDS
from orders.lab.services import lab_copies_erase_on_commit, lab_submissions_scrub
from orders.payments.services import stripe_events_scrub
from orders.scans.services import scans_erase_for_order
from orders.selectors import orders_export, orders_of_person
from orders.services import order_erase_personal_data
from orders.states import SETTLED_STATUSES

logger = logging.getLogger(__name__)

PERSONAL_JSON_KEYS = {
    "name",
    "full_name",
    "email",
    "phone",
    "address",
    *ADDRESS_PERSONAL_FIELDS,
    "line1",
    "line2",
    "state",
    "postal_code",
    "customer_details",
    "customer_email",
    "shipping",
    "shipping_details",
}


class ErasureBlocked(Exception):
    """Erasure would break an order still in progress; retry once it has shipped, or force it."""


@dataclass
class ErasureReport:
    email_hash: str
    actor: str
    at: datetime
    users: int = 0
    assessments: int = 0
    reviews: int = 0
    orders: int = 0
    scans: int = 0
    photos: int = 0
    files_deleted: int = 0
    subscribers: int = 0
    clinic_messages: int = 0
    outbox_emails: int = 0
    kept: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = dict(self.__dict__)
        data["at"] = self.at.isoformat()
        return data


def _email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def _users(email: str):
    return get_user_model().objects.filter(email__iexact=email.strip())


def export_customer_data(*, email: str) -> dict:
    """Everything held about the email address, as JSON-ready data (no file contents).

    For staff answering a request whose sender they have verified: it matches guest orders and
    assessments by email too."""
    users = list(_users(email))
    assessments = list(assessments_of_person(email=email, users=users))
    return _export(
        email=email,
        users=users,
        assessments=assessments,
        clinic_messages=clinic_messages_of_person(
            email=email, users=users, assessments=assessments
        ),
        orders=orders_of_person(email=email, users=users),
        subscribers=subscribers_of_email(email=email),
        outbox_emails=outbox_emails_to(email=email),
    )


def export_account_data(*, user: Model) -> dict:
    """What a signed-in customer downloads themselves: only what is linked to their account.

    An email address typed at sign-up is not proof of owning it, so guest orders, assessments and
    newsletter sign-ups matched only by email are left to `export_customer_data` and staff."""
    assessments = list(assessments_of_person(email=None, users=[user]))
    return _export(
        email=getattr(user, "email", ""),
        users=[user],
        assessments=assessments,
        clinic_messages=clinic_messages_of_person(
            email=None, users=[user], assessments=assessments
        ),
        orders=orders_of_person(email=None, users=[user]),
        subscribers=[],
        outbox_emails=[],
    )


def _order_relations() -> dict[str, set[str]]:
    """The rows other apps hold about an order (payments, scans, photos), as each app names them
    on its AppConfig (`exported_order_relations`: related name -> fields left out)."""
    relations: dict[str, set[str]] = {}
    for config in apps.get_app_configs():
        relations.update(getattr(config, "exported_order_relations", {}))
    return relations


def _export(
    *, email: str, users, assessments, clinic_messages, orders, subscribers, outbox_emails
) -> dict:
    # Each app exports its own rows, one query per relation (not one per assessment or order).
    orders = list(orders)
    relations = _order_relations()
    prefetch_related_objects(orders, *relations)
    data: dict = {"email": email, "exported_at": timezone.now().isoformat()}
    data["accounts"] = [
        row_data(user, exclude={"password"}) | {"groups": [g.name for g in user.groups.all()]}
        for user in users
    ]
    data["assessments"] = assessments_export(assessments=assessments)
    data["clinic_messages"] = clinic_messages_export(messages=clinic_messages)
    data["orders"] = [
        exported
        | {
            name: [row_data(row, exclude=skip) for row in getattr(order, name).all()]
            for name, skip in relations.items()
        }
        for order, exported in zip(orders, orders_export(orders=orders), strict=True)
    ]
    data["newsletter"] = subscribers_export(subscribers=subscribers)
    data["emails"] = [row_data(e) for e in outbox_emails]
    return data


def _file(field_file) -> tuple:
    """(storage, name) now: the caller blanks the field before the file is deleted."""
    return (field_file.storage, field_file.name) if field_file and field_file.name else (None, "")


def _delete_file(stored: tuple) -> int:
    storage, name = stored
    if storage is not None and name:
        storage.delete(name)
        return 1
    return 0


def _scrub_json(value):
    """JSON with personal keys blanked, recursively (lab payloads, Stripe event bodies)."""
    if isinstance(value, dict):
        return {
            k: ("[erased]" if k.lower() in PERSONAL_JSON_KEYS else _scrub_json(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub_json(v) for v in value]
    return value


@transaction.atomic
def erase_customer_data(*, email: str, actor: str | Model, force: bool = False) -> ErasureReport:
    """Anonymise the person behind `email`; delete scans and photos; keep the accounting record."""
    actor_name = getattr(actor, "get_username", lambda: str(actor))()
    report = ErasureReport(email_hash=_email_hash(email), actor=actor_name, at=timezone.now())
    users = list(_users(email))
    orders = list(orders_of_person(email=email, users=users))
    active = [o.number for o in orders if o.status not in SETTLED_STATUSES]
    if active and not force:
        raise ErasureBlocked(f"orders still in progress: {', '.join(active)}")
    files_after_commit: list = []

    for order in orders:
        # Each app erases its own rows through its services; this module only gathers them.
        order_erase_personal_data(order=order)
        report.orders += 1
        scans, photos, files = scans_erase_for_order(order=order)
        report.scans += scans
        report.photos += photos
        files_after_commit += files
        lab_submissions_scrub(order=order, scrub=_scrub_json)
        lab_copies_erase_on_commit(order=order)
        stripe_events_scrub(order=order)
    report.kept.append("order numbers, amounts, currencies, dates, statuses, payments")

    # Before the assessments lose their contact address, which is how some messages are found.
    assessments = list(assessments_of_person(email=email, users=users))
    report.clinic_messages = clinic_messages_erase(
        messages=clinic_messages_of_person(email=email, users=users, assessments=assessments)
    )

    for assessment in assessments:
        photos, reviews, files = assessment_erase(assessment=assessment)
        report.photos += photos
        report.reviews += reviews
        files_after_commit += files
        report.assessments += 1

    report.subscribers = subscribers_erase(email=email)
    report.outbox_emails = outbox_emails_erase(email=email)

    for user in users:
        user.email = ""
        user.first_name = ""
        user.last_name = ""
        user.username = f"erased-{user.pk}"
        user.is_active = False
        user.set_unusable_password()
        user.save()
        report.users += 1

    def delete_files() -> None:
        report.files_deleted += sum(_delete_file(f) for f in files_after_commit)
        # Logged once the files are gone, so the count is what was deleted, not what will be.
        logger.info(
            "Customer data erased (email hash %s) by %s: %s; %s of %s files deleted",
            report.email_hash,
            actor_name,
            {k: v for k, v in report.as_dict().items() if isinstance(v, int)},
            report.files_deleted,
            len(files_after_commit),
        )

    # Files go only once the anonymisation is committed; a rollback leaves everything as it was.
    transaction.on_commit(delete_files)
    return report
