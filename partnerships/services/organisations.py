import datetime
from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from partnerships.audit import audit_record
from partnerships.errors import ApplicationError
from partnerships.models import (
    AuditAction,
    Commune,
    Department,
    HousingSite,
    Organisation,
    TerritoryAssignment,
    User,
)
from partnerships.reference_cache import reference_changed

from .permissions import organisation_group, sync_membership


@transaction.atomic
def organisation_create(
    *, name: str, kind: str, department_id: str, parent: Organisation | None = None, **fields
) -> Organisation:
    org = Organisation(name=name, kind=kind, department_id=department_id, parent=parent, **fields)
    org.full_clean()
    org.save()
    organisation_group(org)
    return org


@transaction.atomic
def organisations_create_many(orgs: list[Organisation]) -> list[Organisation]:
    """organisation_create for thousands at once (a national territories import): validated like one,
    written with three bulk queries, each with its permission group."""
    for org in orgs:
        org.full_clean(validate_unique=False, validate_constraints=False)
    Organisation.objects.bulk_create(orgs)
    groups = Group.objects.bulk_create([Group(name=f"org-{org.pk}") for org in orgs])
    for org, group in zip(orgs, groups, strict=True):
        org.group = group
    Organisation.objects.bulk_update(orgs, ["group"])
    reference_changed()  # bulk writes send no signal (partnerships/reference_cache.py)
    return orgs


@transaction.atomic
def organisation_set_departments(
    *, actor: User | None, organisation: Organisation, departments: Iterable[Department]
) -> Organisation:
    """Where a landlord operates besides its own département (always kept: it is not stored in the
    list). A département where the landlord still holds estates cannot be taken away: they must lie
    where it operates."""
    if not organisation.is_landlord:
        raise ApplicationError(_("Seul un bailleur a des départements d'intervention."), code="not_landlord")
    wanted = {d.pk for d in departments} - {organisation.department_id}
    current = set(organisation.departments.values_list("code", flat=True))
    if wanted == current:
        return organisation
    stranded = sorted(
        HousingSite.objects.filter(landlord=organisation, commune__department_id__in=current - wanted)
        .values_list("commune__department_id", flat=True)
        .distinct()
    )
    if stranded:
        raise ApplicationError(
            _("Le bailleur a encore des sites dans ces départements : %s") % ", ".join(stranded),
            code="departments_with_sites",
        )
    organisation.departments.set(wanted)
    audit_record(
        request_or_actor=actor,
        action=AuditAction.CHANGE,
        obj=organisation,
        detail={"departments": [sorted(current), sorted(wanted)]},
    )
    return organisation


@transaction.atomic
def user_create(
    *, email: str, password: str | None, organisation: Organisation | None, role: str = "agent", **fields
) -> User:
    user = User.objects.create_user(
        email=email, password=password, organisation=organisation, role=role, **fields
    )
    sync_membership(user)
    return user


@transaction.atomic
def territory_assign(
    *, unit: Organisation, communes: list[Commune], valid_from: datetime.date | None = None
) -> list[TerritoryAssignment]:
    if not unit.is_force:
        raise ApplicationError(_("Seule une unité de police ou de gendarmerie peut avoir un territoire."))
    valid_from = valid_from or datetime.date(2000, 1, 1)
    try:
        with transaction.atomic():
            assigned = TerritoryAssignment.objects.bulk_create(
                [
                    TerritoryAssignment(unit=unit, force=unit.kind, commune=c, valid_from=valid_from)
                    for c in communes
                ]
            )
        reference_changed()  # bulk writes send no signal (partnerships/reference_cache.py)
        return assigned
    except IntegrityError:
        taken = TerritoryAssignment.objects.filter(
            commune__in=communes, force=unit.kind, valid_until__isnull=True
        ).select_related("commune", "unit")
        detail = ", ".join(f"{a.commune.name} ({a.unit.name})" for a in taken)
        raise ApplicationError(
            _("Communes déjà couvertes par une autre unité : %s") % detail, code="territory_conflict"
        ) from None
