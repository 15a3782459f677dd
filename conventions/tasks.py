"""Celery tasks of the conventions: thin interfaces over the services."""

from celery import shared_task

from .reminders import reminders_send


@shared_task(acks_late=True)
def send_reminders_task() -> int:
    """Beat task (hourly): the follow-up reminders due in the départements where it is past 06:00.
    Each is told once per person (conventions/reminders.py): a second run sends nothing."""
    return reminders_send()
