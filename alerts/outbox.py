"""The outbox: every message Passerelle sends leaves through here, e-mails and webhook calls alike (a
row's `channel`; alerts/webhooks/ builds, signs and posts the webhook ones).

* `queue(messages)` writes, in the caller's transaction, the rows whose key is new — one
  INSERT … ON CONFLICT (key) DO NOTHING RETURNING id, on PostgreSQL and SQLite alike, so a repeated
  call or a concurrent writer never queues a key twice — and publishes them after the commit (a
  rolled-back change announces nothing).
* Publishing never breaks or blocks the caller: with the broker unreachable the rows stay pending
  and `flush` (the beat task, every minute) delivers them.
* Delivery is at least once, never silently lost: a row is claimed (`sending`, committed) before
  the SMTP call and marked `sent` after it. A worker killed between the SMTP server's acceptance
  and that commit leaves the row `sending`; after SENDING_TIMEOUT `flush` sends it again with the
  same Message-ID, which mail clients use to show the message once. A webhook call carries its
  row's key as `webhook-id`, which receivers deduplicate on.
* A failed webhook call is not raised for a task retry: it waits `next_attempt_at` (a backoff over
  about a day) and flush takes it then.

The delivery tasks are defined here, beside what they deliver: the modules that queue (notifications,
escalation) then never import alerts.tasks, which imports them. They keep their alerts.tasks.* names,
which the beat schedule and messages already in the broker use."""

import datetime
import json
import logging
import smtplib
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager
from typing import NamedTuple

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from partnerships.inserts import with_clauses

from .bulk import insert_new, other_columns
from .models import OutboxChannel, OutboxEmail, OutboxStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Rows per delivery task: a broker publish per row cost more than the escalation scan itself, and one
# task for thousands of rows would send them one after the other on a single worker.
DELIVERY_CHUNK = 50
# Longer than the hard task time limit: a row is only taken over once its worker cannot be alive.
SENDING_TIMEOUT = datetime.timedelta(seconds=2 * settings.CELERY_TASK_TIME_LIMIT)
SKIPPED = "skipped"
SMTP_ERRORS = (smtplib.SMTPException, OSError)


class DeliveryError(Exception):
    """A webhook call that failed (refused address, network error, an answer other than 2xx)."""


DELIVERY_ERRORS = (*SMTP_ERRORS, DeliveryError)


class Message(NamedTuple):
    key: str  # names the message: queued once whoever asks again
    to: list[str]
    subject: str
    body: str


class WebhookMessage(NamedTuple):
    key: str  # queued once, and the webhook-id receivers deduplicate on
    endpoint: int  # WebhookEndpoint id
    event_type: str  # kept in the row's subject
    body: str  # the JSON payload


def _row(message: Message | WebhookMessage) -> tuple:
    """The columns of FIELDS for either kind of message."""
    if isinstance(message, WebhookMessage):
        return (message.key, [], message.event_type, message.body, OutboxChannel.WEBHOOK, message.endpoint)
    return (*message, OutboxChannel.EMAIL, None)


def queue(messages: Iterable[Message | WebhookMessage], *, with_rows: list | None = None) -> list[int]:
    """Save the messages whose key is new and publish them once the transaction commits; returns the
    new rows' ids. `with_rows`: new instances of one model written in the same statement (a filing's
    notifications in the app: one round trip for both)."""
    ids = _insert_new(list(messages), with_rows or [])
    for start in range(0, len(ids), DELIVERY_CHUNK):
        transaction.on_commit(lambda pks=ids[start : start + DELIVERY_CHUNK]: publish(*pks))
    return ids


def queue_email(*, key: str, to: str, subject: str, body: str) -> None:
    """One e-mail of the core (partnerships.hooks.queue_email: invitations, password resets)."""
    queue([Message(key, [to], subject, body)])


FIELDS = [*Message._fields, "channel", "endpoint"]


