"""Reference-data imports as runs (ImportRun): upload → check (a complete import rolled back) → commit,
the two long steps in Celery tasks (partnerships.tasks) so that no request waits on a national file.

The worker reports progress through the importers' callback into the "imports" cache: it counts rows
from inside the import's transaction, where a database write would be invisible until the end."""

import datetime
import logging

from django.core.cache import caches
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerships.audit import audit_record
from partnerships.errors import ApplicationError
from partnerships.importers.base import ImportSummary
from partnerships.importers.sites import import_sites
from partnerships.importers.territories import import_territories
from partnerships.models import AuditAction, ImportRun, ImportStatus, User
from partnerships.permissions import IMPORT_SITES, import_policy

logger = logging.getLogger(__name__)

# Rows between two progress writes: a cache write every few milliseconds at most.
PROGRESS_EVERY = 500
# A file wrong on every line of a national extract would otherwise store a million errors.
MAX_ERRORS = 1000
PROGRESS_TIMEOUT = 24 * 3600


def progress_key(run: ImportRun) -> str:
    return f"import-run:{run.token.hex}"


def progress_cache():
    return caches["imports"]


def count_rows(binary) -> int:
    """Data lines of the file (the header aside), read in chunks: the denominator of the progress bar."""
    binary.seek(0)
    lines, last = 0, b"\n"
    while chunk := binary.read(1 << 20):
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    binary.seek(0)
    return max(lines + (last != b"\n") - 1, 0)


class _Progress:
    """The importers' callback: counts rows and publishes the count every PROGRESS_EVERY rows."""

    def __init__(self, run: ImportRun):
        self.key = progress_key(run)
        self.done = 0
        progress_cache().set(self.key, 0, PROGRESS_TIMEOUT)

    def __call__(self, rows: int) -> None:
        before = self.done // PROGRESS_EVERY
        self.done += rows
        if self.done // PROGRESS_EVERY != before:
            progress_cache().set(self.key, self.done, PROGRESS_TIMEOUT)


@transaction.atomic
def import_run_create(*, actor: User, kind: str, uploaded_file, params: dict) -> ImportRun:
    """Store the file privately and enqueue its check once the run is committed."""
    run = ImportRun(
        created_by=actor,
        organisation_id=actor.organisation_id,
        kind=kind,
        params=params,
        original_name=uploaded_file.name[:255],
    )
    run.file.save(f"{run.token.hex}.csv", uploaded_file, save=False)
    with run.file.open("rb") as binary:
        run.rows_total = count_rows(binary)
    run.full_clean()
    run.save()
    _audit(actor, AuditAction.CREATE, run, "upload")
    _enqueue("check_import_run", run)
    return run


@transaction.atomic
def import_run_commit_request(*, actor: User, run: ImportRun, confirm_reroute: bool) -> ImportRun:
    """Accept a checked run for commit (once: a second click finds it committing) and enqueue it."""
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.status != ImportStatus.CHECKED:
        raise ApplicationError(_("Cet import n'est pas prêt à être enregistré."), code="import_not_checked")
    run.status = ImportStatus.COMMITTING
    run.committed_by = actor
    run.confirm_reroute = confirm_reroute
    run.rows_done = 0
    run.save(update_fields=["status", "committed_by", "confirm_reroute", "rows_done"])
    _audit(actor, AuditAction.CHANGE, run, "commit")
    _enqueue("commit_import_run", run)
    return run


def import_run_check(*, run_id: int) -> None:
    """The check task's work: a complete import rolled back. A retry of a run already checked does nothing."""
    updated = ImportRun.objects.filter(
        pk=run_id, status__in=(ImportStatus.PENDING, ImportStatus.CHECKING)
    ).update(status=ImportStatus.CHECKING, rows_done=0)
    if not updated:
        return
    run = ImportRun.objects.select_related("created_by").get(pk=run_id)
    summary, done = _execute(run, actor=run.created_by, dry_run=True)
    _finish(run, summary, done, ok_status=ImportStatus.CHECKED)


