"""In-app notifications and e-mails about a fiche. Rows are written in the caller's transaction (a
rolled-back change announces nothing); delivery is queued on commit and never breaks the request:
if the broker is unreachable, the beat task `flush_outbox` picks the row up within a minute."""

import logging
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from partnerships.models import OrganisationKind, User

from .models import Alert, Notification, OutboxEmail

logger = logging.getLogger(__name__)


def alert_url(alert: Alert) -> str:
    """Path of the fiche page (the UI's alerts:detail)."""
    try:
        return reverse("alerts:detail", args=[alert.pk])
    except NoReverseMatch:
        return f"/fiches/{alert.pk}/"


def alert_absolute_url(alert: Alert) -> str:
    """The link put in every e-mail: settings.SITE_URL + the fiche page."""
    return settings.SITE_URL + alert_url(alert)


def notify(
    *,
    recipients: Iterable[User],
    alert: Alert,
    kind: str,
    message: str,
    email_subject: str | None = None,
    email_body: str | None = None,
) -> list[OutboxEmail]:
    """Notify each active recipient in the app and by e-mail. The outbox key makes a repeated call for
    the same change (same alert version) a no-op instead of a second e-mail."""
    url = alert_url(alert)
    link = settings.SITE_URL + url
    subject = email_subject or f"[Passerelle] {alert} — {message}"[:250]
    body = (email_body or message).rstrip() + f"\n\nConsulter la fiche : {link}\n"
    users = [user for user in recipients if user.is_active]
    Notification.objects.bulk_create(
        [
            Notification(recipient=user, alert=alert, kind=kind, message=message[:300], url=url)
            for user in users
        ]
    )
    outbox = outbox_add(
        [
            OutboxEmail(
                key=f"{kind}:{alert.pk}:{user.pk}:{alert.version}",
                to=[user.email],
                subject=subject,
                body=body,
            )
            for user in users
        ]
    )
    if outbox:
        # One task for the change's e-mails: a broker publish costs more than the row it carries.
        transaction.on_commit(lambda pks=[row.pk for row in outbox]: enqueue_delivery(*pks))
    return outbox


def outbox_add(rows: list[OutboxEmail]) -> list[OutboxEmail]:
    """Save the rows whose key is new, in one INSERT; returns those saved. The keys are almost always
    new (they name the fiche's version), so the INSERT is tried first: a key already there, from a
    repeated call or a concurrent writer, makes it fail, and the row-by-row get_or_create then keeps
    each key exactly once."""
    if not rows:
        return []
    try:
        with transaction.atomic():
            return OutboxEmail.objects.bulk_create(rows)
    except IntegrityError:
        created = []
        for row in rows:
            saved, is_new = OutboxEmail.objects.get_or_create(
                key=row.key, defaults={"to": row.to, "subject": row.subject, "body": row.body}
            )
            if is_new:
                created.append(saved)
        return created


# After a failed publish, skip the broker for a while: one change may enqueue many e-mails, and each
# attempt against an unreachable Redis costs a connection timeout. flush_outbox delivers them.
BROKER_RETRY_AFTER = 30.0
_broker_down_until = 0.0


_paused = threading.local()


@contextmanager
def delivery_paused():
    """Bulk jobs (demo data, imports) write their outbox rows without a task each: flush_outbox
    delivers whatever stays pending within a minute."""
    _paused.active = True
    try:
        yield
    finally:
        _paused.active = False


def enqueue_delivery(*outbox_ids: int) -> None:
    """Hand outbox rows to the worker in one task. A broker failure is logged, not raised: the rows
    stay pending and flush_outbox retries them."""
    global _broker_down_until
    from .tasks import deliver_outbox, deliver_outbox_batch

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


def unit_members(unit) -> list[User]:
    """Who is told about a fiche routed to `unit`: its active members."""
    if unit is None:
        return []
    return list(User.objects.filter(organisation=unit, is_active=True))


def prefecture_members(department_id) -> list[User]:
    """Who is told about the département's routing queue: the prefecture's active staff."""
    return list(
        User.objects.filter(
            organisation__kind=OrganisationKind.PREFECTURE,
            organisation__department_id=department_id,
            is_active=True,
        )
    )


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications (all, or those of `ids`) as read; returns how many."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
