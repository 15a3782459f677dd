"""Reads on conventions, already scoped to the user and prefetched for the page that uses them."""

import datetime
from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q, QuerySet
from django.utils import timezone

from partnerships.models import Commune, HousingSite, Organisation, OrganisationKind, User
from partnerships.permissions import organisation_policy

from .models import (
    OPEN_ACTION_STATUSES,
    ActionItem,
    Convention,
    ConventionStatus,
    Meeting,
    MeetingKind,
    PartnershipProblem,
    ProblemStatus,
    Signatory,
)
from .permissions import convention_policy, problem_policy
from .services import next_periodic_review

EXPIRY_WARNING_DAYS = 180


def convention_list(*, user: User, search: str = "") -> QuerySet:
    """Each convention flagged `expires_soon` (ends within EXPIRY_WARNING_DAYS without tacit renewal)
    and `is_over` (ended) by the database, against today's date."""
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
    qs = (
        convention_policy.instances(user)
        .select_related("department", "parent")
        .annotate(
            signatory_count=Count("signatories", distinct=True),
            open_actions=Count(
                "meetings__action_items",
                distinct=True,
                filter=Q(meetings__action_items__status__in=OPEN_ACTION_STATUSES),
            ),
            expires_soon=ExpressionWrapper(
                Q(effective_until__gte=today, effective_until__lte=soon, tacit_renewal=False),
                output_field=BooleanField(),
            ),
            is_over=ExpressionWrapper(Q(effective_until__lt=today), output_field=BooleanField()),
        )
    )
    if search:
        qs = qs.filter(title__icontains=search)
    return qs.order_by("-effective_from", "title")


def convention_get(*, user: User, pk, action: str = "view") -> Convention:
    queryset = Convention.objects.select_related("department", "parent").prefetch_related(
        Prefetch("signatories", queryset=Signatory.objects.select_related("organisation")),
        "commitments__responsible",
        Prefetch(
            "meetings",
            queryset=Meeting.objects.prefetch_related(
                "attendees", Prefetch("action_items", queryset=ActionItem.objects.select_related("owner"))
            ),
        ),
        "documents",
        "amendments",
    )
    return convention_policy.get_or_404(user, action, queryset=queryset, pk=pk)


def signatory_candidates(department_id: str) -> QuerySet:
    """Organisations that may sign a convention of the département (the parquet and mayors included)."""
    return Organisation.objects.filter(department_id=department_id).order_by("kind", "name")


# Action items, partnership problems and the prefecture's home page (engineer H1's block).


def open_action_items(meetings) -> list[ActionItem]:
    """The open action items of meetings read by `convention_get` (their items are prefetched)."""
    return [a for m in meetings for a in m.action_items.all() if a.status in OPEN_ACTION_STATUSES]


def periodic_reviews(convention) -> list[dict]:
    """Each signatory landlord with each signatory force unit: when their next periodic point is due."""
    if not convention.periodic_review_months:
        return []
    orgs = [s.organisation for s in convention.signatories.all()]
    meetings = [m for m in convention.meetings.all() if m.kind == MeetingKind.PERIODIC]
    today = timezone.localdate()
    rows = []
    for landlord in (o for o in orgs if o.is_landlord):
        for unit in (o for o in orgs if o.is_force):
            due = next_periodic_review(convention, landlord, unit, meetings)
            late = due is not None and due < today
            rows.append({"landlord": landlord, "unit": unit, "due": due, "late": late})
    return rows


def action_item_list(*, convention: Convention) -> QuerySet[ActionItem]:
    """The action items of a convention the caller already holds (so already scoped to the user)."""
    return ActionItem.objects.filter(meeting__convention=convention).select_related("meeting__convention")


def problem_list(*, user: User, status: str = "") -> QuerySet[PartnershipProblem]:
    problems = (
        problem_policy.instances(user)
        .select_related("site", "commune", "opened_by")
        .annotate(alert_count=Count("alerts", distinct=True))
    )
    if status in ProblemStatus.values:
        problems = problems.filter(status=status)
    return problems.order_by("status", "-opened_at")


