"""Reminders of the conventions' follow-up, each told once to each person concerned:

* an action item due within 7 days, then overdue — to its owner organisation's managers;
* a periodic point between a landlord and a force unit due within 30 days, then late — to both
  partners' managers;
* a convention ending within 90 days, then within 30 (not one renewed tacitly) — to its signatories'
  managers;

and, for all three, to the prefecture's referents of the convention's département. A manager on leave
is replaced by their substitute (« Mes absences »). Each person hears as they chose for the reminder's
kind on « Mes préférences » (alerts/following.py): at once (in the app and by e-mail through the
outbox), in the morning digest, or never.

`ReminderSent` holds one row per (reminder, threshold, person), under a unique constraint: a re-run
finds its rows and sends nothing more. The key carries the date a reminder is about, so a postponed
action item or a new periodic cycle is reminded again. The beat task runs hourly and takes, in each
département, what is due from 06:00 local time (the 07:00 digest then carries the digest's share).

A run costs the same number of queries whatever the number of items and people
(tests/conventions/test_reminders.py pins it): the items, their conventions' signatories, the people,
their substitutes and choices, the rows already sent, then three bulk INSERTs."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from alerts import outbox
from alerts.escalation.recipients import MANAGER_ROLES, substitutes_on
from alerts.following import channels_chosen
from alerts.models import REMINDER_KINDS, Channel, FollowKind, Notification
from partnerships.localtime import zone_of
from partnerships.models import OrganisationKind, User

from .models import (
    OPEN_ACTION_STATUSES,
    ActionItem,
    Convention,
    ConventionStatus,
    Meeting,
    MeetingKind,
    ReminderSent,
    Signatory,
)
from .services import next_periodic_review

REMINDER_HOUR = 6  # local time: before the 07:00 digest, which then carries the digest's share
ACTION_SOON_DAYS = 7
PERIODIC_SOON_DAYS = 30
EXPIRY_DAYS = (30, 90)  # the nearest threshold first
IN_FORCE = (ConventionStatus.SIGNED, ConventionStatus.ACTIVE)


@dataclass(frozen=True)
class Reminder:
    key: str  # what, about which date, at which threshold: told once per person
    kind: str  # a FollowKind: the channel each person chose for it
    convention: Convention
    owners: frozenset[int]  # organisations whose managers hear of it (with the prefecture's referents)
    message: str


def _day(value: datetime.date) -> str:
    return date_format(value, "d/m/Y")


def _quoted(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _today(convention: Convention, now: datetime.datetime) -> datetime.date | None:
    """The convention's local day, or None before REMINDER_HOUR there (its reminders wait)."""
    local = now.astimezone(zone_of(convention))
    return local.date() if local.hour >= REMINDER_HOUR else None


def action_reminders(now: datetime.datetime) -> list[Reminder]:
    """Open action items due within ACTION_SOON_DAYS (threshold « soon ») or overdue (« late »)."""
    latest = (now + datetime.timedelta(days=ACTION_SOON_DAYS + 1)).date()
    items = ActionItem.objects.filter(
        status__in=OPEN_ACTION_STATUSES, due_date__isnull=False, due_date__lte=latest
    ).select_related("meeting__convention", "owner")
    found = []
    for item in items:
        convention = item.meeting.convention
        today = _today(convention, now)
        if today is None or item.due_date > today + datetime.timedelta(days=ACTION_SOON_DAYS):
            continue
        late = item.due_date < today
        text = _quoted(item.text)
        if late:
            message = _("Rappel : l'action « %(text)s » (%(convention)s) est en retard depuis le %(day)s.")
        else:
            message = _("Rappel : l'action « %(text)s » (%(convention)s) est à mener d'ici le %(day)s.")
        found.append(
            Reminder(
                key=f"action:{item.pk}:{item.due_date}:{'late' if late else 'soon'}",
                kind=FollowKind.ACTION_REMINDER,
                convention=convention,
                owners=frozenset([item.owner_id]),
                message=message
                % {"text": text, "convention": _quoted(convention.title, 60), "day": _day(item.due_date)},
            )
        )
    return found


