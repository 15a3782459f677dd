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
only delays the next scan, and a level, once raised, is never queued again — even with two beat
schedulers running by mistake.

clocks: the two clocks and their levels; recipients: who is told at each level; messages: the
e-mails' text; scan: the beat task's work; digest: the daily digest."""

from .clocks import CLOCKS, MAX_LEVEL, Clock, due_candidates, target_level
from .digest import send_daily_digests
from .scan import scan_escalations

__all__ = [
    "CLOCKS",
    "MAX_LEVEL",
    "Clock",
    "due_candidates",
    "scan_escalations",
    "send_daily_digests",
    "target_level",
]
