"""Who a user acts for. Every selector and policy starts from here, so the rules of who sees what
are written once."""

from django.db.models import Q

from .models import Organisation, OrganisationKind, Role, TerritoryAssignment, User


def unit_ids(user: User) -> list[int]:
    """Force units whose fiches the user handles: own unit, and for managers the units below.

    Cached on the user object: a request asks once whatever the number of rows it renders."""
    cached = getattr(user, "_passerelle_unit_ids", None)
    if cached is not None:
        return cached
    org = user.organisation if user.is_authenticated else None
    ids: list[int] = []
    if org is not None and org.is_force:
        ids = [org.id]
        if user.is_manager:
            ids = descendant_ids(org)
    user._passerelle_unit_ids = ids
    return ids


def descendant_ids(org: Organisation) -> list[int]:
    """The organisation and every unit below it (one query for the département's tree)."""
    children: dict[int, list[int]] = {}
    for pk, parent_id in Organisation.objects.filter(department_id=org.department_id).values_list(
        "id", "parent_id"
    ):
        children.setdefault(parent_id, []).append(pk)
    found, todo = [], [org.id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return sorted(found)


def territory_commune_q(units: list[int], prefix: str = "") -> Q:
    """Objects located in a commune where one of the units is currently competent."""
    communes = TerritoryAssignment.objects.filter(unit_id__in=units, valid_until__isnull=True).values(
        "commune_id"
    )
    return Q(**{f"{prefix}commune_id__in": communes})


def kind(user: User) -> str | None:
    org = user.organisation if user.is_authenticated else None
    return org.kind if org else None


def is_platform_admin(user: User) -> bool:
    return user.is_authenticated and user.is_superuser


def is_prefecture(user: User) -> bool:
    return kind(user) == OrganisationKind.PREFECTURE


def is_landlord(user: User) -> bool:
    return kind(user) == OrganisationKind.LANDLORD


def is_force(user: User) -> bool:
    return kind(user) in OrganisationKind.forces()


def administered_organisation(user: User) -> Organisation | None:
    """The organisation whose accounts, tokens and webhooks the user manages (role admin), else None."""
    if not user.is_authenticated or not user.is_active or user.is_service_account:
        return None
    if user.role != Role.ADMIN or user.organisation_id is None:
        return None
    return user.organisation