def problem_get(*, user: User, pk, action: str = "view") -> PartnershipProblem:
    queryset = PartnershipProblem.objects.select_related("site", "commune", "opened_by").prefetch_related(
        "partners"
    )
    return problem_policy.get_or_404(user, action, queryset=queryset, pk=pk)


def prefecture_home(*, user: User) -> dict:
    """The figures of the prefecture's home page: its département's landlords, units, estates and
    how many communes have a competent unit. Its managers set where each landlord operates."""
    department = user.organisation.department
    return {
        "department": department,
        "landlords": Organisation.objects.filter(department=department, kind=OrganisationKind.LANDLORD)
        .prefetch_related("departments")
        .order_by("name"),
        "can_set_departments": organisation_policy.user_has_permission(user, "set_departments"),
        "unit_count": Organisation.objects.filter(
            department=department, kind__in=OrganisationKind.forces()
        ).count(),
        "site_count": HousingSite.objects.filter(commune__department=department).count(),
        "communes_total": Commune.objects.filter(department=department).count(),
        "communes_covered": Commune.objects.filter(
            department=department, assignments__valid_until__isnull=True
        ).count(),
    }


@dataclass(frozen=True)
class LinkedAlerts:
    """The fiches of a partnership problem as one reader may know them."""

    visible: list  # the fiches the reader may see, oldest first
    others: int  # how many more are linked: a count only, never which


def problem_linked_alerts(*, user: User, problem) -> LinkedAlerts:
    """A problem groups fiches of several landlords and units: each reader sees the ones
    `alert_policy` lets it see, and only a count of the others (their reference, category and date
    would tell a landlord about another landlord's estate)."""
    from alerts.permissions import alert_policy

    linked = problem.alerts.values("pk")
    visible = list(
        alert_policy.instances(user)
        .filter(pk__in=linked)
        .only("id", "reference", "category", "submitted_at")
        .order_by("submitted_at", "id")
    )
    return LinkedAlerts(visible=visible, others=problem.alerts.count() - len(visible))


def partner_organisation_ids(*, user: User) -> list[int]:
    """Organisations that share a convention with the user's, plus its own; prefecture staff
    see the whole département. The core's directory of correspondents reads it through
    partnerships.hooks (registered by ConventionsConfig.ready)."""
    org = user.organisation if user.is_authenticated else None
    if user.is_authenticated and user.is_superuser:
        return list(Organisation.objects.values_list("id", flat=True))
    if org is None:
        return []
    if org.is_prefecture:
        return list(Organisation.objects.filter(department_id=org.department_id).values_list("id", flat=True))
    conventions = Signatory.objects.filter(organisation_id=org.id).values("convention_id")
    ids = set(
        Signatory.objects.filter(convention_id__in=conventions).values_list("organisation_id", flat=True)
    )
    ids.add(org.id)
    return sorted(ids)


def convention_in_force(alert, day: datetime.date) -> Convention | None:
    """The convention of the fiche's département signed by its landlord, in force on `day`, covering
    its site."""
    return (
        Convention.objects.filter(
            department_id=alert.department_id,
            signatories__organisation_id=alert.landlord_id,
            status__in=[ConventionStatus.SIGNED, ConventionStatus.ACTIVE],
        )
        .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=day))
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=day))
        .filter(Q(all_sites_of_signatories=True) | Q(sites=alert.site_id))
        .order_by("-effective_from", "-id")
        .first()
    )


def convention_prefecture(convention: Convention) -> Organisation | None:
    """The prefecture of the convention's département: the issuer named on the bilan's title page."""
    return (
        Organisation.objects.filter(kind=OrganisationKind.PREFECTURE, department_id=convention.department_id)
        .order_by("id")
        .first()
    )
