"""Escalation of fiches nobody answered, driven by the database (issue: "nothing unanswered goes
unnoticed, nothing sent twice").

Two clocks run on each fiche, each with its own level: acknowledgement (`ack_due_at`,
`ack_escalation_level`) while the fiche is only "transmise", and first feedback
(`feedback_due_at`, `feedback_escalation_level`) until the unit first answers the landlord. Level k
of a clock fires once the due date is passed by (k - 1) steps, a step being the clock's own window
for the fiche's urgency (so a "normale" fiche acknowledged within 24 h escalates again every 24 h):

    1 reminder to the routed unit   2 the unit's managers   3 the parent unit's managers
    4 the prefecture's referents (final)

The beat task `scan_escalations` claims due fiches with SELECT … FOR UPDATE SKIP LOCKED, raises the
level and writes the timeline event, the in-app notifications and the grouped outbox e-mails in the
same transaction. Nothing depends on a message in flight: a restart, a lost task or a Redis outage
only delays the next scan, and a level, once raised, is never sent again — even with two beat
schedulers running by mistake."""

import datetime
import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from conventions.policy import policy_for
from partnerships.models import OrganisationKind, Role, Substitution, User

from . import notifications
from .models import Alert, AlertEvent, EventKind, Notification, OutboxEmail, Status

logger = logging.getLogger(__name__)

MAX_LEVEL = 4
LEVEL_LABELS = {
    1: "relance de l'unité",
    2: "signalement aux responsables de l'unité",
    3: "signalement à l'échelon supérieur",
    4: "signalement au référent de la préfecture",
}
MANAGER_ROLES = (Role.MANAGER, Role.ADMIN)


@dataclass(frozen=True)
class Clock:
    name: str
    label: str
    due_field: str
    level_field: str
    open_q: Q

    def step(self, alert: Alert, policies: "Policies") -> datetime.timedelta:
        ack_hours, feedback_days = policies.get(alert).windows(alert.urgency)
        # Calendar days between further steps, even where the first feedback is due in working days.
        return (
            datetime.timedelta(hours=ack_hours)
            if self.name == "ack"
            else datetime.timedelta(days=feedback_days)
        )


CLOCKS = (
    Clock("ack", "prise en compte", "ack_due_at", "ack_escalation_level", Q(status=Status.SUBMITTED)),
    Clock(
        "feedback",
        "premier retour",
        "feedback_due_at",
        "feedback_escalation_level",
        Q(
            first_feedback_at__isnull=True,
            status__in=[Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS],
        ),
    ),
)


def target_level(due: datetime.datetime, step: datetime.timedelta, now: datetime.datetime) -> int:
    if due is None or now < due:
        return 0
    return min(MAX_LEVEL, 1 + int((now - due) / max(step, datetime.timedelta(minutes=1))))


def due_candidates(clock: Clock, now: datetime.datetime):
    """Ids of fiches whose clock is past due and not at the final level: served by the partial
    indexes on the due dates, so the scan grows with due fiches, not with all fiches."""
    return (
        Alert.objects.filter(
            clock.open_q, **{f"{clock.due_field}__lte": now, f"{clock.level_field}__lt": MAX_LEVEL}
        )
        .order_by(clock.due_field, "pk")
        .values_list("pk", flat=True)
    )


class Policies:
    """The response policy of each fiche's convention or département, read once per scan."""

    def __init__(self):
        self._cache: dict = {}

    def get(self, alert: Alert):
        key = (alert.convention_id, alert.department_id)
        if key not in self._cache:
            self._cache[key] = policy_for(alert.convention_id, alert.department_id)
        return self._cache[key]


