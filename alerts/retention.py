"""Bounded retention (RGPD art. 5-1-e and art. 10): a fiche closed for longer than
settings.PASSERELLE_RETENTION_DAYS is anonymised — its free text blanked, its files deleted, its
notifications and e-mail copies dropped — while everything the indicators count (dates, category,
status, site, unit, outcome, flags) stays, so the statistics do not move.

Batches are locked with SKIP LOCKED (two workers never take the same fiches), and an anonymised
fiche is never taken again: running the task twice, or concurrently, is harmless. Files are deleted
after the batch commits, so a rolled-back batch never loses a file its rows still point to."""

import datetime
import logging
import os
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from partnerships.models import AuditAction, AuditEntry

from .models import Alert, AlertEvent, Attachment, Notification, OutboxEmail, OutboxStatus, Status

logger = logging.getLogger(__name__)

# The free text of a fiche: blanked on anonymisation.
FREE_TEXT_FIELDS = (
    "description",
    "complaint_service",
    "complaint_reference",
    "outcome_comment",
)
# An upload younger than this may belong to a request still running (or an import between its two
# steps): the orphan purge leaves it alone.
ORPHAN_GRACE = datetime.timedelta(days=1)


@dataclass
class RetentionReport:
    anonymised: list[str] = field(default_factory=list)  # references
    files_deleted: int = 0
    orphans: list[str] = field(default_factory=list)  # storage names
    emails_purged: int = 0


def retention_cutoff(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(days=settings.PASSERELLE_RETENTION_DAYS)


def due_for_anonymisation(now: datetime.datetime):
    return Alert.objects.filter(
        status=Status.CLOSED, anonymised_at__isnull=True, closed_at__lt=retention_cutoff(now)
    ).order_by("closed_at", "id")


def anonymise_batch(now: datetime.datetime, batch_size: int, report: RetentionReport) -> int:
    """Anonymise up to `batch_size` due fiches in one transaction; returns how many."""
    with transaction.atomic():
        rows = list(
            due_for_anonymisation(now)
            .select_for_update(skip_locked=True)
            .values_list("pk", "reference", "department_id")[:batch_size]
        )
        if not rows:
            return 0
        ids = [pk for pk, _reference, _department in rows]
        files = [
            name
            for pair in Attachment.objects.filter(alert_id__in=ids).values_list("file", "thumbnail")
            for name in pair
            if name
        ]
        Attachment.objects.filter(alert_id__in=ids).delete()
        AlertEvent.objects.filter(alert_id__in=ids).exclude(message="").update(message="")
        Notification.objects.filter(alert_id__in=ids).delete()
        # The version bump makes a form opened before the anonymisation fail instead of writing back.
        Alert.objects.filter(pk__in=ids).update(
            **dict.fromkeys(FREE_TEXT_FIELDS, ""),
            reporter=None,
            reporter_visible=False,
            anonymised_at=now,
            version=F("version") + 1,
        )
        AuditEntry.objects.bulk_create(
            AuditEntry(
                at=now,
                action=AuditAction.ANONYMISE,
                object_type="alerts.alert",
                object_id=str(pk),
                alert_id=pk,
                reference=reference or "",
                department_id=department_id,
                detail={"retention_days": settings.PASSERELLE_RETENTION_DAYS, "files": len(files)},
            )
            for pk, reference, department_id in rows
        )
        transaction.on_commit(lambda: delete_files(files))
    report.anonymised.extend(reference for _pk, reference, _department in rows)
    report.files_deleted += len(files)
    return len(rows)


def delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def file_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, field) storing uploads in the private storage."""
    return [
        (model, f.name)
        for model in apps.get_models()
        for f in model._meta.get_fields()
        if isinstance(f, models.FileField)
    ]


def orphan_files(now: datetime.datetime, chunk: int = 500) -> list[str]:
    """Private files no row points to and older than a day: uploads of a filing that rolled back,
    import files never confirmed. Files are checked against the database in chunks."""
    root = default_storage.path("")
    threshold = (now - ORPHAN_GRACE).timestamp()
    candidates = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            full = os.path.join(folder, name)
            if os.path.getmtime(full) < threshold:
                candidates.append(os.path.relpath(full, root).replace(os.sep, "/"))
    orphans = []
    fields = file_fields()
    for start in range(0, len(candidates), chunk):
        names = set(candidates[start : start + chunk])
        for model, name in fields:
            names -= set(model._default_manager.filter(**{f"{name}__in": names}).values_list(name, flat=True))
        orphans.extend(sorted(names))
    return orphans


def run_retention(*, now: datetime.datetime | None = None, batch_size: int = 200, dry_run: bool = False):
    """The daily task: anonymise the fiches past the retention period, purge the e-mail copies as
    old, and the orphan private files. `dry_run` reports what would be done and changes nothing."""
    now = now or timezone.now()
    report = RetentionReport()
    cutoff = retention_cutoff(now)
    old_emails = OutboxEmail.objects.filter(created_at__lt=cutoff).exclude(
        status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING]
    )
    report.orphans = orphan_files(now)
    if dry_run:
        report.anonymised = [
            ref or "" for ref in due_for_anonymisation(now).values_list("reference", flat=True)
        ]
        report.files_deleted = Attachment.objects.filter(alert__in=due_for_anonymisation(now)).count()
        report.emails_purged = old_emails.count()
        return report
    while anonymise_batch(now, batch_size, report) == batch_size:
        pass
    # Sent e-mails repeat feedback and comments: their copies go with the fiches' free text.
    report.emails_purged, _ = old_emails.delete()
    delete_files(report.orphans)
    logger.info(
        "Retention: %s fiches anonymised, %s attachments and %s orphan files deleted, %s e-mails purged",
        len(report.anonymised),
        report.files_deleted,
        len(report.orphans),
        report.emails_purged,
    )
    return report
