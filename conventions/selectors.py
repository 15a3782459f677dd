"""Reads on conventions, already scoped to the user and prefetched for the page that uses them."""

import copy
import datetime
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.http import Http404
from django.utils import timezone

from partnerships.models import Commune, HousingSite, Organisation, OrganisationKind, User
from partnerships.permissions import organisation_policy, site_policy
from partnerships.reference_cache import cached

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
from .permissions import convention_policy, problem_policy, visible_alerts_q
from .services import last_periodic_review, next_periodic_review

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


def problem_list(*, user: User, status: str = "", site=None) -> QuerySet[PartnershipProblem]:
    problems = (
        problem_policy.instances(user)
        .select_related("site", "commune", "opened_by")
        .annotate(alert_count=Count("alerts", distinct=True))
    )
    if status in ProblemStatus.values:
        problems = problems.filter(status=status)
    if site is not None:
        problems = problems.filter(site=site)
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
    unlinkable: frozenset = frozenset()  # ids of the visible ones the reader may unlink


def problem_linked_alerts(*, user: User, problem, can_change: bool = False) -> LinkedAlerts:
    """A problem groups fiches of several landlords and units: each reader sees the ones
    `alert_policy` lets it see, and only a count of the others (their reference, category and date
    would tell a landlord about another landlord's estate). A reader who may change the problem
    unlinks those it may link (visible_alerts_q)."""
    from alerts.models import Alert
    from alerts.permissions import alert_policy

    linked = problem.alerts.values("pk")
    visible = list(
        alert_policy.instances(user)
        .filter(pk__in=linked)
        .only("id", "reference", "category", "submitted_at", "department_id")
        .order_by("submitted_at", "id")
    )
    linkable = visible_alerts_q(user) if can_change else None
    unlinkable = (
        frozenset(Alert.objects.filter(linkable, pk__in=[a.pk for a in visible]).values_list("pk", flat=True))
        if linkable is not None and visible
        else frozenset()
    )
    return LinkedAlerts(visible=visible, others=problem.alerts.count() - len(visible), unlinkable=unlinkable)