def convention_reminders(now: datetime.datetime) -> list[Reminder]:
    """Periodic points due within PERIODIC_SOON_DAYS or late, and conventions ending within
    EXPIRY_DAYS, among the conventions in force."""
    latest = (now + datetime.timedelta(days=max(EXPIRY_DAYS) + 1)).date()
    conventions = (
        Convention.objects.filter(status__in=IN_FORCE)
        .filter(
            Q(periodic_review_months__isnull=False)
            | Q(tacit_renewal=False, effective_until__isnull=False, effective_until__lte=latest)
        )
        .prefetch_related(
            Prefetch("signatories", queryset=Signatory.objects.select_related("organisation")),
            Prefetch(
                "meetings",
                queryset=Meeting.objects.filter(kind=MeetingKind.PERIODIC).prefetch_related("attendees"),
            ),
        )
    )
    found = []
    for convention in conventions:
        today = _today(convention, now)
        if today is None:
            continue
        found += _periodic(convention, today) + _expiry(convention, today)
    return found


def _periodic(convention: Convention, today: datetime.date) -> list[Reminder]:
    if not convention.periodic_review_months:
        return []
    orgs = [s.organisation for s in convention.signatories.all()]
    meetings = list(convention.meetings.all())
    found = []
    for landlord in (o for o in orgs if o.is_landlord):
        for unit in (o for o in orgs if o.is_force):
            due = next_periodic_review(convention, landlord, unit, meetings)
            if due is None or due > today + datetime.timedelta(days=PERIODIC_SOON_DAYS):
                continue
            late = due < today
            if late:
                message = _(
                    "Rappel : le point périodique entre %(landlord)s et %(unit)s (%(convention)s) est en "
                    "retard : il était attendu le %(day)s."
                )
            else:
                message = _(
                    "Rappel : le point périodique entre %(landlord)s et %(unit)s (%(convention)s) est à "
                    "tenir d'ici le %(day)s."
                )
            found.append(
                Reminder(
                    key=f"periodic:{convention.pk}:{landlord.pk}:{unit.pk}:{due}:{'late' if late else 'soon'}",
                    kind=FollowKind.PERIODIC_REMINDER,
                    convention=convention,
                    owners=frozenset([landlord.pk, unit.pk]),
                    message=message
                    % {
                        "landlord": landlord.name,
                        "unit": unit.name,
                        "convention": _quoted(convention.title, 60),
                        "day": _day(due),
                    },
                )
            )
    return found


def _expiry(convention: Convention, today: datetime.date) -> list[Reminder]:
    until = convention.effective_until
    if convention.tacit_renewal or until is None or until < today:
        return []
    days = next((d for d in EXPIRY_DAYS if until <= today + datetime.timedelta(days=d)), None)
    if days is None:
        return []
    message = _(
        "Rappel : la convention « %(convention)s » prend fin le %(day)s, dans moins de %(days)s jours."
    )
    return [
        Reminder(
            key=f"expiry:{convention.pk}:{until}:{days}",
            kind=FollowKind.EXPIRY_REMINDER,
            convention=convention,
            owners=frozenset(s.organisation_id for s in convention.signatories.all()),
            message=message
            % {"convention": _quoted(convention.title, 120), "day": _day(until), "days": days},
        )
    ]


def _people(reminders: list[Reminder]) -> tuple[dict[int, list[User]], dict[str, list[User]]]:
    """The active managers of the owner organisations, and the prefectures' referents per département,
    in one query."""
    owners = set().union(*(r.owners for r in reminders))
    departments = {r.convention.department_id for r in reminders}
    users = User.objects.filter(is_active=True, role__in=MANAGER_ROLES).filter(
        Q(organisation_id__in=owners)
        | Q(organisation__kind=OrganisationKind.PREFECTURE, organisation__department_id__in=departments)
    )
    managers: dict[int, list[User]] = {}
    referents: dict[str, list[User]] = {}
    for user in users.select_related("organisation").order_by("pk"):
        if user.organisation_id in owners:
            managers.setdefault(user.organisation_id, []).append(user)
        if user.organisation.is_prefecture and user.organisation.department_id in departments:
            referents.setdefault(user.organisation.department_id, []).append(user)
    return managers, referents


