"""Writes on conventions, their follow-up and partnership problems. Each service validates, writes in
one transaction and records what it did through history.history_record (the convention's or the
problem's history, and the audit entry)."""

import calendar
import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnerships.errors import ApplicationError
from partnerships.models import AuditAction, HousingSite, Organisation, OrganisationKind, User

from .history import history_record
from .models import (
    ActionItem,
    Commitment,
    Convention,
    ConventionDocument,
    ConventionStatus,
    Meeting,
    MeetingKind,
    PartnershipProblem,
    ProblemStatus,
    Signatory,
)
from .permissions import problem_policy, visible_alerts_q

CONVENTION_FIELDS = (
    "title",
    "status",
    "signed_on",
    "effective_from",
    "effective_until",
    "tacit_renewal",
    "parent",
    "all_sites_of_signatories",
    "periodic_review_months",
    "parquet_reads_fiches",
)
IN_FORCE = (ConventionStatus.SIGNED, ConventionStatus.ACTIVE)


def _overlaps(a_from, a_until, b_from, b_until) -> bool:
    # An open bound (None) runs forever in that direction.
    return (a_from is None or b_until is None or a_from <= b_until) and (
        b_from is None or a_until is None or b_from <= a_until
    )


def convention_errors(
    *,
    department_id: str,
    data: dict,
    organisations: list[Organisation],
    sites: list[HousingSite],
    exclude_pk: int | None = None,
) -> list[str]:
    """Every rule a convention must satisfy, in French. Shared by the form (shown next to the fields)
    and the services (refused with ApplicationError), so the two can never disagree."""
    errors = []
    start, end, signed = data.get("effective_from"), data.get("effective_until"), data.get("signed_on")
    if start and end and end < start:
        errors.append(_("La fin de validité doit être postérieure ou égale au début de validité."))
    if signed and start and signed > start:
        errors.append(_("La date de signature doit précéder ou être égale au début de validité."))
    kinds = {o.kind for o in organisations}
    if not any(o.is_prefecture and o.department_id == department_id for o in organisations):
        errors.append(_("La préfecture du département doit être signataire."))
    if OrganisationKind.LANDLORD not in kinds:
        errors.append(_("Au moins un bailleur social doit être signataire."))
    if not kinds & set(OrganisationKind.forces()):
        errors.append(_("Au moins une force (police ou gendarmerie nationale) doit être signataire."))
    landlords = [o for o in organisations if o.is_landlord]
    if landlords and data.get("status") in IN_FORCE:
        errors.extend(_perimeter_conflicts(data, landlords, sites, exclude_pk))
    return errors


def _perimeter_conflicts(data, landlords, sites, exclude_pk) -> list[str]:
    others = (
        Convention.objects.filter(status=ConventionStatus.ACTIVE, signatories__organisation__in=landlords)
        .exclude(pk=exclude_pk)
        .distinct()
        .prefetch_related("signatories__organisation", "sites")
    )
    if data.get("parent") is not None:
        # An amendment replaces its parent: they may overlap.
        others = others.exclude(pk=data["parent"].pk)
    all_sites = data.get("all_sites_of_signatories", True)
    errors = []
    for other in others:
        if not _overlaps(
            data.get("effective_from"),
            data.get("effective_until"),
            other.effective_from,
            other.effective_until,
        ):
            continue
        other_landlords = {s.organisation_id for s in other.signatories.all()}
        for landlord in landlords:
            if landlord.id not in other_landlords:
                continue
            mine = None if all_sites else {s.id for s in sites if s.landlord_id == landlord.id}
            theirs = (
                None
                if other.all_sites_of_signatories
                else {s.id for s in other.sites.all() if s.landlord_id == landlord.id}
            )
            if mine is None or theirs is None or mine & theirs:
                errors.append(
                    _(
                        "%(landlord)s est déjà engagé dans la convention en vigueur « %(other)s » "
                        "sur un périmètre et une période qui se recouvrent : modifiez le périmètre ou la "
                        "période, ou rédigez un avenant à cette convention."
                    )
                    % {"landlord": landlord.name, "other": other.title}
                )
    return errors


