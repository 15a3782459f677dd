"""Escalation of fiches nobody answered, driven by the database: nothing unanswered goes unnoticed,
nothing is sent twice.

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
import json
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from conventions.models import ResponsePolicy
from partnerships.models import OrganisationKind, Role, Substitution, User

from . import notifications
from .models import Alert, AlertEvent, EventKind, Notification, OutboxEmail, Status, Urgency

logger = logging.getLogger(__name__)

MAX_LEVEL = 4
# Outbox ids per delivery task (see _send_once).
DELIVERY_CHUNK = 50
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

    def step(self, policy: ResponsePolicy, urgency: str) -> datetime.timedelta:
        ack_hours, feedback_days = policy.windows(urgency)
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
# The urgencies ResponsePolicy.windows tells apart: its own delays for these two, "normale" for the rest.
URGENCY_GROUPS = (
    (Urgency.IMMEDIATE, Q(urgency=Urgency.IMMEDIATE)),
    (Urgency.HIGH, Q(urgency=Urgency.HIGH)),
    (Urgency.NORMAL, ~Q(urgency__in=[Urgency.IMMEDIATE, Urgency.HIGH])),
)
MIN_STEP = datetime.timedelta(minutes=1)


def target_level(due: datetime.datetime, step: datetime.timedelta, now: datetime.datetime) -> int:
    if due is None or now < due:
        return 0
    return min(MAX_LEVEL, 1 + int((now - due) / max(step, MIN_STEP)))


class Policies:
    """Every response policy, read in one query per scan (a query per convention made scans slow) and
    resolved like conventions.policy.policy_for: the convention's, else the département's, else the
    defaults."""

    def __init__(self):
        self._by_convention: dict = {}
        self._by_department: dict = {}
        for policy in ResponsePolicy.objects.all():
            if policy.convention_id:
                self._by_convention[policy.convention_id] = policy
            else:
                self._by_department[policy.department_id] = policy
        self._defaults: dict = {}

    def get(self, convention_id, department_id) -> ResponsePolicy:
        found = self._by_convention.get(convention_id) or self._by_department.get(department_id)
        if found is not None:
            return found
        if department_id not in self._defaults:
            self._defaults[department_id] = ResponsePolicy(department_id=department_id)
        return self._defaults[department_id]

    def shortest_step(self, clock: Clock, urgency: str) -> datetime.timedelta:
        """The shortest step any fiche of this urgency can have: a lower bound for the due query."""
        policies = [*self._by_convention.values(), *self._by_department.values(), ResponsePolicy()]
        return max(min(clock.step(policy, urgency) for policy in policies), MIN_STEP)


def due_candidates(clock: Clock, now: datetime.datetime, policies: Policies):
    """Ids of fiches with a level to raise on this clock: past due by as many steps as their level
    (the shortest step of their urgency, exact while a single policy applies; the batch checks each
    fiche's own), below the final level. Served by the partial indexes on the due dates; a late fiche
    already at its level is not read again by every scan, so a scan grows with what is due."""
    raised_now = Q(**{clock.level_field: 0, f"{clock.due_field}__lte": now})
    for level in range(1, MAX_LEVEL):
        for urgency, urgency_q in URGENCY_GROUPS:
            step = policies.shortest_step(clock, urgency)
            raised_now |= urgency_q & Q(
                **{clock.level_field: level, f"{clock.due_field}__lte": now - level * step}
            )
    return (
        Alert.objects.filter(clock.open_q, raised_now)
        .order_by(clock.due_field, "pk")
        .values_list("pk", flat=True)
    )


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

    def at_level(self, fiche, level: int) -> list[User]:
        if fiche.routed_unit_id is None or level == MAX_LEVEL:
            # A fiche nobody is competent for waits at the prefecture: its referents hear of it.
            return self._prefecture(fiche.department_id)
        if level == 1:
            return self._members(fiche.routed_unit_id, managers_only=False)
        if level == 2:
            return self._members(fiche.routed_unit_id, managers_only=True)
        return self._members(fiche.unit_parent_id, managers_only=True) if fiche.unit_parent_id else []


@dataclass(frozen=True)
class FicheUrls:
    """The fiche page's path, resolved once per scan: a reverse() per fiche and recipient cost more
    than the rest of the scan's work."""

    pattern: str
    site_url: str
    SENTINEL = "987654321"

    @classmethod
    def resolve(cls) -> "FicheUrls":
        return cls(notifications.alert_url(Alert(pk=int(cls.SENTINEL))), settings.SITE_URL)

    def path(self, pk: int) -> str:
        return self.pattern.replace(self.SENTINEL, str(pk))

    def absolute(self, pk: int) -> str:
        return self.site_url + self.path(pk)


def scan_escalations(*, now: datetime.datetime | None = None, batch_size: int = 1000) -> int:
    """Raise every due escalation level once. Returns the number of levels raised."""
    now = now or timezone.now()
    recipients, policies = Recipients(timezone.localdate(now)), Policies()
    urls = FicheUrls.resolve()
    raised = 0
    for clock in CLOCKS:
        ids = list(due_candidates(clock, now, policies))
        for start in range(0, len(ids), batch_size):
            raised += _escalate_batch(clock, ids[start : start + batch_size], now, recipients, policies, urls)
    return raised


@transaction.atomic
def _escalate_batch(
    clock: Clock,
    ids: list[int],
    now: datetime.datetime,
    recipients: Recipients,
    policies: Policies,
    urls: FicheUrls,
) -> int:
    locked = Alert.objects.filter(clock.open_q, pk__in=ids, **{f"{clock.level_field}__lt": MAX_LEVEL})
    if connection.features.has_select_for_update_skip_locked:
        locked = locked.select_for_update(skip_locked=True, of=("self",))
    # Plain rows of the columns the scan reads: model instances of thousands of fiches cost more
    # than the rest of the batch.
    locked = list(
        locked.annotate(
            due=F(clock.due_field), level=F(clock.level_field), unit_parent_id=F("routed_unit__parent")
        ).values_list(
            "pk",
            "reference",
            "urgency",
            "convention_id",
            "department_id",
            "routed_unit_id",
            "unit_parent_id",
            "due",
            "level",
            named=True,
        )
    )
    recipients.prefetch({f.routed_unit_id for f in locked} | {f.unit_parent_id for f in locked})
    per_recipient: dict[int, list[tuple]] = defaultdict(list)
    users: dict[int, User] = {}
    events, in_app, raised = [], [], 0
    escalated: dict[int, list[int]] = defaultdict(list)
    for fiche in locked:
        step = clock.step(policies.get(fiche.convention_id, fiche.department_id), fiche.urgency)
        target = target_level(fiche.due, step, now)
        if target <= fiche.level:
            continue
        url = urls.path(fiche.pk)
        for level in range(fiche.level + 1, target + 1):
            told = recipients.at_level(fiche, level)
            events.append(
                (
                    fiche.pk,
                    EventKind.ESCALATION,
                    f"Délai de {clock.label} dépassé : {LEVEL_LABELS[level]}"
                    + ("" if told else " (aucun destinataire à cet échelon)"),
                    {"clock": clock.name, "level": level, "recipients": [u.pk for u in told]},
                )
            )
            message = f"{fiche.reference} : délai de {clock.label} dépassé ({LEVEL_LABELS[level]})"[:300]
            for user in told:
                users[user.pk] = user
                per_recipient[user.pk].append((fiche, level))
                in_app.append((user.pk, fiche.pk, f"escalation_{clock.name}", message, url))
            raised += 1
        escalated[target].append(fiche.pk)
    # The level only, one UPDATE per level reached: escalation must not bump `version`, or an
    # officer acknowledging at the same moment would be refused for a change they cannot see.
    for target, pks in escalated.items():
        Alert.objects.filter(pk__in=pks).update(**{clock.level_field: target})
    _insert(AlertEvent, ["alert_id", "kind", "message", "data"], events)
    _insert(Notification, ["recipient_id", "alert_id", "kind", "message", "url"], in_app)
    urgencies = {value: str(label) for value, label in Urgency.choices}
    _send_once(
        [
            _grouped_email(users[user_id], clock, items, urls, urgencies)
            for user_id, items in per_recipient.items()
        ]
    )
    return raised


def _insert(model, fields: list[str], rows: list[tuple]) -> None:
    """Write a batch's events, notifications or e-mails without model instances: COPY on PostgreSQL
    (a scan of 10,000 due fiches writes some 80,000 rows, and bulk_create spent seconds building and
    quoting them), bulk_create elsewhere. Other columns get what bulk_create would give them."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows])
        return
    given, rest, defaults = _columns(model, fields)
    is_json = [f.get_internal_type() == "JSONField" for f in given]
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in [*given, *rest])}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([json.dumps(v) if j else v for v, j in zip(row, is_json, strict=True)] + defaults)


def _columns(model, fields: list[str]) -> tuple[list, list, list]:
    """The given fields, the other non-null columns and the values bulk_create would give those."""
    now = timezone.now()
    given = [model._meta.get_field(name) for name in fields]
    rest = [f for f in model._meta.concrete_fields if not (f.primary_key or f.null or f in given)]
    return given, rest, [now if getattr(f, "auto_now_add", False) else f.get_default() for f in rest]


def _send_once(emails: list[tuple]) -> None:
    """Queue the batch's messages (key, to, subject, body) whatever the number of recipients (a
    query per recipient made the scan of 10,000 due fiches last minutes); a key already queued is
    skipped. On PostgreSQL one INSERT … ON CONFLICT DO NOTHING RETURNING gives the new rows' ids:
    checking the keys before and reading the ids after sent the batch's keys twice, as thousands of
    parameters, and a key queued by a concurrent writer in between broke the COPY."""
    if connection.vendor == "postgresql":
        queued = _insert_new_keys(emails)
    else:
        keys = [email[0] for email in emails]
        existing = set(OutboxEmail.objects.filter(key__in=keys).values_list("key", flat=True))
        _insert(OutboxEmail, ["key", "to", "subject", "body"], [e for e in emails if e[0] not in existing])
        queued = list(OutboxEmail.objects.filter(key__in=set(keys) - existing).values_list("pk", flat=True))
    # A task per chunk: a broker publish per e-mail cost more than the scan, one task for all of
    # them would send them one after the other on a single worker.
    for start in range(0, len(queued), DELIVERY_CHUNK):
        chunk = queued[start : start + DELIVERY_CHUNK]
        transaction.on_commit(lambda pks=chunk: notifications.enqueue_delivery(*pks))


def _insert_new_keys(emails: list[tuple]) -> list[int]:
    """PostgreSQL: insert the outbox rows whose key is new; returns their ids. The rows travel as one
    JSON document (psycopg quotes an array parameter element by element, which cost more than the
    insert)."""
    if not emails:
        return []
    given, rest, defaults = _columns(OutboxEmail, ["key", "to", "subject", "body"])
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in [*given, *rest])
    record = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in given)
    # Identifiers come from the model's options, values are parameters.
    sql = (
        f"INSERT INTO {quote(OutboxEmail._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {', '.join(f'u.{quote(f.column)}' for f in given)}, {', '.join('%s' for _ in rest)} "
        f"FROM jsonb_to_recordset(%s::jsonb) AS u({record}) "
        f"ON CONFLICT ({quote(given[0].column)}) DO NOTHING RETURNING {quote(OutboxEmail._meta.pk.column)}"
    )
    rows = json.dumps([dict(zip((f.column for f in given), email, strict=True)) for email in emails])
    with connection.cursor() as cursor:
        cursor.execute(sql, [*defaults, rows])
        return [row[0] for row in cursor.fetchall()]


def _grouped_email(
    user: User, clock: Clock, items: list[tuple], urls: FicheUrls, urgencies: dict[str, str]
) -> tuple:
    """One message per person and scan, however many fiches fell due for them."""
    signature = ",".join(
        f"{fiche.pk}.{level}" for fiche, level in sorted(items, key=lambda i: (i[0].pk, i[1]))
    )
    key = f"escalation:{clock.name}:{user.pk}:{hashlib.sha256(signature.encode()).hexdigest()[:32]}"
    lines = [
        f"- {fiche.reference} ({urgencies.get(fiche.urgency, fiche.urgency)}) — {LEVEL_LABELS[level]} : "
        f"{urls.absolute(fiche.pk)}"
        for fiche, level in items
    ]
    count = len({fiche.pk for fiche, _ in items})
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
    return key, [user.email], subject[:250], body


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