def _link(reminder: Reminder, user: User, signed: set[int]) -> str:
    """The convention's page for the prefecture, its page of what it owes for a signatory; nothing for
    an owner that did not sign (it cannot open the convention)."""
    convention = reminder.convention
    if user.organisation.is_prefecture and user.organisation.department_id == convention.department_id:
        return reverse("conventions:detail", args=[convention.pk])
    if user.organisation_id in signed:
        return reverse("conventions:partner", args=[convention.pk])
    return ""


@transaction.atomic
def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Tell each reminder due now to each person concerned who has not heard of it; returns how many
    (reminder, person) pairs were new. Run by the beat task hourly; safe to run again."""
    now = now or timezone.now()
    reminders = action_reminders(now) + convention_reminders(now)
    if not reminders:
        return 0
    managers, referents = _people(reminders)
    addressed = [
        (reminder, user)
        for reminder in reminders
        for user in {
            u.pk: u
            for u in [
                *(m for org in sorted(reminder.owners) for m in managers.get(org, [])),
                *referents.get(reminder.convention.department_id, []),
            ]
        }.values()
    ]
    if not addressed:
        return 0
    sent = set(
        ReminderSent.objects.filter(key__in={r.key for r, _user in addressed}).values_list(
            "key", "recipient_id"
        )
    )
    addressed = [(r, user) for r, user in addressed if (r.key, user.pk) not in sent]
    if not addressed:
        return 0
    signed: dict[int, set[int]] = {}
    for convention_id, organisation_id in Signatory.objects.filter(
        convention_id__in={r.convention.pk for r, _user in addressed}
    ).values_list("convention_id", "organisation_id"):
        signed.setdefault(convention_id, set()).add(organisation_id)
    # A manager on leave: their substitute hears in their stead, once even when standing in for several.
    substitutes = substitutes_on(timezone.localdate(now))
    told = {}
    for reminder, user in addressed:
        reader = substitutes.get(user.pk, user)
        told.setdefault((reminder.key, reader.pk), (reminder, reader, user))
    channels = channels_chosen(
        list({reader.pk: reader for _r, reader, _u in told.values()}.values()), REMINDER_KINDS
    )
    ReminderSent.objects.bulk_create(
        [
            ReminderSent(
                key=r.key, recipient=user, channel=channels[(substitutes.get(user.pk, user).pk, r.kind)]
            )
            for r, user in addressed
        ]
    )
    notifications, emails = [], []
    for reminder, reader, user in told.values():
        channel = channels[(reader.pk, reminder.kind)]
        if channel == Channel.NEVER:
            continue
        message = reminder.message
        if reader.pk != user.pk:
            message = _("%(message)s (suppléance de %(user)s)") % {"message": message, "user": user}
        url = _link(reminder, reader, signed.get(reminder.convention.pk, set()))
        notifications.append(
            Notification(
                recipient=reader,
                kind=reminder.kind,
                message=message[:300],
                url=url,
                digest_pending=channel == Channel.DIGEST,
            )
        )
        if channel == Channel.IMMEDIATE:
            body = message + (f"\n\nConsulter : {settings.SITE_URL}{url}\n" if url else "\n")
            emails.append(
                outbox.Message(
                    f"reminder:{reminder.key}:{reader.pk}",
                    [reader.email],
                    f"[Passerelle] {message}"[:250],
                    body,
                )
            )
    Notification.objects.bulk_create(notifications)
    outbox.queue(emails)
    return len(addressed)