def _check(convention: Convention, organisations, sites) -> None:
    data = {f: getattr(convention, f) for f in CONVENTION_FIELDS}
    errors = convention_errors(
        department_id=convention.department_id,
        data=data,
        organisations=organisations,
        sites=sites,
        exclude_pk=convention.pk,
    )
    if errors:
        raise ApplicationError(" ".join(errors), code="invalid_convention", extra={"errors": errors})


def _save_document(convention, actor, document) -> None:
    if document is not None:
        stored = ConventionDocument.objects.create(
            convention=convention,
            file=document,
            original_name=document.name[:200],
            content_type=getattr(document, "content_type", "") or "application/octet-stream",
            uploaded_by=actor,
        )
        history_record(
            convention,
            actor,
            "document",
            _("Document signé déposé : %s") % document.name,
            obj=stored,
            audit_action=AuditAction.CREATE,
        )


@transaction.atomic
def convention_create(
    *,
    actor: User,
    department_id: str,
    data: dict,
    organisations: list[Organisation],
    sites: list[HousingSite] = (),
    document=None,
) -> Convention:
    convention = Convention(
        department_id=department_id, **{f: data[f] for f in CONVENTION_FIELDS if f in data}
    )
    _check(convention, organisations, list(sites))
    convention.full_clean()
    convention.save()
    Signatory.objects.bulk_create(
        [
            Signatory(convention=convention, organisation=o, signed_on=convention.signed_on)
            for o in organisations
        ]
    )
    convention.sites.set(sites)
    history_record(convention, actor, "create", _("Convention créée"), audit_action=AuditAction.CREATE)
    _save_document(convention, actor, document)
    return convention


@transaction.atomic
def convention_update(
    *,
    actor: User,
    convention: Convention,
    data: dict,
    organisations: list[Organisation],
    sites: list[HousingSite] = (),
    document=None,
) -> Convention:
    changed = [f for f in CONVENTION_FIELDS if f in data and getattr(convention, f) != data[f]]
    for field in changed:
        setattr(convention, field, data[field])
    _check(convention, organisations, list(sites))
    convention.full_clean()
    convention.save()
    before = set(convention.signatories.values_list("organisation_id", flat=True))
    after = {o.id for o in organisations}
    convention.signatories.exclude(organisation_id__in=after).delete()
    Signatory.objects.bulk_create(
        [
            Signatory(convention=convention, organisation=o, signed_on=convention.signed_on)
            for o in organisations
            if o.id not in before
        ]
    )
    convention.sites.set(sites)
    if changed or before != after:
        history_record(
            convention,
            actor,
            "update",
            _("Convention modifiée : %s")
            % ", ".join(
                [str(Convention._meta.get_field(f).verbose_name) for f in changed]
                + ([_("signataires")] if before != after else [])
            ),
            fields=changed,
            signatories_added=sorted(after - before),
            signatories_removed=sorted(before - after),
        )
    _save_document(convention, actor, document)
    return convention


@transaction.atomic
def commitment_create(
    *,
    actor: User | None,
    convention: Convention,
    text: str,
    responsible: list[Organisation] = (),
    status: str = "to_start",
    due_date: datetime.date | None = None,
) -> Commitment:
    commitment = Commitment(
        convention=convention,
        text=text,
        status=status,
        due_date=due_date,
        position=convention.commitments.count(),
    )
    commitment.full_clean()
    commitment.save()
    commitment.responsible.set(responsible)
    history_record(
        convention,
        actor,
        "commitment",
        _("Engagement ajouté : %s") % text[:120],
        obj=commitment,
        audit_action=AuditAction.CREATE,
    )
    return commitment


@transaction.atomic
def meeting_create(
    *,
    actor: User | None,
    convention: Convention,
    kind: str,
    date: datetime.date,
    attendees: list[Organisation] = (),
    minutes: str = "",
    minutes_file=None,
) -> Meeting:
    meeting = Meeting(convention=convention, kind=kind, date=date, minutes=minutes)
    if minutes_file is not None:
        meeting.minutes_file = minutes_file
    meeting.full_clean()
    meeting.save()
    meeting.attendees.set(attendees)
    history_record(
        convention,
        actor,
        "meeting",
        _("%(kind)s du %(date)s enregistré")
        % {"kind": meeting.get_kind_display(), "date": date.strftime("%d/%m/%Y")},
        obj=meeting,
        audit_action=AuditAction.CREATE,
    )
    return meeting


