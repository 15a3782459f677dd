"""Reads that users see, already scoped to the user (partnerships.permissions)."""

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from . import hooks, scope
from .models import (
    Commune,
    HousingSite,
    ImportRun,
    Organisation,
    SecurityCorrespondent,
    Substitution,
    TerritoryAssignment,
    User,
)
from .permissions import import_run_policy, site_policy
from .services.imports import progress_cache, progress_key


def site_list(
    *, user: User, search: str = "", commune_id: int | None = None, landlord_id: int | None = None
) -> QuerySet[HousingSite]:
    qs = site_policy.instances(user, "view").select_related("commune", "landlord")
    if search:
        qs = qs.filter(name__icontains=search) | qs.filter(commune__name__icontains=search)
    if commune_id:
        qs = qs.filter(commune_id=commune_id)
    if landlord_id:
        qs = qs.filter(landlord_id=landlord_id)
    return qs.order_by("name", "id")


def site_positions(*, user: User, landlord_id) -> list[dict]:
    """The landlord's estates with their coordinates, for « Près de moi »: the phone computes the
    distances itself, so its position never leaves it."""
    return list(
        site_policy.instances(user, "view")
        .filter(landlord_id=landlord_id, latitude__isnull=False, longitude__isnull=False)
        .values("id", "name", "commune__name", "latitude", "longitude")
        .order_by("id")
    )


def site_get(*, user: User, pk, action: str = "view") -> HousingSite:
    qs = HousingSite.objects.select_related("commune__department", "landlord")
    return site_policy.get_or_404(user, action, queryset=qs, pk=pk)


def territory_communes(*, user: User) -> QuerySet[Commune]:
    return (
        Commune.objects.filter(
            assignments__unit_id__in=scope.unit_ids(user), assignments__valid_until__isnull=True
        )
        .annotate(site_count=Count("sites", distinct=True))
        .order_by("name")
    )


def territory_assignments(*, user: User) -> QuerySet[TerritoryAssignment]:
    return (
        TerritoryAssignment.objects.filter(unit_id__in=scope.unit_ids(user), valid_until__isnull=True)
        .select_related("commune", "unit")
        .order_by("unit__name", "commune__name")
    )


def directory(*, user: User) -> QuerySet[SecurityCorrespondent]:
    """The partners' correspondents; an entry linked to an account on leave today carries its absence
    (`user.current_absences`) so the directory names the substitute."""
    today = timezone.localdate()
    absences = Substitution.objects.filter(starts_on__lte=today, ends_on__gte=today).select_related(
        "substitute"
    )
    return (
        SecurityCorrespondent.objects.filter(organisation_id__in=hooks.partner_organisation_ids(user=user))
        .select_related("organisation", "user")
        .prefetch_related(Prefetch("user__substitutions", queryset=absences, to_attr="current_absences"))
        .order_by("organisation__kind", "organisation__name", "full_name")
    )


def competent_unit_for_site(site: HousingSite) -> Organisation | None:
    from .routing import competent_unit

    return competent_unit(site.commune_id, site.force)


def import_runs(*, user: User, limit: int = 20):
    """The latest import runs the user may follow (its own, and its organisation's for a manager)."""
    return (
        import_run_policy.instances(user).select_related("created_by").order_by("-created_at", "-id")[:limit]
    )


def import_run_progress(run: ImportRun) -> int:
    """Rows read so far: the worker's live count while the run is busy, the stored count afterwards."""
    if run.running:
        return progress_cache().get(progress_key(run), run.rows_done)
    return run.rows_done