def _insert_new(messages: list[Message | WebhookMessage], with_rows: list) -> list[int]:
    """One statement whatever the number of messages. Django's bulk_create gives no ids back with
    ignore_conflicts, and with update_conflicts gives the existing rows' ids too, so the statement is
    written here. The rows travel as one JSON document: psycopg quotes an array parameter element by
    element, which cost more than the insert, and SQLite caps the number of parameters. `with_rows`
    go first, as its WITH clause where their INSERT is compiled once (partnerships/inserts.py)."""
    prefix = with_clauses((with_rows, None)) if messages else None
    if prefix is None:
        insert_new(with_rows)
        prefix = ("", [])
    if not messages:
        return []
    given, rest, defaults = other_columns(OutboxEmail, FIELDS)
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        record = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in given)
        source, values = (
            f"jsonb_to_recordset(%s::jsonb) AS u({record})",
            [f"u.{quote(f.column)}" for f in given],
        )
    elif connection.vendor == "sqlite":
        # "WHERE true" tells SQLite's parser that ON CONFLICT belongs to the INSERT, not to a join.
        source = "json_each(%s) AS u WHERE true"
        values = [f"json_extract(u.value, '$.{f.column}')" for f in given]
    else:
        raise NotImplementedError(f"the outbox supports PostgreSQL and SQLite, not {connection.vendor}")
    # Identifiers come from the model's options, values are parameters.
    sql = (
        f"INSERT INTO {quote(OutboxEmail._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(f.column) for f in [*given, *rest])}) "
        f"SELECT {', '.join([*values, *('%s' for _ in rest)])} FROM {source} "
        f"ON CONFLICT ({quote(given[0].column)}) DO NOTHING RETURNING {quote(OutboxEmail._meta.pk.column)}"
    )
    document = json.dumps([dict(zip((f.column for f in given), _row(m), strict=True)) for m in messages])
    with connection.cursor() as cursor:
        # The WITH clauses (compiled INSERTs) and their placeholders first, then the SELECT's, then FROM's.
        cursor.execute(prefix[0] + sql, [*prefix[1], *defaults, document])
        return [row[0] for row in cursor.fetchall()]


# After a failed publish, skip the broker for a while: one change may publish many tasks, and each
# attempt against an unreachable Redis costs a connection timeout. flush delivers the rows.
BROKER_RETRY_AFTER = 30.0
_broker_down_until = 0.0
_paused = threading.local()


@contextmanager
def delivery_paused():
    """Bulk jobs (demo data, imports) write their outbox rows without a task each: flush delivers
    whatever stays pending within a minute."""
    _paused.active = True
    try:
        yield
    finally:
        _paused.active = False


def publish(*outbox_ids: int) -> None:
    """Hand rows to the worker in one task. A broker failure is logged, not raised: the rows stay
    pending and flush retries them."""
    global _broker_down_until
    if not outbox_ids or getattr(_paused, "active", False) or time.monotonic() < _broker_down_until:
        return
    try:
        if len(outbox_ids) == 1:
            deliver_outbox.apply_async(args=[outbox_ids[0]], retry=False)
        else:
            deliver_outbox_batch.apply_async(args=[list(outbox_ids)], retry=False)
    except Exception:  # any broker/transport error: the outbox is the source of truth
        _broker_down_until = time.monotonic() + BROKER_RETRY_AFTER
        logger.warning("Broker unreachable, outbox %s left for flush_outbox", outbox_ids, exc_info=True)


