"""Response deadlines of a fiche alerte: how long the routed unit has to acknowledge it and to give a
first feedback to the landlord. Defaults follow the urgency; a département may set its own in
settings.PASSERELLE_RESPONSE_DEADLINES = {"972": {"normal": (12, 72), ...}} (hours)."""

import datetime

from django.conf import settings

# urgency -> (hours to acknowledge, hours to first feedback)
DEFAULT_DEADLINES = {
    "immediate": (1, 24),
    "high": (4, 72),
    "normal": (24, 7 * 24),
}


def deadlines(
    convention, department, urgency: str, start: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime]:
    """(ack_due_at, feedback_due_at) for a fiche of `urgency` submitted or routed at `start`.

    `convention` is the convention in force attached to the fiche (may be None); conventions do not
    carry their own delays yet, so the département's settings or the defaults apply."""
    overrides = getattr(settings, "PASSERELLE_RESPONSE_DEADLINES", {}).get(
        getattr(department, "pk", department), {}
    )
    ack_hours, feedback_hours = overrides.get(
        urgency, DEFAULT_DEADLINES.get(urgency, DEFAULT_DEADLINES["normal"])
    )
    return start + datetime.timedelta(hours=ack_hours), start + datetime.timedelta(hours=feedback_hours)