class Recipients:
    """Who is told at each level, cached per unit for one scan, with substitutes for managers on leave."""

    def __init__(self, today: datetime.date):
        self.today = today
        self._cache: dict = {}
        self._substitutes = {
            s.user_id: s.substitute
            for s in Substitution.objects.filter(
                starts_on__lte=today, ends_on__gte=today, substitute__is_active=True
            ).select_related("substitute")
        }

    def prefetch(self, organisation_ids: set) -> None:
        """Members of a batch's units and their parents in one query (a query per unit made a scan of
        thousands of due fiches slow)."""
        missing = {pk for pk in organisation_ids if pk is not None and (pk, False) not in self._cache}
        if not missing:
            return
        members: dict = {pk: [] for pk in missing}
        for user in User.objects.filter(organisation_id__in=missing, is_active=True):
            members[user.organisation_id].append(user)
        for pk, users in members.items():
            self._cache[(pk, False)] = [self._substitutes.get(u.pk, u) for u in users]
            self._cache[(pk, True)] = [
                self._substitutes.get(u.pk, u) for u in users if u.role in MANAGER_ROLES
            ]

    def _members(self, organisation_id, managers_only: bool) -> list[User]:
        key = (organisation_id, managers_only)
        if key not in self._cache:
            qs = User.objects.filter(organisation_id=organisation_id, is_active=True)
            if managers_only:
                qs = qs.filter(role__in=MANAGER_ROLES)
            self._cache[key] = [self._substitutes.get(u.pk, u) for u in qs]
        return self._cache[key]

    def _prefecture(self, department_id) -> list[User]:
        key = ("prefecture", department_id)
        if key not in self._cache:
            qs = User.objects.filter(
                organisation__kind=OrganisationKind.PREFECTURE,
                organisation__department_id=department_id,
                role__in=MANAGER_ROLES,
                is_active=True,
            )
            self._cache[key] = [self._substitutes.get(u.pk, u) for u in qs]
        return self._cache[key]

    def at_level(self, alert: Alert, level: int) -> list[User]:
        unit = alert.routed_unit
        if unit is None or level == MAX_LEVEL:
            # A fiche nobody is competent for waits at the prefecture: its referents hear of it.
            return self._prefecture(alert.department_id)
        if level == 1:
            return self._members(unit.pk, managers_only=False)
        if level == 2:
            return self._members(unit.pk, managers_only=True)
        return self._members(unit.parent_id, managers_only=True) if unit.parent_id else []


def scan_escalations(*, now: datetime.datetime | None = None, batch_size: int = 200) -> int:
    """Raise every due escalation level once. Returns the number of levels raised."""
    now = now or timezone.now()
    recipients, policies = Recipients(timezone.localdate(now)), Policies()
    raised = 0
    for clock in CLOCKS:
        ids = list(due_candidates(clock, now))
        for start in range(0, len(ids), batch_size):
            raised += _escalate_batch(clock, ids[start : start + batch_size], now, recipients, policies)
    return raised


@transaction.atomic
def _escalate_batch(
    clock: Clock, ids: list[int], now: datetime.datetime, recipients: Recipients, policies: Policies
) -> int:
    locked = Alert.objects.filter(clock.open_q, pk__in=ids, **{f"{clock.level_field}__lt": MAX_LEVEL})
    if connection.features.has_select_for_update_skip_locked:
        locked = locked.select_for_update(skip_locked=True, of=("self",))
    # Only what the scan reads: the candidates include every late fiche not yet at the final level.
    locked = list(
        locked.select_related("routed_unit").only(
            "reference",
            "urgency",
            "convention",
            "department",
            clock.due_field,
            clock.level_field,
            "routed_unit__parent",
        )
    )
    recipients.prefetch(
        {a.routed_unit_id for a in locked} | {a.routed_unit.parent_id for a in locked if a.routed_unit_id}
    )
    per_recipient: dict[int, list[tuple[Alert, int]]] = defaultdict(list)
    users: dict[int, User] = {}
    events, in_app, raised, escalated = [], [], 0, []
    for alert in locked:
        current = getattr(alert, clock.level_field)
        target = target_level(getattr(alert, clock.due_field), clock.step(alert, policies), now)
        if target <= current:
            continue
        url = notifications.alert_url(alert)
        for level in range(current + 1, target + 1):
            told = recipients.at_level(alert, level)
            events.append(
                AlertEvent(
                    alert=alert,
                    kind=EventKind.ESCALATION,
                    message=f"Délai de {clock.label} dépassé : {LEVEL_LABELS[level]}"
                    + ("" if told else " (aucun destinataire à cet échelon)"),
                    data={"clock": clock.name, "level": level, "recipients": [u.pk for u in told]},
                )
            )
            for user in told:
                users[user.pk] = user
                per_recipient[user.pk].append((alert, level))
                in_app.append(
                    Notification(
                        recipient=user,
                        alert=alert,
                        kind=f"escalation_{clock.name}",
                        message=f"{alert.reference} : délai de {clock.label} dépassé ({LEVEL_LABELS[level]})"[
                            :300
                        ],
                        url=url,
                    )
                )
            raised += 1
        setattr(alert, clock.level_field, target)
        escalated.append(alert)
    # The level only: escalation must not bump `version`, or an officer acknowledging at the same
    # moment would be refused for a change they cannot see.
    Alert.objects.bulk_update(escalated, [clock.level_field])
    AlertEvent.objects.bulk_create(events)
    Notification.objects.bulk_create(in_app)
    _send_once([_grouped_email(users[user_id], clock, items) for user_id, items in per_recipient.items()])
    return raised