@transaction.atomic
def action_item_create(
    *,
    actor: User | None,
    meeting: Meeting,
    text: str,
    owner: Organisation,
    due_date: datetime.date | None = None,
) -> ActionItem:
    item = ActionItem(meeting=meeting, text=text, owner=owner, due_date=due_date)
    item.full_clean()
    item.save()
    history_record(
        meeting.convention,
        actor,
        "action_item",
        _("Action ajoutée : %s") % text[:120],
        obj=item,
        audit_action=AuditAction.CREATE,
    )
    return item


def next_periodic_review(
    convention: Convention, landlord: Organisation, unit: Organisation, meetings: list[Meeting] | None = None
) -> datetime.date | None:
    """When the next periodic point between a landlord and a force unit is due: the last point
    both attended (or the start of the convention) plus the convention's interval."""
    if not convention.periodic_review_months:
        return None
    start = last_periodic_review(convention, landlord, unit, meetings)
    if start is None:
        return None
    return add_months(start, convention.periodic_review_months)


def last_periodic_review(
    convention: Convention, landlord: Organisation, unit: Organisation, meetings: list[Meeting] | None = None
) -> datetime.date | None:
    """The last periodic point both attended, else the start of the convention: what the next
    point's agenda counts from."""
    if meetings is None:
        meetings = list(convention.meetings.filter(kind=MeetingKind.PERIODIC).prefetch_related("attendees"))
    dates = [
        m.date
        for m in meetings
        if m.kind == MeetingKind.PERIODIC and {landlord.id, unit.id} <= {a.id for a in m.attendees.all()}
    ]
    return max(dates) if dates else convention.effective_from or convention.signed_on


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


PROBLEM_TRANSITIONS = {
    ProblemStatus.IDENTIFIED: {ProblemStatus.IN_TREATMENT},
    ProblemStatus.IN_TREATMENT: {ProblemStatus.RESOLVED},
    ProblemStatus.RESOLVED: set(),
}
# Where each status stores the moment the problem reached it (identified: opened_at, set on creation).
PROBLEM_STATUS_DATES = {ProblemStatus.IN_TREATMENT: "in_treatment_at", ProblemStatus.RESOLVED: "resolved_at"}


def _problem_for_change(actor: User | None, problem: PartnershipProblem) -> PartnershipProblem:
    """The problem locked for the change; refused to whoever the policy does not let change it
    (actor None: the platform itself, e.g. demo data)."""
    if actor is not None and not problem_policy.has_permission(actor, "change", problem):
        raise ApplicationError(_("Vous ne pouvez pas modifier ce problème partenarial."), code="forbidden")
    return PartnershipProblem.objects.select_for_update().get(pk=problem.pk)


def _linkable(actor: User | None, alerts) -> list:
    """The fiches among `alerts` the actor may link or unlink (visible_alerts_q): another organisation's
    fiche is refused with the same message as a missing one."""
    if actor is None:
        return list(alerts)
    from alerts.models import Alert

    visible = visible_alerts_q(actor)
    ids = {a.pk for a in alerts}
    allowed = (
        set(Alert.objects.filter(visible, pk__in=ids).values_list("pk", flat=True)) if visible else set()
    )
    if allowed != ids:
        raise ApplicationError(_("Fiche introuvable."), code="not_found")
    return list(alerts)


@transaction.atomic
def problem_create(
    *,
    actor: User,
    site: HousingSite | None,
    commune,
    title: str,
    description: str = "",
    partners: list[Organisation] = (),
    action_plan: str = "",
    alerts=(),
) -> PartnershipProblem:
    if not problem_policy.user_has_permission(actor, "open"):
        raise ApplicationError(
            _("Seuls la préfecture, une force ou les référents d'un bailleur peuvent ouvrir un problème.")
        )
    alerts = _linkable(actor, alerts)
    problem = PartnershipProblem(
        department_id=commune.department_id,
        site=site,
        commune=commune,
        title=title,
        description=description,
        opened_by=actor.organisation,
        action_plan=action_plan,
    )
    problem.full_clean()
    problem.save()
    problem.partners.set(partners)
    problem.alerts.set(alerts)
    history_record(
        problem,
        actor,
        "create",
        _("Problème ouvert"),
        audit_action=AuditAction.CREATE,
        status=problem.status,
        alerts=sorted(a.pk for a in alerts),
    )
    return problem


