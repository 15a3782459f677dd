"""Who may see and edit conventions, and whose fiches feed the indicators a user reads.

Conventions: prefecture staff of the département see and edit all of it; the managers of a
signatory organisation may read theirs; everyone else gets a 404.
Indicators: the prefecture reads its département, a landlord manager
its own organisation's fiches, a force manager the fiches routed to its units, a partner mayor
aggregated figures of its communes only, the parquet aggregated figures of the conventions it signed."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from partnerships import scope
from partnerships.models import OrganisationKind, User
from partnerships.permissions import BasePolicy, PagePolicy

from .models import Convention, PartnershipProblem, Signatory


class ConventionPolicy(BasePolicy):
    """Pages: "list" (the prefecture, and managers for the conventions their organisation signed),
    "create" and "change" (the prefecture: conventions, response delays of the département).
    Objects: "view", "change", and "partner" (the page of what a signatory owes: its signatories)."""

    model = Convention

    def page_permission(self, user: User, org, action: str) -> bool:
        if action == "list":
            return self.page_permission(user, org, "list_department") or self.page_permission(
                user, org, "list_signed"
            )
        if action == "list_department":  # the menu's « Conventions »: the prefecture's département
            return scope.is_platform_admin(user) or (org is not None and org.is_prefecture)
        if action == "list_signed":  # the menu's « Mes conventions »: a signatory partner's managers
            return org is not None and not org.is_prefecture and user.is_manager
        if action in ("create", "change"):
            return org is not None and org.is_prefecture
        return False

    def for_organisation(self, user: User, org, action: str, qs: QuerySet) -> QuerySet:
        # A subquery, not a join, so that the list's signatory count still counts every signatory.
        signed = qs.filter(pk__in=Signatory.objects.filter(organisation_id=org.id).values("convention_id"))
        if action == "partner":
            # Its own page of a convention: what its organisation owes, for the signatories' managers
            # (the prefecture's staff included, for its own commitments).
            return signed if (user.is_manager or org.is_prefecture) else qs.none()
        if org.is_prefecture:
            return qs.filter(department_id=org.department_id)
        if action == "view" and user.is_manager:
            return signed
        return qs.none()


convention_policy = ConventionPolicy()


@dataclass(frozen=True)
class IndicatorReader:
    """The part of the fiches a user may count, and how the figures must be shown to them."""

    alerts: Q  # filter on alerts.Alert
    problems: Q  # filter on PartnershipProblem
    department_id: str
    aggregated_only: bool = False  # partner mayor: no fiche, no name, small counts suppressed
    can_list_fiches: bool = True
    communes: tuple[int, ...] = ()  # a partner mayor's communes: the only ones on its map
    landlord_id: int | None = None  # a landlord reads its own fiches only: no landlord to choose
    unit_ids: tuple[int, ...] | None = None  # a force reads its own units' only: the units to choose from


def _reader_side(user: User) -> str | None:
    """Whose fiches the user counts: its département, its organisation's, its units', its communes'."""
    if not user.is_authenticated or not user.is_active or user.organisation is None:
        return None
    org = user.organisation
    if org.is_prefecture:
        return "department"
    if org.is_landlord and user.is_manager:
        return "landlord"
    if org.is_force and user.is_manager:
        return "units"
    if org.kind == OrganisationKind.MUNICIPALITY:
        return "communes"
    if org.kind == OrganisationKind.PARQUET:
        return "conventions"
    return None


class IndicatorPolicy(PagePolicy):
    """Page "view": the indicators pages and exports (what they count is `indicator_reader`'s)."""

    def page_permission(self, user: User, org, action: str) -> bool:
        return action == "view" and _reader_side(user) is not None


indicator_policy = IndicatorPolicy()


def indicator_reader(user: User) -> IndicatorReader | None:
    """None when the user may read no indicators at all (the views answer 404)."""
    side = _reader_side(user)
    if side is None:
        return None
    org = user.organisation
    dept = org.department_id
    if side == "department":
        return IndicatorReader(Q(department_id=dept), Q(department_id=dept), dept)
    if side == "landlord":
        return IndicatorReader(Q(landlord_id=org.id), Q(site__landlord_id=org.id), dept, landlord_id=org.id)
    if side == "units":
        units = scope.unit_ids(user)
        return IndicatorReader(
            Q(routed_unit_id__in=units), scope.territory_commune_q(units), dept, unit_ids=tuple(units)
        )
    if side == "communes":
        communes = tuple(org.communes.values_list("id", flat=True))
        return IndicatorReader(
            Q(site__commune_id__in=communes),
            Q(commune_id__in=communes),
            dept,
            aggregated_only=True,
            can_list_fiches=False,
            communes=communes,
        )
    if side == "conventions":
        # The parquet counts the fiches of the conventions it signed, aggregated like a mayor's.
        signed = Signatory.objects.filter(organisation_id=org.id).values("convention_id")
        linked = PartnershipProblem.alerts.through.objects.filter(alert__convention_id__in=signed)
        return IndicatorReader(
            Q(convention_id__in=signed),
            Q(pk__in=linked.values("partnershipproblem_id")),
            dept,
            aggregated_only=True,
            can_list_fiches=False,
        )
    return None


class PartnershipProblemPolicy(BasePolicy):
    """The prefecture sees its département's problems; a force those of its territory or opened by
    its units; a landlord those on its estates, opened by it or where it is a partner.
    Changes (status, action plan, linked fiches): the prefecture, the forces that see the problem,
    and a landlord's managers for the problems on its estates or opened by it."""

    model = PartnershipProblem

    def page_permission(self, user: User, org, action: str) -> bool:
        """Pages: "list" (whoever may see some problem), "open" (the prefecture, a force, a landlord's
        managers)."""
        if action == "list":
            return scope.is_platform_admin(user) or (
                org is not None and (org.is_prefecture or org.is_force or org.is_landlord)
            )
        if action == "open":
            return org is not None and (
                org.is_prefecture or org.is_force or (org.is_landlord and user.is_manager)
            )
        return False

    def for_organisation(self, user: User, org, action: str, qs: QuerySet) -> QuerySet:
        if action not in ("view", "change"):
            return qs.none()
        if org.is_prefecture:
            return qs.filter(department_id=org.department_id)
        if org.is_force:
            units = scope.unit_ids(user)
            return qs.filter(scope.territory_commune_q(units) | Q(opened_by_id__in=units))
        if org.is_landlord:
            own = Q(site__landlord_id=org.id) | Q(opened_by_id=org.id)
            if action == "change":
                return qs.filter(own) if user.is_manager else qs.none()
            # A subquery, not a join: no duplicates, no DISTINCT (which get_or_404 cannot combine).
            partner_of = PartnershipProblem.partners.through.objects.filter(organisation_id=org.id).values(
                "partnershipproblem_id"
            )
            return qs.filter(own | Q(pk__in=partner_of))
        return qs.none()


problem_policy = PartnershipProblemPolicy()


def visible_alerts_q(user: User) -> Q | None:
    """Fiches a user may link to (or unlink from) a partnership problem: the prefecture's département,
    a unit's own, a landlord manager's organisation's submitted fiches. So a problem groups several
    landlords' fiches only when the prefecture or a force, who see them all, link them; a landlord
    links its own only, and each reader of the problem sees only the linked fiches it may see."""
    org = user.organisation
    if org is not None and org.is_prefecture:
        return Q(department_id=org.department_id)
    if org is not None and org.is_force:
        return Q(routed_unit_id__in=scope.unit_ids(user))
    if org is not None and org.is_landlord and user.is_manager:
        return Q(landlord_id=org.id) & ~Q(status="draft")
    return None
