"""Who may import what. Landlord managers import their own estates; prefecture managers import the
force territories of their département and the estates of its landlords. Anyone else gets a 404."""

from django.db.models import QuerySet
from django.http import Http404

from partnerships import scope
from partnerships.models import Organisation, OrganisationKind, User

SITES = "sites"
TERRITORIES = "territories"


def kinds(user: User) -> tuple[str, ...]:
    if scope.is_platform_admin(user):
        return (SITES, TERRITORIES)
    if not user.is_authenticated or not user.is_manager:
        return ()
    if scope.is_prefecture(user):
        return (SITES, TERRITORIES)
    if scope.is_landlord(user):
        return (SITES,)
    return ()


def check(user: User, kind: str) -> None:
    if kind not in kinds(user):
        raise Http404


def landlords(user: User) -> QuerySet:
    """Landlords whose estates the user may import."""
    qs = Organisation.objects.filter(kind=OrganisationKind.LANDLORD).order_by("name")
    if scope.is_platform_admin(user):
        return qs
    if scope.is_prefecture(user):
        return qs.filter(department_id=user.organisation.department_id)
    if scope.is_landlord(user):
        return qs.filter(pk=user.organisation_id)
    return qs.none()


def territory_departments(user: User) -> list[str] | None:
    """Départements whose territories the user may import (None: all, for platform administrators)."""
    return None if scope.is_platform_admin(user) else [user.organisation.department_id]