def problem_timeline(*, user: User, problem) -> list:
    """The problem's history, newest first, each event with `references`: the fiches it linked or
    unlinked that the reader may see (the messages name none, so that no reader learns another
    landlord's references)."""
    from alerts.permissions import alert_policy

    events = list(problem.events.select_related("actor__organisation"))
    ids = {pk for e in events for pk in e.data.get("alerts", [])}
    references = (
        dict(alert_policy.instances(user).filter(pk__in=ids).values_list("pk", "reference")) if ids else {}
    )
    for event in events:
        event.references = [references[pk] for pk in event.data.get("alerts", []) if pk in references]
    return events


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
    its site. Read on every filing: the landlord's conventions in force that day are kept per process
    (one entry per département, landlord and day, not per estate: an estate met for the first time
    costs no query) until a convention, its signatories or its estates change
    (partnerships/reference_cache.py); the estate is matched here."""
    candidates = cached(
        ("conventions_in_force", alert.department_id, alert.landlord_id, day),
        lambda: _conventions_in_force(alert.department_id, alert.landlord_id, day),
    )
    for convention, all_sites, site_ids in candidates:
        if all_sites or alert.site_id in site_ids:
            return copy.copy(convention)  # the caller's own: the entry is shared between requests
    return None


def _conventions_in_force(department_id, landlord_id, day: datetime.date) -> tuple:
    """(convention, covers all the signatories' estates, its estates' ids), in the order the first
    that covers an estate wins."""
    conventions = list(
        Convention.objects.filter(
            department_id=department_id,
            signatories__organisation_id=landlord_id,
            status__in=[ConventionStatus.SIGNED, ConventionStatus.ACTIVE],
        )
        .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=day))
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=day))
        .order_by("-effective_from", "-id")
        .distinct()
    )
    site_ids: dict[int, set[int]] = {}
    listed = [c.pk for c in conventions if not c.all_sites_of_signatories]
    for convention_id, site_id in Convention.sites.through.objects.filter(
        convention_id__in=listed
    ).values_list("convention_id", "housingsite_id"):
        site_ids.setdefault(convention_id, set()).add(site_id)
    return tuple((c, c.all_sites_of_signatories, frozenset(site_ids.get(c.pk, ()))) for c in conventions)


def convention_prefecture(convention: Convention) -> Organisation | None:
    """The prefecture of the convention's département: the issuer named on the bilan's title page."""
    return (
        Organisation.objects.filter(kind=OrganisationKind.PREFECTURE, department_id=convention.department_id)
        .order_by("id")
        .first()
    )


def signatory_meetings(*, user: User, limit: int = 10) -> list[Meeting]:
    """The latest meetings of the conventions the user's organisation may read, newest first, with
    their minutes (text or file): what a signatory follows of its committees."""
    return list(
        Meeting.objects.filter(convention__in=convention_policy.instances(user))
        .select_related("convention")
        .order_by("-date", "-id")[:limit]
    )


def readable_fiches(*, user: User, limit: int = 10) -> QuerySet:
    """The fiches a signatory outside the chain (the parquet) may read by name: none unless one of its
    conventions says so (alerts.permissions.AlertPolicy decides)."""
    from alerts.permissions import alert_policy  # alerts is built on this app: imported when needed

    return (
        alert_policy.instances(user).select_related("site", "site__commune").order_by("-submitted_at")[:limit]
    )


# A signatory's own page of a convention (« Mes conventions »).


def periodic_agenda(convention: Convention, landlord: Organisation, unit: Organisation, since) -> dict:
    """What the next periodic point between a landlord and a force unit starts from: the pair's fiches
    under the convention since their last point (counts by category, acknowledgements out of delay)
    and the partnership problems still open on the landlord's estates that the unit opened or whose
    fiches it handles. Counts only: both sides of the pair may read them."""
    from alerts.models import Alert, Category, Status

    unit_q = Q(routed_unit_id=unit.id) | Q(routed_unit__parent_id=unit.id)
    fiches = Alert.objects.filter(unit_q, convention_id=convention.pk, landlord_id=landlord.id).exclude(
        status=Status.DRAFT
    )
    if since is not None:
        fiches = fiches.filter(submitted_at__date__gte=since)
    now = timezone.now()
    labels = dict(Category.choices)
    per_category = [
        (labels.get(row["category"], row["category"]), row["n"])
        for row in fiches.values("category").annotate(n=Count("id")).order_by("-n", "category")
    ]
    late = fiches.filter(
        Q(acknowledged_at__gt=F("ack_due_at")) | Q(acknowledged_at__isnull=True, ack_due_at__lt=now)
    ).count()
    problems = (
        PartnershipProblem.objects.filter(site__landlord_id=landlord.id)
        .exclude(status=ProblemStatus.RESOLVED)
        .filter(
            Q(opened_by_id=unit.id)
            | Q(
                pk__in=PartnershipProblem.alerts.through.objects.filter(
                    alert__in=Alert.objects.filter(unit_q)
                ).values("partnershipproblem_id")
            )
        )
        .order_by("opened_at")
    )
    return {
        "since": since,
        "total": sum(n for _label, n in per_category),
        "per_category": per_category,
        "late_acknowledgements": late,
        "open_problems": list(problems.values("pk", "title", "status")),
    }


def partner_page(*, user: User, convention: Convention) -> dict:
    """What the user's organisation owes under a convention read by `convention_get`: the commitments
    it is responsible for, the action items it owns (late ones flagged), its next periodic point with
    each partner and that point's agenda. The platform's administrators, of no organisation, owe nothing."""
    org = user.organisation
    if org is None:
        raise Http404
    today = timezone.localdate()
    meetings = list(convention.meetings.all())
    actions = [
        {
            "item": a,
            "late": a.due_date is not None and a.due_date < today and a.status in OPEN_ACTION_STATUSES,
        }
        for m in meetings
        for a in m.action_items.all()
        if a.owner_id == org.id
    ]
    periodic = [m for m in meetings if m.kind == MeetingKind.PERIODIC]
    reviews = []
    for row in periodic_reviews(convention):
        if org.id not in (row["landlord"].id, row["unit"].id):
            continue
        since = last_periodic_review(convention, row["landlord"], row["unit"], periodic)
        reviews.append({**row, "agenda": periodic_agenda(convention, row["landlord"], row["unit"], since)})
    return {
        "organisation": org,
        "commitments": [c for c in convention.commitments.all() if org in c.responsible.all()],
        "actions": sorted(actions, key=lambda a: (a["item"].due_date is None, a["item"].due_date or today)),
        "reviews": reviews,
        "meetings": meetings,
        "documents": list(convention.documents.all()),
    }


def fiche_problems_annotations(user: User) -> dict:
    """What fiche_problems asks of the fiche, as annotations of the fiche's own query (selectors.
    fiche_get): whether any problem names it (none: no problem list to read) and whether the user
    may link it (only asked of those who may open a problem)."""
    from alerts.models import Alert

    annotations = {
        "has_problems": Exists(PartnershipProblem.alerts.through.objects.filter(alert=OuterRef("pk")))
    }
    visible = visible_alerts_q(user)
    if problem_policy.user_has_permission(user, "open") and visible is not None:
        annotations["problem_linkable"] = Exists(Alert.objects.filter(visible, pk=OuterRef("pk")))
    return annotations


def fiche_problems(*, user: User, alert) -> dict:
    """A fiche's partnership problems that the user may see, and whether it may open one from it
    (the prefecture, a force or a landlord's managers, on a fiche it may link). Reads the fiche's
    fiche_problems_annotations when it has them."""
    from alerts.models import Alert

    visible = visible_alerts_q(user)
    can_open = problem_policy.user_has_permission(user, "open") and visible is not None
    linkable = getattr(alert, "problem_linkable", None)
    if can_open and linkable is None:
        linkable = Alert.objects.filter(visible, pk=alert.pk).exists()
    if getattr(alert, "has_problems", None) is False:
        problems = []
    else:
        problems = list(problem_policy.instances(user).filter(alerts=alert).order_by("-opened_at"))
    return {"problems": problems, "can_open_problem": bool(can_open and linkable)}


def site_problems(*, user: User, site) -> dict:
    """The estate page's panel: how many of its problems the user sees, and whether it may open one."""
    return {
        "count": problem_policy.instances(user).filter(site=site).count(),
        "can_list": problem_policy.user_has_permission(user, "list"),
        "can_open": problem_policy.user_has_permission(user, "open"),
    }


def problem_initial(*, user: User, reference: str = "", site_id: str = "") -> dict:
    """The problem form pre-filled from a fiche the user may link (its estate, commune and reference)
    or from an estate the user sees (its estate and commune). Anything else pre-fills nothing."""
    from alerts.models import Alert

    visible = visible_alerts_q(user)
    if reference:
        alert = (
            Alert.objects.filter(visible, reference=reference).select_related("site").first()
            if visible is not None
            else None
        )
        if alert is None:
            return {}
        return {"site": alert.site_id, "commune": alert.site.commune_id, "alert_references": alert.reference}
    site = site_policy.instances(user).filter(pk=site_id).first() if site_id.isdigit() else None
    return {"site": site.pk, "commune": site.commune_id} if site is not None else {}


def problem_linked_alert_get(*, user: User, problem, pk):
    """A fiche linked to the problem that the user may unlink (visible_alerts_q): else 404."""
    from alerts.models import Alert

    visible = visible_alerts_q(user)
    if visible is None:
        raise Http404
    alert = Alert.objects.filter(visible, pk=pk, partnership_problems=problem).first()
    if alert is None:
        raise Http404
    return alert
