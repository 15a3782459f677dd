"""The daily digest: one e-mail per force manager and prefecture referent, and per follower who chose
« point quotidien » for some kind of event (alerts/following.py), keyed by day."""

import datetime

from django.conf import settings
from django.utils import timezone

from partnerships.localtime import fiche_time, zone_of
from partnerships.models import User

from .. import notifications, outbox
from ..models import REMINDER_KINDS, Notification, Status
from ..permissions import alert_policy
from .clocks import CLOCKS
from .recipients import digest_recipients, substitutes_on

DIGEST_HOUR = 7


def due_at(alert) -> datetime.datetime | None:
    """The deadline the fiche waits on: acknowledgement while submitted, then the first feedback."""
    return alert.ack_due_at if alert.status == Status.SUBMITTED else alert.feedback_due_at


def send_daily_digests(*, now: datetime.datetime | None = None) -> int:
    """One e-mail per manager and per day listing what is overdue and what falls due within 24 h,
    among the fiches they see, at 07:xx in the recipient's local time (beat runs this hourly).
    Keyed by the recipient's local day: a second run the same day sends nothing."""
    now = now or timezone.now()
    soon = now + datetime.timedelta(hours=24)
    sent = 0
    substitutes = substitutes_on(timezone.localdate(now))
    followed = pending_notifications()
    recipients = {user.pk: user for user in digest_recipients()}
    recipients.update(
        {user.pk: user for user in User.objects.filter(pk__in=followed).select_related("organisation")}
    )
    for user in recipients.values():
        local = now.astimezone(zone_of(user))
        if local.hour != DIGEST_HOUR:
            continue
        visible = alert_policy.instances(user, "view")
        waiting_ack = visible.filter(status=Status.SUBMITTED)
        waiting_feedback = visible.filter(CLOCKS[1].open_q)
        overdue = list(
            (waiting_ack.filter(ack_due_at__lte=now) | waiting_feedback.filter(feedback_due_at__lte=now))
            .distinct()
            .order_by("ack_due_at")[:200]
        )
        due_soon = list(
            (
                waiting_ack.filter(ack_due_at__gt=now, ack_due_at__lte=soon)
                | waiting_feedback.filter(feedback_due_at__gt=now, feedback_due_at__lte=soon)
            )
            .exclude(pk__in=[a.pk for a in overdue])
            .distinct()
            .order_by("ack_due_at")[:200]
        )
        news = followed.get(user.pk, [])
        if not overdue and not due_soon and not news:
            continue
        key = f"digest:{user.pk}:{local.date().isoformat()}"

        def section(title, alerts, user=user):
            rows = [
                f"- {a.reference} ({a.get_status_display()}, {a.get_urgency_display()}), échéance "
                f"{fiche_time(due_at(a), a, reader=user)}"
                f" : {notifications.alert_absolute_url(a)}"
                for a in alerts
            ]
            return f"{title} ({len(alerts)})\n" + ("\n".join(rows) if rows else "- aucune") + "\n"

        body = (
            "Bonjour,\n\nVoici le point quotidien des fiches alertes de votre périmètre.\n\n"
            + section("En retard", overdue)
            + "\n"
            + section("À traiter dans les 24 heures", due_soon)
            + followed_section(news)
            + "\nCe message est envoyé automatiquement par Passerelle.\n"
        )
        subject = f"[Passerelle] Point quotidien : {len(overdue)} en retard, {len(due_soon)} à échéance"
        # A manager on leave: their substitute reads the digest of their perimeter meanwhile.
        substitute = substitutes.get(user.pk)
        if substitute is not None:
            subject += f" (suppléance de {user})"
        to = (substitute or user).email
        queued = outbox.queue([outbox.Message(key, [to], subject, body)])
        if queued and news:
            # Told once: what today's digest carried is not carried again tomorrow.
            Notification.objects.filter(pk__in=[n.pk for n in news]).update(digest_pending=False)
        sent += len(queued)
    return sent


def pending_notifications() -> dict[int, list]:
    """Per user, the events of their followed fiches they chose to read in the digest."""
    pending: dict[int, list] = {}
    for notification in Notification.objects.filter(digest_pending=True).order_by("created_at", "id"):
        pending.setdefault(notification.recipient_id, []).append(notification)
    return pending


def followed_section(news: list) -> str:
    """The events of followed fiches, then the conventions' reminders (conventions/reminders.py)."""
    reminders = [n for n in news if n.kind in REMINDER_KINDS]
    fiches = [n for n in news if n.kind not in REMINDER_KINDS]
    return _news_section("Suivi de vos fiches", fiches) + _news_section(
        "Rappels de vos conventions", reminders
    )


def _news_section(title: str, news: list) -> str:
    if not news:
        return ""
    rows = [f"- {n.message} : {settings.SITE_URL}{n.url}" if n.url else f"- {n.message}" for n in news]
    return f"\n{title} ({len(news)})\n" + "\n".join(rows) + "\n"
