"""Reads on conventions, already scoped to the user and prefetched for the page that uses them."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from partnerships.models import Organisation, User

from .models import OPEN_ACTION_STATUSES, ActionItem, Convention, Meeting, Signatory
from .permissions import convention_policy


def convention_list(*, user: User, search: str = "") -> QuerySet:
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
