"""The daily digest: one e-mail per force manager and prefecture referent, keyed by day."""

import datetime

from django.utils import timezone

from partnerships.localtime import fiche_time, zone_of

from .. import notifications, outbox
from ..models import Status
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
    for user in digest_recipients():
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
        if not overdue and not due_soon:
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
            + "\nCe message est envoyé automatiquement par Passerelle.\n"
        )
        subject = f"[Passerelle] Point quotidien : {len(overdue)} en retard, {len(due_soon)} à échéance"
        # A manager on leave: their substitute reads the digest of their perimeter meanwhile.
        substitute = substitutes.get(user.pk)
        if substitute is not None:
            subject += f" (suppléance de {user})"
        to = (substitute or user).email
        sent += len(outbox.queue([outbox.Message(key, [to], subject, body)]))
    return sent