def import_run_commit(*, run_id: int) -> None:
    """The commit task's work: the import and the run's outcome are written in one transaction, so a
    worker lost midway leaves nothing half-written and its retry starts again from "committing"."""
    with transaction.atomic():
        run = (
            # Lock the run's row only: PostgreSQL refuses FOR UPDATE on the nullable side of the join.
            ImportRun.objects.select_for_update(of=("self",))
            .select_related("created_by", "committed_by")
            .filter(pk=run_id, status=ImportStatus.COMMITTING)
            .first()
        )
        if run is None:
            return
        summary, done = _execute(run, actor=run.committed_by or run.created_by, dry_run=False)
        # A confirmation still missing (fiches to re-route) sends the run back to its preview.
        ok_status = ImportStatus.CHECKED if summary.confirmation_needed else ImportStatus.DONE
        _finish(run, summary, done, ok_status=ok_status)


def import_run_fail(*, run_id: int, message: str) -> None:
    """An unexpected error in a task: the run says so instead of running forever."""
    run = ImportRun.objects.filter(pk=run_id).exclude(status=ImportStatus.DONE).first()
    if run is None:
        return
    run.status = ImportStatus.FAILED
    run.summary = {**run.summary, "failure": message}
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "summary", "finished_at"])
    run.file.delete(save=False)


def _execute(run: ImportRun, *, actor: User, dry_run: bool) -> tuple[ImportSummary, int]:
    progress = _Progress(run)
    with run.file.open("rb") as binary:
        if run.kind == IMPORT_SITES:
            # Checked again at each step: the user's organisation or role may have changed since.
            landlord = import_policy.landlords(actor).filter(pk=run.params["landlord"]).first()
            if landlord is None:
                summary = ImportSummary(dry_run=dry_run)
                summary.error(1, "", _("vous ne pouvez pas importer le patrimoine de ce bailleur"))
                return summary, 0
            summary = import_sites(
                binary, landlord=landlord, fmt=run.params["fmt"], progress=progress, dry_run=dry_run
            )
        else:
            valid_from = run.params.get("valid_from")
            summary = import_territories(
                binary,
                fmt=run.params["fmt"],
                actor=actor,
                departments=import_policy.territory_departments(actor),
                valid_from=datetime.date.fromisoformat(valid_from) if valid_from else None,
                confirm_reroute=run.confirm_reroute,
                progress=progress,
                dry_run=dry_run,
            )
    return summary, progress.done


def _finish(run: ImportRun, summary: ImportSummary, rows_done: int, *, ok_status: str) -> None:
    run.status = ok_status if summary.ok else ImportStatus.FAILED
    run.rows_done = rows_done
    run.summary = {
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "rejected": summary.rejected,
        "warnings": [str(line) for line in summary.warnings],
        "pending": [str(line) for line in summary.pending],
        "confirmation_needed": summary.confirmation_needed,
        "errors_count": len(summary.errors),
    }
    run.errors = [
        {"line": error.line, "column": error.column, "message": str(error.message)}
        for error in summary.errors[:MAX_ERRORS]
    ]
    over = run.status in (ImportStatus.DONE, ImportStatus.FAILED)
    run.finished_at = timezone.now() if over else None
    run.save(update_fields=["status", "rows_done", "summary", "errors", "finished_at"])
    if over:
        # The result stays on the run; the file itself is no longer needed.
        transaction.on_commit(lambda: run.file.delete(save=False))
    progress_cache().delete(progress_key(run))


def _enqueue(task_name: str, run: ImportRun) -> None:
    from partnerships import tasks  # tasks call these services: imported when first needed

    task = getattr(tasks, task_name)
    run_id = run.pk
    transaction.on_commit(lambda: task.delay(run_id))


def _audit(actor: User, action: str, run: ImportRun, event: str) -> None:
    # File contents never go into the journal: the kind, the format and the step do.
    audit_record(
        request_or_actor=actor,
        action=action,
        obj=run,
        detail={"event": event, "kind": run.kind, "format": run.params.get("fmt", "")},
    )
