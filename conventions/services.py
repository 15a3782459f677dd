"""Writes on conventions, their follow-up and partnership problems. Each service validates, writes in
one transaction and records what it did through history.history_record (the convention's or the
problem's history, and the audit entry)."""

import calendar
import datetime

from django.db import transaction
from django.utils.translation import gettext as _

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
    Signatory,
)

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