@transaction.atomic
def problem_transition(
    *, actor: User | None, problem: PartnershipProblem, to_status: str
) -> PartnershipProblem:
    """identified → in treatment → resolved, the moment of each step stored on the problem."""
    problem = _problem_for_change(actor, problem)
    if to_status not in PROBLEM_TRANSITIONS[ProblemStatus(problem.status)]:
        raise ApplicationError(
            _("Un problème « %(from)s » ne peut pas passer au statut « %(to)s ».")
            % {
                "from": problem.get_status_display(),
                "to": dict(ProblemStatus.choices).get(to_status, to_status),
            },
            code="illegal_transition",
        )
    previous = problem.get_status_display()
    from_status = problem.status
    problem.status = to_status
    date_field = PROBLEM_STATUS_DATES[to_status]
    setattr(problem, date_field, timezone.now())
    problem.save(update_fields=["status", date_field])
    history_record(
        problem,
        actor,
        "status",
        _("%(before)s → %(after)s") % {"before": previous, "after": problem.get_status_display()},
        from_status=from_status,
        to_status=to_status,
    )
    return problem


@transaction.atomic
def problem_set_action_plan(
    *, actor: User | None, problem: PartnershipProblem, action_plan: str
) -> PartnershipProblem:
    """A new version of the action plan; the history keeps the beginning of each version."""
    problem = _problem_for_change(actor, problem)
    if action_plan == problem.action_plan:
        return problem
    problem.action_plan = action_plan
    problem.full_clean(exclude=[f.name for f in PartnershipProblem._meta.fields if f.name != "action_plan"])
    problem.save(update_fields=["action_plan"])
    history_record(
        problem,
        actor,
        "action_plan",
        _("Plan d'action modifié : « %(plan)s »") % {"plan": Truncator(action_plan).chars(240) or "—"},
        fields=["action_plan"],
    )
    return problem


@transaction.atomic
def problem_link_alerts(*, actor: User | None, problem: PartnershipProblem, alerts) -> PartnershipProblem:
    """Link fiches the actor may see; those already linked are left as they are."""
    problem = _problem_for_change(actor, problem)
    already = set(problem.alerts.values_list("pk", flat=True))
    added = [a for a in _linkable(actor, alerts) if a.pk not in already]
    if not added:
        raise ApplicationError(_("Ces fiches sont déjà liées au problème."), code="already_linked")
    problem.alerts.add(*added)
    # The message names no reference: the timeline shows each reader only the fiches it may see.
    history_record(
        problem,
        actor,
        "link",
        ngettext("%(n)d fiche liée", "%(n)d fiches liées", len(added)) % {"n": len(added)},
        alerts=sorted(a.pk for a in added),
    )
    return problem


@transaction.atomic
def problem_unlink_alert(*, actor: User | None, problem: PartnershipProblem, alert) -> PartnershipProblem:
    problem = _problem_for_change(actor, problem)
    _linkable(actor, [alert])
    if not problem.alerts.filter(pk=alert.pk).exists():
        raise ApplicationError(_("Cette fiche n'est pas liée au problème."), code="not_linked")
    problem.alerts.remove(alert)
    history_record(problem, actor, "unlink", _("1 fiche déliée"), alerts=[alert.pk])
    return problem


@transaction.atomic
def follow_up_status_set(
    *, actor: User, item: Commitment | ActionItem, status: str
) -> Commitment | ActionItem:
    """A commitment's or an action item's new status, recorded in the convention's history."""
    previous, from_status = item.get_status_display(), item.status
    item.status = status
    item.full_clean()
    item.save(update_fields=["status"])
    convention = item.convention if isinstance(item, Commitment) else item.meeting.convention
    history_record(
        convention,
        actor,
        "status",
        _("« %(item)s » : %(before)s → %(after)s")
        % {"item": str(item)[:80], "before": previous, "after": item.get_status_display()},
        obj=item,
        from_status=from_status,
        to_status=item.status,
    )
    return item
