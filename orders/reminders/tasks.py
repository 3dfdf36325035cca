"""Beat's reminders (hourly): see orders.reminders.services."""

from celery import shared_task

from .services import reminders_send_due


@shared_task(ignore_result=True)
def send_due_reminders() -> dict[str, int]:
    return reminders_send_due()
