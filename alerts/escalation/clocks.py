"""The two clocks of a fiche and the level each has reached."""

import datetime
from dataclasses import dataclass

from django.db.models import Q

from conventions.delays import ResponsePolicies
from conventions.models import ResponsePolicy

from ..models import Alert, Status, Urgency

MAX_LEVEL = 4
MIN_STEP = datetime.timedelta(minutes=1)


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

    def shortest_step(self, policies: ResponsePolicies, urgency: str) -> datetime.timedelta:
        """The shortest step any fiche of this urgency can have: a lower bound for the due query."""
        return max(min(self.step(policy, urgency) for policy in policies.known()), MIN_STEP)


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


def target_level(due: datetime.datetime, step: datetime.timedelta, now: datetime.datetime) -> int:
    if due is None or now < due:
        return 0
    return min(MAX_LEVEL, 1 + int((now - due) / max(step, MIN_STEP)))


def due_candidates(clock: Clock, now: datetime.datetime, policies: ResponsePolicies):
    """Ids of fiches with a level to raise on this clock: past due by as many steps as their level
    (the shortest step of their urgency, exact while a single policy applies; the batch checks each
    fiche's own), below the final level. Served by the partial indexes on the due dates; a late fiche
    already at its level is not read again by every scan, so a scan grows with what is due."""
    raised_now = Q(**{clock.level_field: 0, f"{clock.due_field}__lte": now})
    for level in range(1, MAX_LEVEL):
        for urgency, urgency_q in URGENCY_GROUPS:
            step = clock.shortest_step(policies, urgency)
            raised_now |= urgency_q & Q(
                **{clock.level_field: level, f"{clock.due_field}__lte": now - level * step}
            )
    return (
        Alert.objects.filter(clock.open_q, raised_now)
        .order_by(clock.due_field, "pk")
        .values_list("pk", flat=True)
    )
