"""Who is told at each level of a clock, and who receives the daily digest."""

import datetime

from partnerships.models import OrganisationKind, Role, Substitution, User

from .clocks import MAX_LEVEL

MANAGER_ROLES = (Role.MANAGER, Role.ADMIN)


def substitutes_on(day: datetime.date) -> dict[int, User]:
    """{absent manager's id: their active substitute} for the day: escalations, reminders and digests
    go to the substitute meanwhile."""
    return {
        s.user_id: s.substitute
        for s in Substitution.objects.filter(
            starts_on__lte=day, ends_on__gte=day, substitute__is_active=True
        ).select_related("substitute__organisation")
    }


class Recipients:
    """Who is told at each level, cached per unit for one scan, with substitutes for managers on leave.
    Each with their organisation: the e-mails give due times in the reader's zone (its département)."""

    def __init__(self, today: datetime.date):
        self.today = today
        self._cache: dict = {}
        self._substitutes = substitutes_on(today)

    def prefetch(self, organisation_ids: set) -> None:
        """Members of a batch's units and their parents in one query (a query per unit made a scan of
        thousands of due fiches slow)."""
        missing = {pk for pk in organisation_ids if pk is not None and (pk, False) not in self._cache}
        if not missing:
            return
        members: dict = {pk: [] for pk in missing}
        for user in User.objects.filter(organisation_id__in=missing, is_active=True).select_related(
            "organisation"
        ):
            members[user.organisation_id].append(user)
        for pk, users in members.items():
            self._cache[(pk, False)] = [self._substitutes.get(u.pk, u) for u in users]
            self._cache[(pk, True)] = [
                self._substitutes.get(u.pk, u) for u in users if u.role in MANAGER_ROLES
            ]

    def _members(self, organisation_id, managers_only: bool) -> list[User]:
        key = (organisation_id, managers_only)
        if key not in self._cache:
            qs = User.objects.filter(organisation_id=organisation_id, is_active=True).select_related(
                "organisation"
            )
            if managers_only:
                qs = qs.filter(role__in=MANAGER_ROLES)
            self._cache[key] = [self._substitutes.get(u.pk, u) for u in qs]
        return self._cache[key]

    def _prefecture(self, department_id) -> list[User]:
        key = ("prefecture", department_id)
        if key not in self._cache:
            qs = User.objects.select_related("organisation").filter(
                organisation__kind=OrganisationKind.PREFECTURE,
                organisation__department_id=department_id,
                role__in=MANAGER_ROLES,
                is_active=True,
            )
            self._cache[key] = [self._substitutes.get(u.pk, u) for u in qs]
        return self._cache[key]

    def at_level(self, fiche, level: int) -> list[User]:
        if fiche.routed_unit_id is None or level == MAX_LEVEL:
            # A fiche nobody is competent for waits at the prefecture: its referents hear of it.
            return self._prefecture(fiche.department_id)
        if level == 1:
            return self._members(fiche.routed_unit_id, managers_only=False)
        if level == 2:
            return self._members(fiche.routed_unit_id, managers_only=True)
        return self._members(fiche.unit_parent_id, managers_only=True) if fiche.unit_parent_id else []


def digest_recipients():
    """Force unit managers and prefecture referents: the people a daily digest is for."""
    return User.objects.filter(
        is_active=True,
        role__in=MANAGER_ROLES,
        organisation__kind__in=[OrganisationKind.PREFECTURE, *OrganisationKind.forces()],
    ).select_related("organisation")
