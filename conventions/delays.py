"""Response deadlines of a fiche alerte: how long the routed unit has to acknowledge it (hours,
counted around the clock: forces work 24/7) and to give a first feedback to the landlord (days,
optionally working days without the département's public holidays, Martinique's included).

The delays come from the convention's ResponsePolicy, else the département's default policy, else
the model's defaults (immédiate 1 h / 1 jour, haute 4 h / 3 jours, normale 24 h / 7 jours)."""

import datetime
from collections.abc import Iterable
from functools import lru_cache

import holidays
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from partnerships.audit import audit_record
from partnerships.localtime import department_zone
from partnerships.models import AuditAction, User
from partnerships.reference_cache import cached

from .history import history_record
from .models import Convention, ResponsePolicy


class ResponsePolicies:
    """The one resolution rule for response delays: the convention's policy, else the département's,
    else the model's defaults. Built from the policies a caller read: filing reads the two that can
    apply, the escalation scan reads them all once (a query per convention made scans slow)."""

    def __init__(self, policies: Iterable[ResponsePolicy]):
        self._by_convention: dict = {}
        self._by_department: dict = {}
        for policy in policies:
            if policy.convention_id:
                self._by_convention[policy.convention_id] = policy
            else:
                self._by_department[policy.department_id] = policy
        self._defaults: dict = {}

    @classmethod
    def all(cls) -> "ResponsePolicies":
        return cls(ResponsePolicy.objects.all())

    def get(self, convention_id, department_id) -> ResponsePolicy:
        found = self._by_convention.get(convention_id) or self._by_department.get(department_id)
        if found is not None:
            return found
        if department_id not in self._defaults:
            self._defaults[department_id] = ResponsePolicy(department_id=department_id)
        return self._defaults[department_id]

    def known(self) -> list[ResponsePolicy]:
        """Every policy read, and the defaults: what any fiche of theirs may be given."""
        return [*self._by_convention.values(), *self._by_department.values(), ResponsePolicy()]


def policy_for(convention: Convention | int | None, department_id: str | None) -> ResponsePolicy:
    """The policy in force: the convention's, the département's, or an unsaved default (one query)."""
    convention_id = convention.pk if isinstance(convention, Convention) else convention
    candidates = Q(convention__isnull=True, department_id=department_id)
    if convention_id:
        candidates |= Q(convention_id=convention_id)
    # Read on every filing: kept per process until a policy changes (partnerships/reference_cache.py).
    return cached(
        ("response_policy", convention_id, department_id),
        lambda: ResponsePolicies(ResponsePolicy.objects.filter(candidates)).get(convention_id, department_id),
    )


@lru_cache(maxsize=16)
def public_holidays(department_code: str | None, year: int) -> frozenset[datetime.date]:
    subdivision = department_code if department_code in holidays.France.subdivisions else None
    return frozenset(holidays.France(subdiv=subdivision, years=year))


def add_working_days(start: datetime.datetime, days: int, department_code: str | None) -> datetime.datetime:
    """`start` plus `days` working days (no Saturday, Sunday or public holiday), same time of day:
    days and holidays are the département's local ones (a Martinique fiche filed at 21:00 local
    time, 01:00 in Paris the next day, counts from its own day)."""
    current = start.astimezone(department_zone(department_code))
    added = 0
    while added < days:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5 and current.date() not in public_holidays(department_code, current.year):
            added += 1
    return current


def deadlines_for(
    policy: ResponsePolicy, urgency: str, start: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime]:
    ack_hours, feedback_days = policy.windows(urgency)
    ack_due = start + datetime.timedelta(hours=ack_hours)
    if policy.feedback_working_days:
        feedback_due = add_working_days(
            start, feedback_days, policy.department_id or policy.convention.department_id
        )
    else:
        feedback_due = start + datetime.timedelta(days=feedback_days)
    return ack_due, feedback_due


def deadlines(
    convention, department, urgency: str, start: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime]:
    """(ack_due_at, feedback_due_at) for a fiche of `urgency` submitted or routed at `start`."""
    department_id = getattr(department, "pk", department)
    return deadlines_for(policy_for(convention, department_id), urgency, start)


@transaction.atomic
def response_policy_update(
    *, actor: User, convention: Convention | None = None, department_id: str | None = None, data: dict
) -> ResponsePolicy:
    """Create or change a convention's or a département's policy. Fiches already submitted keep the
    due dates they were given. A convention's change goes to its history; a département's default
    has no history page, its audit entry is the record."""
    if convention is not None:
        policy = ResponsePolicy.objects.filter(convention=convention).first() or ResponsePolicy(
            convention=convention
        )
    else:
        policy = ResponsePolicy.objects.filter(
            convention__isnull=True, department_id=department_id
        ).first() or ResponsePolicy(department_id=department_id)
    created = policy.pk is None
    changed = sorted(name for name, value in data.items() if getattr(policy, name) != value)
    for name, value in data.items():
        setattr(policy, name, value)
    policy.updated_by = actor
    policy.full_clean()
    policy.save()
    if not (created or changed):
        return policy
    audit_action = AuditAction.CREATE if created else AuditAction.CHANGE
    if convention is not None:
        history_record(
            convention,
            actor,
            "response_policy",
            _("Délais de réponse modifiés"),
            obj=policy,
            audit_action=audit_action,
            fields=changed,
        )
    else:
        audit_record(
            request_or_actor=actor,
            action=audit_action,
            obj=policy,
            detail={"event": "response_policy", "fields": changed},
        )
    return policy
