"""In-app notifications and e-mails about a fiche. Rows are written in the caller's transaction (a
rolled-back change announces nothing); the e-mails go through the outbox (alerts/outbox.py)."""

from collections.abc import Iterable

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from partnerships.models import OrganisationKind, User

from . import outbox
from .models import Alert, Notification


def alert_url(alert: Alert) -> str:
    """Path of the fiche page (the UI's alerts:detail)."""
    try:
        return reverse("alerts:detail", args=[alert.pk])
    except NoReverseMatch:
        return f"/fiches/{alert.pk}/"


def alert_absolute_url(alert: Alert) -> str:
    """The link put in every e-mail: settings.SITE_URL + the fiche page."""
    return settings.SITE_URL + alert_url(alert)


def email_subject_for(alert: Alert, message: str) -> str:
    """« [Passerelle] <message> », naming the fiche once: most messages already name it."""
    named = message if str(alert) in message else f"{alert} — {message}"
    return f"[Passerelle] {named}"[:250]


def notify(
    *,
    recipients: Iterable[User],
    alert: Alert,
    kind: str,
    message: str,
    email_subject: str | None = None,
    email_body: str | None = None,
) -> list[int]:
    """Notify each active recipient in the app and by e-mail; returns the new outbox rows' ids. The
    outbox key names the change (same alert version), so a repeated call sends no second e-mail."""
    url = alert_url(alert)
    link = settings.SITE_URL + url
    subject = email_subject or email_subject_for(alert, message)
    body = (email_body or message).rstrip() + f"\n\nConsulter la fiche : {link}\n"
    users = [user for user in recipients if user.is_active]
    Notification.objects.bulk_create(
        [
            Notification(recipient=user, alert=alert, kind=kind, message=message[:300], url=url)
            for user in users
        ]
    )
    return outbox.queue(
        outbox.Message(f"{kind}:{alert.pk}:{user.pk}:{alert.version}", [user.email], subject, body)
        for user in users
    )


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
