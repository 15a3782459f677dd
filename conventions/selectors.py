"""Reads on conventions, already scoped to the user and prefetched for the page that uses them."""

import datetime

from django.db.models import Count, Prefetch, Q, QuerySet

from partnerships.models import Organisation, User

from .models import OPEN_ACTION_STATUSES, ActionItem, Convention, ConventionStatus, Meeting, Signatory
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
