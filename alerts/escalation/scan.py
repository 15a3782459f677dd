"""The beat task's work: raise every due level once, in batches of locked fiches."""

import datetime
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from conventions.delays import ResponsePolicies
from partnerships.models import User

from .. import outbox
from ..bulk import insert_rows
from ..models import Alert, AlertEvent, EventKind, Notification, Urgency
from ..queues import alert_keys, queues_bump
from .clocks import CLOCKS, MAX_LEVEL, Clock, due_candidates, target_level
from .messages import LEVEL_LABELS, FicheUrls, grouped_email
from .recipients import Recipients


def scan_escalations(*, now: datetime.datetime | None = None, batch_size: int = 1000) -> int:
    """Raise every due escalation level once. Returns the number of levels raised."""
    now = now or timezone.now()
    recipients, policies = Recipients(timezone.localdate(now)), ResponsePolicies.all()
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
    policies: ResponsePolicies,
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
            "landlord_id",
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
    changed_queues: set[str] = set()
    for fiche in locked:
        step = clock.step(policies.get(fiche.convention_id, fiche.department_id), fiche.urgency)
        target = target_level(fiche.due, step, now)
        if target <= fiche.level:
            continue
        url = urls.path(fiche.pk)
        # A fiche jumping several levels in one scan is announced once to each person, at the
        # highest level that reaches them; the timeline still records every level.
        highest: dict[int, int] = {}
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
            for user in told:
                users[user.pk] = user
                highest[user.pk] = level
            raised += 1
        for user_pk, level in highest.items():
            message = f"{fiche.reference} : délai de {clock.label} dépassé ({LEVEL_LABELS[level]})"[:300]
            per_recipient[user_pk].append((fiche, level))
            in_app.append((user_pk, fiche.pk, f"escalation_{clock.name}", message, url))
        escalated[target].append(fiche.pk)
        changed_queues |= alert_keys(fiche)
    # The level only, one UPDATE per level reached: escalation must not bump `version`, or an
    # officer acknowledging at the same moment would be refused for a change they cannot see.
    for target, pks in escalated.items():
        Alert.objects.filter(pk__in=pks).update(**{clock.level_field: target})
    insert_rows(AlertEvent, ["alert_id", "kind", "message", "data"], events)
    # The "Relance" column of the lists changed: their ETags must too, in this transaction.
    queues_bump(changed_queues)
    insert_rows(Notification, ["recipient_id", "alert_id", "kind", "message", "url"], in_app)
    urgencies = {value: str(label) for value, label in Urgency.choices}
    # One message per person and scan: a key already queued (a second scheduler) is skipped.
    outbox.queue(
        grouped_email(users[user_id], clock, items, urls, urgencies)
        for user_id, items in per_recipient.items()
    )
    return raised