def due(now: datetime.datetime) -> Q:
    """Pending rows whose backoff, if any, is over."""
    return Q(status=OutboxStatus.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def claimable(now: datetime.datetime) -> Q:
    """Rows a worker may take: pending and due, or left "sending" by a worker that died."""
    return due(now) | Q(status=OutboxStatus.SENDING, claimed_at__lt=now - SENDING_TIMEOUT)


def transmit(row: OutboxEmail) -> None:
    """The SMTP call, with the row's own Message-ID; or the signed webhook call."""
    if row.channel == OutboxChannel.WEBHOOK:
        from .webhooks import delivery  # delivery reads the outbox's rows: imported when needed

        delivery.post(row)
        return
    EmailMessage(
        row.subject, row.body, settings.DEFAULT_FROM_EMAIL, row.to, headers={"Message-ID": row.message_id}
    ).send(fail_silently=False)


def deliver(outbox_id: int, *, now: datetime.datetime | None = None) -> str:
    """Send one row if a worker may take it; returns its new status, or SKIPPED. The claim is committed
    before the SMTP call, so a concurrent or duplicated task skips the row instead of sending it
    too. An SMTP error is recorded, then raised (for the task's retry) until MAX_ATTEMPTS."""
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(claimable(now), pk=outbox_id)
            .first()
        )
        if row is None:
            return SKIPPED
        row.status, row.claimed_at, row.attempts = OutboxStatus.SENDING, now, row.attempts + 1
        row.save(update_fields=["status", "claimed_at", "attempts"])
    try:
        transmit(row)
    except DELIVERY_ERRORS as exc:
        row.last_error = str(exc)[:2000]
        if row.channel == OutboxChannel.WEBHOOK:
            from .webhooks import delivery

            row.status, row.next_attempt_at = delivery.retry_plan(row.attempts, now)
            _record(row, "last_error", "next_attempt_at")
            delivery.failed(row, now)
            return row.status
        row.status = OutboxStatus.FAILED if row.attempts >= MAX_ATTEMPTS else OutboxStatus.PENDING
        if row.status == OutboxStatus.FAILED:
            logger.error("Outbox %s failed after %s attempts", row.pk, row.attempts)
        _record(row, "last_error")
        if row.status == OutboxStatus.PENDING:
            raise
        return row.status
    row.status, row.sent_at = OutboxStatus.SENT, timezone.now()
    _record(row, "sent_at")
    if row.channel == OutboxChannel.WEBHOOK:
        from .webhooks import delivery

        delivery.succeeded(row)
    return row.status


def _record(row: OutboxEmail, *fields: str) -> None:
    """Write the attempt's outcome unless another worker took the row over meanwhile (then its own
    attempt, the later one, has the last word)."""
    OutboxEmail.objects.filter(pk=row.pk, status=OutboxStatus.SENDING, attempts=row.attempts).update(
        status=row.status, **{field: getattr(row, field) for field in fields}
    )


def deliver_batch(outbox_ids: list[int]) -> tuple[int, list[int]]:
    """Send the rows of one change or one chunk; returns how many were sent and the ids whose SMTP
    attempt failed (each retried alone by the caller)."""
    sent, failed = 0, []
    for pk in outbox_ids:
        try:
            if deliver(pk) == OutboxStatus.SENT:
                sent += 1
        except DELIVERY_ERRORS:
            failed.append(pk)
    return sent, failed


def flush(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Deliver what no task carries: pending rows whose publish was lost, then rows left "sending"
    past SENDING_TIMEOUT. Each query is served by its partial index. Returns how many were sent."""
    now = now or timezone.now()
    stale = Q(status=OutboxStatus.SENDING, claimed_at__lt=now - SENDING_TIMEOUT)
    sent = 0
    for waiting in (due(now), stale):
        for pk in OutboxEmail.objects.filter(waiting).values_list("pk", flat=True)[:limit]:
            try:
                if deliver(pk, now=now) == OutboxStatus.SENT:
                    sent += 1
            except DELIVERY_ERRORS:
                logger.warning("Outbox %s not delivered, will retry", pk, exc_info=True)
    return sent


@shared_task(name="alerts.tasks.deliver_outbox", bind=True, max_retries=MAX_ATTEMPTS, acks_late=True)
def deliver_outbox(self, outbox_id: int) -> str:
    """Send one row; retry with exponential backoff on SMTP errors."""
    try:
        return deliver(outbox_id)
    except DELIVERY_ERRORS as exc:
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 3600)) from exc


@shared_task(name="alerts.tasks.deliver_outbox_batch", acks_late=True)
def deliver_outbox_batch(outbox_ids: list[int]) -> int:
    """Send a change's or a chunk's rows in one task; a row whose SMTP attempt fails gets its own
    deliver_outbox task, which retries that row alone with the same backoff. Returns how many were
    sent."""
    sent, failed = deliver_batch(outbox_ids)
    for pk in failed:
        try:
            deliver_outbox.apply_async(args=[pk], countdown=30, retry=False)
        except Exception:  # any broker/transport error: the outbox is the source of truth
            logger.warning("Outbox %s not delivered, left for flush_outbox", pk, exc_info=True)
    return sent


@shared_task(name="alerts.tasks.flush_outbox")
def flush_outbox() -> int:
    """Beat task (every minute): see flush."""
    return flush()
