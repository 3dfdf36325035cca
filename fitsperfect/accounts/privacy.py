"""A customer's right of access and right to erasure, across the apps.

`export_customer_data(email=...)` gathers everything held about an email address: accounts,
assessments (answers, results, clinicians' reviews, photo metadata), messages to the clinic, orders (lines, status history,
scans and photo metadata), newsletter sign-ups, customer emails in the outbox. `erase_customer_data(email=..., actor=...)`
anonymises the personal fields, deletes the scan and photo files and rotates every link token (so
old links stop working) and deletes their messages to the clinic, keeping what accounting law needs: order numbers, amounts, currencies,
dates, statuses and payments.

Each app's rows are erased by that app's own services (`order_erase_personal_data`,
`scans_erase_for_order`, `lab_submissions_scrub`, `assessment_erase`); this module finds the
person's rows, reads them for the export and gathers the files to delete after commit. Orders still being made are not erased
unless `force=True`: the lab needs the delivery address until the parcel is out.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Model, Q, prefetch_related_objects
from django.utils import timezone

from assessments.services import assessment_erase
from fitsperfect.models import OutboxEmail
from orders.address import ADDRESS_PERSONAL_FIELDS
from orders.lab.services import lab_copies_erase_on_commit, lab_submissions_scrub
from orders.scans.services import scans_erase_for_order
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


def _model(label: str) -> type[Model] | None:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def _users(email: str):
    return get_user_model().objects.filter(email__iexact=email.strip())


def _assessments(email: str, users):
    model = _model("assessments.Assessment")
    if model is None:
        return []
    return model.objects.filter(Q(contact_email__iexact=email.strip()) | Q(user__in=users))


def _clinic_messages(*, email: str | None, users, assessments):
    """Messages to the clinic: written under the email (staff-verified requests only), by a
    signed-in account, or from one of the person's assessment results."""
    model = _model("assessments.ClinicMessage")
    if model is None:
        return []
    condition = Q(user__in=users) | Q(assessment__in=assessments)
    if email is not None:
        condition |= Q(email__iexact=email.strip())
    return model.objects.filter(condition)


def _orders(email: str, users):
    model = _model("orders.Order")
    if model is None:
        return []
    return model.objects.filter(Q(email__iexact=email.strip()) | Q(user__in=users))


def _fields(obj: Model, *, exclude: set[str] = frozenset()) -> dict:
    data = {}
    for model_field in obj._meta.concrete_fields:
        if model_field.name in exclude:
            continue
        value = getattr(obj, model_field.attname)
        if hasattr(value, "name") and model_field.get_internal_type() == "FileField":
            value = value.name or ""
        elif isinstance(value, datetime):
            value = value.isoformat()
        data[model_field.name] = value
    return data


def _related(obj: Model, name: str) -> list[Model]:
    manager = getattr(obj, name, None)
    return list(manager.all()) if manager is not None else []


def export_customer_data(*, email: str) -> dict:
    """Everything held about the email address, as JSON-ready data (no file contents).

    For staff answering a request whose sender they have verified: it matches guest orders and
    assessments by email too."""
    users = _users(email)
    subscriber = _model("content.Subscriber")
    subscribers = subscriber.objects.filter(email__iexact=email.strip()) if subscriber else []
    assessments = _assessments(email, users)
    return _export(
        email=email,
        users=users,
        assessments=assessments,
        clinic_messages=_clinic_messages(email=email, users=users, assessments=assessments),
        orders=_orders(email, users),
        subscribers=subscribers,
        outbox_emails=_outbox_emails(email),
    )


def export_account_data(*, user: Model) -> dict:
    """What a signed-in customer downloads themselves: only what is linked to their account.

    An email address typed at sign-up is not proof of owning it, so guest orders, assessments and
    newsletter sign-ups matched only by email are left to `export_customer_data` and staff."""
    assessment, order = _model("assessments.Assessment"), _model("orders.Order")
    assessments = assessment.objects.filter(user=user) if assessment else []
    return _export(
        email=getattr(user, "email", ""),
        users=[user],
        assessments=assessments,
        clinic_messages=_clinic_messages(email=None, users=[user], assessments=assessments),
        orders=order.objects.filter(user=user) if order else [],
        subscribers=[],
        outbox_emails=[],
    )


def _outbox_emails(email: str):
    """Emails owed or sent to the address (bodies can be health data: a clinician's answer)."""
    return OutboxEmail.objects.filter(to__iexact=email.strip())


def _export(
    *, email: str, users, assessments, clinic_messages, orders, subscribers, outbox_emails
) -> dict:
    # One query per relation, not one per assessment or order.
    assessments, orders = list(assessments), list(orders)
    prefetch_related_objects(assessments, "photos", "reviews")
    prefetch_related_objects(orders, "lines", "status_changes", "payments", "scans", "foot_photos")
    data: dict = {"email": email, "exported_at": timezone.now().isoformat()}
    data["accounts"] = [
        _fields(user, exclude={"password"}) | {"groups": [g.name for g in user.groups.all()]}
        for user in users
    ]
    data["assessments"] = [
        _fields(a)
        | {
            "photos": [_fields(p) for p in _related(a, "photos")],
            "reviews": [_fields(r) for r in _related(a, "reviews")],
        }
        for a in assessments
    ]
    data["clinic_messages"] = [_fields(m) for m in clinic_messages]
    data["orders"] = [
        _fields(o, exclude={"checkout_key"})
        | {
            "lines": [_fields(x) for x in _related(o, "lines")],
            "status_changes": [_fields(x) for x in _related(o, "status_changes")],
            "payments": [_fields(x) for x in _related(o, "payments")],
            "scans": [_fields(x, exclude={"report"}) for x in _related(o, "scans")],
            "foot_photos": [_fields(x) for x in _related(o, "foot_photos")],
        }
        for o in orders
    ]
    data["newsletter"] = [_fields(s) for s in subscribers]
    data["emails"] = [_fields(e) for e in outbox_emails]
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
    orders = list(_orders(email, users))
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
        stripe_event = _model("payments.StripeEvent")
        if stripe_event is not None:
            stripe_event.objects.filter(order=order).update(raw_body="", headers={})
    report.kept.append("order numbers, amounts, currencies, dates, statuses, payments")

    # Before the assessments lose their contact address, which is how some messages are found.
    messages = list(
        _clinic_messages(email=email, users=users, assessments=list(_assessments(email, users)))
    )
    for message in messages:
        message.delete()  # one by one, so the audit trail records each
    report.clinic_messages = len(messages)

    for assessment in _assessments(email, users):
        photos, reviews, files = assessment_erase(assessment=assessment)
        report.photos += photos
        report.reviews += reviews
        files_after_commit += files
        report.assessments += 1

    subscriber = _model("content.Subscriber")
    if subscriber is not None:
        report.subscribers, _ = subscriber.objects.filter(email__iexact=email.strip()).delete()
    # Unsent ones too: an email owed to someone erased is not sent.
    report.outbox_emails, _ = _outbox_emails(email).delete()

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
