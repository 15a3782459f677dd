"""Celery tasks: thin interfaces over the services. The outbox's delivery tasks live beside the outbox
(alerts/outbox.py) and are imported here so that the worker's autodiscovery registers them."""

from celery import shared_task

from .escalation import scan_escalations, send_daily_digests
from .models import Attachment
from .outbox import deliver_outbox, deliver_outbox_batch, flush_outbox
from .retention import run_retention
from .services.attachments import attachment_make_thumbnail, attachments_make_missing_thumbnails

__all__ = ["deliver_outbox", "deliver_outbox_batch", "flush_outbox"]


@shared_task(acks_late=True)
def scan_escalations_task() -> int:
    """Beat task (every minute): raise the escalation levels that fell due. Safe to run twice or
    from two schedulers at once (see alerts/escalation/)."""
    return scan_escalations()


@shared_task(acks_late=True)
def send_daily_digests_task() -> int:
    """Beat task (hourly): the daily digest of overdue and soon-due fiches, to the managers for whom
    it is 07:xx local time."""
    return send_daily_digests()


@shared_task(acks_late=True)
def run_retention_task() -> int:
    """Beat task (daily, 3:30): anonymise the fiches past the retention period and purge orphan
    private files (alerts/retention.py). Idempotent: a second run finds nothing left to do."""
    return len(run_retention().anonymised)


@shared_task(acks_late=True)
def make_thumbnail_task(attachment_id: int) -> None:
    """Queued when a photo is attached: its gallery preview. A photo deleted meanwhile is skipped."""
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is not None:
        attachment_make_thumbnail(attachment=attachment)


@shared_task(acks_late=True)
def sweep_thumbnails_task() -> int:
    """Beat task (every 10 minutes): the previews of photos attached while the broker was down, whose
    make_thumbnail_task was never queued. Safe to run twice: a photo with its preview is not selected."""
    return attachments_make_missing_thumbnails()
