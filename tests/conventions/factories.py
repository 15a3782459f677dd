import datetime
import itertools

from django.utils import timezone

from alerts.models import Alert, AlertEvent
from conventions.models import Convention, ConventionStatus, Signatory

_numbers = itertools.count(1)

T0 = timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 0))


def make_convention(world, *, title="Convention de l'Oise", organisations=None, **fields) -> Convention:
    """An active Oise convention signed by the prefecture, the landlord, the DDSP and the groupement."""
    values = {
        "status": ConventionStatus.ACTIVE,
        "signed_on": datetime.date(2018, 3, 1),
        "effective_from": datetime.date(2018, 3, 1),
        "effective_until": datetime.date(2030, 12, 31),
        **fields,
    }
    department = values.pop("department", world.oise)
    convention = Convention.objects.create(title=title, department=department, **values)
    for org in organisations or [world.prefecture, world.landlord, world.ddsp, world.groupement]:
        Signatory.objects.create(convention=convention, organisation=org)
    return convention


def make_alert(
    world,
    *,
    convention=None,
    site=None,
    submitted_at=T0,
    ack_after=None,
    feedback_after=None,
    ack_within=datetime.timedelta(hours=24),
    redirected=False,
    **fields,
) -> Alert:
    """A submitted fiche with explicit timestamps: `ack_after` / `feedback_after` are durations after
    submission (None: not yet), `ack_within` the response policy's deadline."""
    site = site or world.site_creil
    number = next(_numbers)
    values = {
        "reference": f"FA-{site.commune.department_id}-2026-{number:06d}",
        "landlord": site.landlord,
        "site": site,
        "department": site.commune.department,
        "reporter": world.landlord_agent,
        "routed_unit": world.police if site.commune == world.creil else None,
        "convention": convention,
        "category": "common_parts",
        "facts_at": submitted_at - datetime.timedelta(hours=1),
        "description": "Occupation du hall",
        "status": "acknowledged" if ack_after is not None else "submitted",
        "submitted_at": submitted_at,
        "ack_due_at": submitted_at + ack_within,
        "acknowledged_at": submitted_at + ack_after if ack_after is not None else None,
        "first_feedback_at": submitted_at + feedback_after if feedback_after is not None else None,
        **fields,
    }
    alert = Alert.objects.create(**values)
    if redirected:
        AlertEvent.objects.create(alert=alert, kind="redirect", message="Hors zone")
    return alert
