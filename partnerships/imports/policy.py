"""Who may import what (the import pages, forms and templates ask this policy, never an organisation
kind). Landlord managers import their own estates; prefecture managers import the force territories of
their département and the estates of its landlords; platform administrators import anything,
nationally. Anyone else gets a 404. Engineer H1's ImportPolicy in partnerships/permissions.py answers
user_has_permission() the same way."""

from django.db.models import QuerySet
from django.http import Http404

from partnerships import scope
from partnerships.models import Organisation, OrganisationKind, User

SITES = "sites"
TERRITORIES = "territories"


class ImportPolicy:
    def actions(self, user: User) -> tuple[str, ...]:
        if scope.is_platform_admin(user):
            return (SITES, TERRITORIES)
        if not user.is_authenticated or not user.is_manager:
            return ()
        if scope.is_prefecture(user):
            return (SITES, TERRITORIES)
        if scope.is_landlord(user):
            return (SITES,)
        return ()

    def user_has_permission(self, user: User, action: str) -> bool:
        return action in self.actions(user)

    def check(self, user: User, action: str) -> None:
        if not self.user_has_permission(user, action):
            raise Http404

    def landlords(self, user: User) -> QuerySet:
        """Landlords whose estates the user may import."""
        qs = Organisation.objects.filter(kind=OrganisationKind.LANDLORD).order_by("name")
        if scope.is_platform_admin(user):
            return qs
        if scope.is_prefecture(user):
            return qs.filter(department_id=user.organisation.department_id)
        if scope.is_landlord(user):
            return qs.filter(pk=user.organisation_id)
        return qs.none()

    def chooses_landlord(self, user: User) -> bool:
        """A landlord imports its own stock; the others pick the landlord."""
        return not scope.is_landlord(user)

    def territory_departments(self, user: User) -> list[str] | None:
        """Départements whose territories the user may import (None: all, for platform administrators)."""
        return None if scope.is_platform_admin(user) else [user.organisation.department_id]


import_policy = ImportPolicy()
