"""Delivery of the e-mail outbox. A task only sends a row still pending, under a row lock, so a
retried or duplicated task never sends the same e-mail twice."""

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import OutboxEmail, OutboxStatus

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


@shared_task(bind=True, max_retries=MAX_ATTEMPTS, acks_late=True)
def deliver_outbox(self, outbox_id: int) -> str:
    """Send one outbox row if still pending; retry with exponential backoff on SMTP errors."""
    try:
        status = send_outbox_row(outbox_id)
    except (smtplib.SMTPException, OSError) as exc:
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 3600)) from exc
    return status


@shared_task(acks_late=True)
def deliver_outbox_batch(outbox_ids: list[int]) -> int:
    """Send the rows of one change (a filing's e-mails to the unit) in one task. Each row is sent at
    most once as in deliver_outbox; a row whose SMTP attempt fails gets its own deliver_outbox task,
    which retries that row alone with the same backoff. Returns how many were sent."""
    sent = 0
    for pk in outbox_ids:
        try:
            if send_outbox_row(pk) == OutboxStatus.SENT:
                sent += 1
        except (smtplib.SMTPException, OSError):
            retry_alone(pk)
    return sent


def retry_alone(outbox_id: int) -> None:
    """Queue deliver_outbox for a row the batch could not send; if even the broker fails, the row
    stays pending for flush_outbox."""
    try:
        deliver_outbox.apply_async(args=[outbox_id], countdown=30, retry=False)
    except Exception:  # any broker/transport error: the outbox is the source of truth
        logger.warning("Outbox %s not delivered, left for flush_outbox", outbox_id, exc_info=True)


def send_outbox_row(outbox_id: int) -> str:
    """Lock the row (skipping it if another worker holds it), send, mark sent — one transaction, so
    a crash before the commit leaves it pending, and a second call finds it sent and does nothing."""
    error = None
    with transaction.atomic():
        row = OutboxEmail.objects.select_for_update(skip_locked=True).filter(pk=outbox_id).first()
        if row is None or row.status != OutboxStatus.PENDING:
            return "skipped"
        row.attempts += 1
        try:
            send_mail(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, row.to, fail_silently=False)
        except (smtplib.SMTPException, OSError) as exc:
            error = exc
            row.last_error = str(exc)[:2000]
            if row.attempts >= MAX_ATTEMPTS:
                row.status = OutboxStatus.FAILED
                logger.error("Outbox %s failed after %s attempts", row.pk, row.attempts)
        else:
            row.status = OutboxStatus.SENT
            row.sent_at = timezone.now()
        row.save(update_fields=["attempts", "last_error", "status", "sent_at"])
    # Raised after the commit so the attempt is recorded and the task can retry.
    if error is not None and row.status == OutboxStatus.PENDING:
        raise error
    return row.status


@shared_task
def flush_outbox() -> int:
    """Beat task (every minute): deliver whatever is still pending — rows whose enqueue was lost."""
    sent = 0
    for pk in OutboxEmail.objects.filter(status=OutboxStatus.PENDING).values_list("pk", flat=True)[:500]:
        try:
            if send_outbox_row(pk) == "sent":
                sent += 1
        except (smtplib.SMTPException, OSError):
            logger.warning("Outbox %s not delivered, will retry", pk, exc_info=True)
    return sent


@shared_task(acks_late=True)
def scan_escalations_task() -> int:
    """Beat task (every minute): raise the escalation levels that fell due. Safe to run twice or
    from two schedulers at once (see alerts/escalation.py)."""
    from .escalation import scan_escalations

    return scan_escalations()


@shared_task(acks_late=True)
def send_daily_digests_task() -> int:
    """Beat task (7:00): the daily digest of overdue and soon-due fiches per manager."""
    from .escalation import send_daily_digests

    return send_daily_digests()


@shared_task(acks_late=True)
def run_retention_task() -> int:
    """Beat task (daily, 3:30): anonymise the fiches past the retention period and purge orphan
    private files (alerts/retention.py). Idempotent: a second run finds nothing left to do."""
    from .retention import run_retention

    return len(run_retention().anonymised)