def _send_once(emails: list[OutboxEmail]) -> None:
    """Queue the batch's messages in two queries whatever the number of recipients (a query per
    recipient made the scan of 10,000 due fiches last minutes); a key already queued is skipped."""
    existing = set(OutboxEmail.objects.filter(key__in=[e.key for e in emails]).values_list("key", flat=True))
    for row in OutboxEmail.objects.bulk_create([e for e in emails if e.key not in existing]):
        transaction.on_commit(lambda pk=row.pk: notifications.enqueue_delivery(pk))


def _grouped_email(user: User, clock: Clock, items: list[tuple[Alert, int]]) -> OutboxEmail:
    """One message per person and scan, however many fiches fell due for them."""
    signature = ",".join(
        f"{alert.pk}.{level}" for alert, level in sorted(items, key=lambda i: (i[0].pk, i[1]))
    )
    key = f"escalation:{clock.name}:{user.pk}:{hashlib.sha256(signature.encode()).hexdigest()[:32]}"
    lines = [
        f"- {alert.reference} ({alert.get_urgency_display()}) — {LEVEL_LABELS[level]} : "
        f"{notifications.alert_absolute_url(alert)}"
        for alert, level in items
    ]
    count = len({alert.pk for alert, _ in items})
    subject = (
        f"[Passerelle] {count} fiche(s) en attente de {clock.label}"
        if count > 1
        else f"[Passerelle] {items[0][0].reference} : délai de {clock.label} dépassé"
    )
    body = (
        f"Bonjour,\n\nLe délai de {clock.label} est dépassé pour les fiches suivantes :\n\n"
        + "\n".join(lines)
        + "\n\nCe message est envoyé automatiquement par Passerelle.\n"
    )
    return OutboxEmail(key=key, to=[user.email], subject=subject[:250], body=body)


def digest_recipients():
    """Force unit managers and prefecture referents: the people a daily digest is for."""
    return User.objects.filter(
        is_active=True,
        role__in=MANAGER_ROLES,
        organisation__kind__in=[OrganisationKind.PREFECTURE, *OrganisationKind.forces()],
    ).select_related("organisation")


def send_daily_digests(*, now: datetime.datetime | None = None) -> int:
    """One e-mail per manager and per day listing what is overdue and what falls due within 24 h,
    among the fiches they see. Keyed by day: a second run the same day sends nothing."""
    from .permissions import alert_policy

    now = now or timezone.now()
    soon = now + datetime.timedelta(hours=24)
    sent = 0
    for user in digest_recipients():
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
        key = f"digest:{user.pk}:{timezone.localdate(now).isoformat()}"

        def section(title, alerts):
            rows = [
                f"- {a.reference} ({a.get_status_display()}, {a.get_urgency_display()}) : "
                f"{notifications.alert_absolute_url(a)}"
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
        with transaction.atomic():
            row, created = OutboxEmail.objects.get_or_create(
                key=key,
                defaults={
                    "to": [user.email],
                    "body": body,
                    "subject": f"[Passerelle] Point quotidien : {len(overdue)} en retard, {len(due_soon)} à échéance",
                },
            )
            if created:
                sent += 1
                transaction.on_commit(lambda pk=row.pk: notifications.enqueue_delivery(pk))
    return sent
