"""Indicators computed from the fiches with SQL aggregations (a handful of queries whatever the
number of fiches). Durations are in hours.

Percentiles: PostgreSQL computes them (`percentile_cont`, linear interpolation). SQLite, the embedded
default, has no such aggregate: there only, the durations are read in one values_list and
interpolated the same way in Python, so both backends return the same numbers."""

import dataclasses
import datetime
import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    TextChoices,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.models import Alert, AlertEvent, Category, EventKind, Status
from partnerships.models import Commune, HousingSite

from .models import Convention, PartnershipProblem, ProblemStatus
from .permissions import IndicatorReader

HOTSPOT_MIN_FICHES = 3
HOTSPOT_LIMIT = 10
PERCENTILES = {"median": 0.5, "p90": 0.9}
# Acknowledged by the due date each fiche was given when submitted (delays.py's one resolution rule),
# out of the fiches given one: the « part prise en compte dans les délais ».
ACK_WITHIN_POLICY = Q(acknowledged_at__lte=F("ack_due_at"))
ACK_WITH_POLICY = Q(ack_due_at__isnull=False)


class Territory(TextChoices):
    """The State's priority territories an estate lies in (HousingSite.qpv_code, .zsp, .qrr)."""

    QPV = "qpv", _("Quartier prioritaire de la politique de la ville (QPV)")
    ZSP = "zsp", _("Zone de sécurité prioritaire (ZSP)")
    QRR = "qrr", _("Quartier de reconquête républicaine (QRR)")


def territory_q(territory: str, site: str = "site__") -> Q:
    """The rows whose estate (reached through `site`) lies in the territory; Q() for « Tous ».
    `__gt=""` rather than a negation: a negated lookup through a nullable estate would keep the
    problems that have no estate."""
    if territory == Territory.QPV:
        return Q(**{f"{site}qpv_code__gt": ""})
    if territory in (Territory.ZSP, Territory.QRR):
        return Q(**{f"{site}{territory}": True})
    return Q()


class Percentile(Aggregate):
    """PostgreSQL's ordered-set aggregate percentile_cont(p) WITHIN GROUP (ORDER BY expr)."""

    name = "Percentile"
    template = "percentile_cont(%(p)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, p: float, **extra):
        super().__init__(expression, p=float(p), output_field=DurationField(), **extra)


def _duration(end: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F("submitted_at"), output_field=DurationField())


def percentile(values: list[float], p: float) -> float | None:
    """percentile_cont's definition: linear interpolation between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = p * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _hours(value) -> float | None:
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, datetime.timedelta) else float(value)
    return round(seconds / 3600, 2)


@dataclass
class Filters:
    start: datetime.date
    end: datetime.date
    landlord_id: int | None = None
    unit_id: int | None = None
    commune_id: int | None = None
    site_id: int | None = None
    category: str = ""
    territory: str = ""  # a Territory value: only the fiches of the estates lying there

    @classmethod
    def last_twelve_months(cls, **kwargs) -> "Filters":
        """Twelve whole calendar months, the current one last: twelve bars, each a month."""
        this_month = timezone.localdate().replace(day=1)
        start = this_month
        for _month in range(11):
            start = (start - datetime.timedelta(days=1)).replace(day=1)
        return cls(start=start, end=_next_month(this_month) - datetime.timedelta(days=1), **kwargs)


@dataclass
class Indicators:
    total: int
    per_month: list[tuple[datetime.date, int]]
    per_category: list[tuple[str, str, int]]
    ack_hours: dict
    feedback_hours: dict
    within_policy: int
    with_policy: int
    staff_aggressions: int
    complaints_filed: int
    redirections: int
    hotspots: list[dict]
    problems_identified: int
    problems_resolved: int
    communes: list[dict] = field(default_factory=list)
    start: datetime.date | None = None  # the period actually counted (see calendar_period)
    end: datetime.date | None = None

    @property
    def within_policy_share(self) -> float | None:
        return round(100 * self.within_policy / self.with_policy, 1) if self.with_policy else None


def _quarter_start(day: datetime.date) -> datetime.date:
    return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)


def calendar_period(filters: Filters) -> Filters:
    """The period a reader of aggregates only (a partner mayor) is given: the smallest whole month,
    quarter or calendar year holding the asked range (whole years when it spans several). Free dates
    would let them move the end one day at a time and learn, from a total stepping by one, the date
    of each fiche."""
    start, end = filters.start, filters.end
    if (start.year, start.month) == (end.year, end.month):
        start = start.replace(day=1)
        end = _next_month(start) - datetime.timedelta(days=1)
    elif start.year == end.year and _quarter_start(start) == _quarter_start(end):
        start = _quarter_start(start)
        end = _next_month(_next_month(_next_month(start))) - datetime.timedelta(days=1)
    else:
        start, end = start.replace(month=1, day=1), end.replace(month=12, day=31)
    return dataclasses.replace(filters, start=start, end=end)


def published_period(filters: Filters, today: datetime.date | None = None) -> Filters:
    """calendar_period, stopped at the end of the last finished month (local date): a month still
    in progress is never published to a reader of aggregates only, else reloading the page would
    show its totals grow fiche by fiche. A period not begun by then becomes the last finished month."""
    period = calendar_period(filters)
    today = today or timezone.localdate()
    last_finished = today.replace(day=1) - datetime.timedelta(days=1)
    if period.end <= last_finished:
        return period
    start = period.start if period.start <= last_finished else last_finished.replace(day=1)
    return dataclasses.replace(period, start=start, end=last_finished)


def _bounds(filters: Filters) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as [first midnight, midnight after the last day) in local time."""
    return _midnight(filters.start), _midnight(filters.end + datetime.timedelta(days=1))


def fiches(reader: IndicatorReader, filters: Filters, convention: Convention | None = None) -> QuerySet:
    """The fiches the indicators count: submitted in the period, within the reader's scope."""
    start, end = _bounds(filters)
    qs = Alert.objects.filter(reader.alerts, submitted_at__gte=start, submitted_at__lt=end).exclude(
        status=Status.DRAFT
    )
    if convention is not None:
        qs = qs.filter(convention_id=convention.pk)
    lookups = {
        "landlord_id": filters.landlord_id,
        "routed_unit_id": filters.unit_id,
        "site__commune_id": filters.commune_id,
        "site_id": filters.site_id,
        "category": filters.category,
    }
    return qs.filter(territory_q(filters.territory), **{k: v for k, v in lookups.items() if v})


DURATION_ENDS = {"ack": "acknowledged_at", "feedback": "first_feedback_at"}


def percentile_aggregates() -> dict:
    return {
        f"{key}_{name}": Percentile(_duration(end), p)
        for key, end in DURATION_ENDS.items()
        for name, p in PERCENTILES.items()
    }


def percentile_hours(row: dict) -> dict:
    return {key: {name: _hours(row[f"{key}_{name}"]) for name in PERCENTILES} for key in DURATION_ENDS}


def percentiles_in_database(qs: QuerySet) -> dict:
    """{"ack": {"median": h, "p90": h}, "feedback": {...}} in one aggregate query (PostgreSQL)."""
    return percentile_hours(qs.aggregate(**percentile_aggregates()))


def percentiles_in_python(qs: QuerySet) -> dict:
    """The same figures from one values_list: the fallback for SQLite, which has no percentile_cont."""
    # Unordered: the values are sorted anyway, and the default order would read the table.
    return _percentiles_of(qs.order_by().values_list("submitted_at", *DURATION_ENDS.values()))


def grouped_percentiles_in_python(qs: QuerySet, key: str) -> dict:
    """percentiles_in_python per value of `key` (a unit, a landlord), from one values_list."""
    groups = defaultdict(list)
    for group, *moments in qs.order_by().values_list(key, "submitted_at", *DURATION_ENDS.values()):
        groups[group].append(moments)
    return {group: _percentiles_of(rows) for group, rows in groups.items()}


def _percentiles_of(rows: Iterable) -> dict:
    durations = {key: [] for key in DURATION_ENDS}
    for submitted, *ends in rows:
        for key, moment in zip(DURATION_ENDS, ends, strict=True):
            if moment is not None:
                durations[key].append((moment - submitted).total_seconds())
    return {
        key: {name: _hours(percentile(values, p)) for name, p in PERCENTILES.items()}
        for key, values in durations.items()
    }


def compute(
    reader: IndicatorReader, filters: Filters, convention: Convention | None = None, with_map: bool = False
) -> Indicators:
    # Every query below reads all the fiches of the period (tens of thousands for a large
    # convention): the counts per month and per category are filtered counts of the totals' query,
    # so that the fiches are read twice (totals, sites), not six times.
    # The counts name no column outside the covering index of (convention, submitted_at) (alerts
    # migration 0005), so that a convention's fiches are read from the index alone: COUNT(*), and
    # for the filtered counts `submitted_at`, never null in the period (Count("*") takes no filter).
    if reader.aggregated_only:
        filters = published_period(filters)
    qs = fiches(reader, filters, convention)
    postgresql = connection.vendor == "postgresql"
    months = _months(filters)
    counted = "submitted_at"
    totals = qs.aggregate(
        total=Count("*"),
        within_policy=Count(counted, filter=ACK_WITHIN_POLICY),
        with_policy=Count(counted, filter=ACK_WITH_POLICY),
        staff_aggressions=Count(counted, filter=Q(staff_victim=True)),
        complaints_filed=Count(counted, filter=Q(complaint="filed")),
        **{
            f"month_{i}": Count(
                counted, filter=Q(submitted_at__gte=_midnight(first), submitted_at__lt=_midnight(after))
            )
            for i, (first, after) in enumerate(months)
        },
        **{f"category_{code}": Count(counted, filter=Q(category=code)) for code in Category.values},
        **(percentile_aggregates() if postgresql else {}),
    )
    durations = percentile_hours(totals) if postgresql else percentiles_in_python(qs)
    per_category = sorted(
        (
            (code, str(label), totals[f"category_{code}"])
            for code, label in Category.choices
            if totals[f"category_{code}"]
        ),
        key=lambda row: (-row[2], row[0]),
    )
    # Grouped by site id alone: joining the sites before grouping costs the planner a nested loop
    # per fiche. Their names and communes are read afterwards, for the few sites that need them.
    per_site = dict(qs.values("site_id").annotate(n=Count("*")).order_by().values_list("site_id", "n"))
    redirections = AlertEvent.objects.filter(kind=EventKind.REDIRECT, alert__in=qs.values("id")).count()
    problems_identified, problems_resolved = _problems(reader, filters, convention)
    return Indicators(
        total=totals["total"],
        within_policy=totals["within_policy"],
        with_policy=totals["with_policy"],
        staff_aggressions=totals["staff_aggressions"],
        complaints_filed=totals["complaints_filed"],
        per_month=[(first, totals[f"month_{i}"]) for i, (first, _after) in enumerate(months)],
        per_category=per_category,
        ack_hours=durations["ack"],
        feedback_hours=durations["feedback"],
        redirections=redirections,
        hotspots=_hotspots(per_site),
        problems_identified=problems_identified,
        problems_resolved=problems_resolved,
        communes=commune_rates(
            per_site,
            convention.department_id if convention else reader.department_id,
            reader.communes,
            filters.territory,
        )
        if with_map
        else [],
        start=filters.start,
        end=filters.end,
    )


def _hotspots(per_site: dict[int, int]) -> list[dict]:
    """The sites with the most fiches (at least HOTSPOT_MIN_FICHES), by count then name."""
    ranked = heapq.nlargest(HOTSPOT_LIMIT, per_site.values())
    # The names of the best-ranked sites (with those tied with the last one) are read even when none
    # reaches the minimum: one query as soon as there is a fiche, so the query count is constant.
    cutoff = ranked[-1] if ranked else 0
    sites = (
        HousingSite.objects.filter(id__in=[site_id for site_id, n in per_site.items() if n >= cutoff])
        .order_by("name")
        .values_list("id", "name", "commune__name")
    )
    # The database orders the names (its collation); the stable sort by count keeps that order.
    rows = sorted(
        (
            {"site_id": site_id, "site__name": name, "site__commune__name": commune, "n": per_site[site_id]}
            for site_id, name, commune in sites
            if per_site[site_id] >= HOTSPOT_MIN_FICHES
        ),
        key=lambda row: -row["n"],
    )
    return rows[:HOTSPOT_LIMIT]


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _months(filters: Filters) -> list[tuple[datetime.date, datetime.date]]:
    """(first day, first day of the next month) of every month of the period: each is counted, 0
    included, so a chart's axis has no gaps."""
    months, day = [], filters.start.replace(day=1)
    while day <= filters.end:
        months.append((day, _next_month(day)))
        day = months[-1][1]
    return months


def _problems(reader: IndicatorReader, filters: Filters, convention: Convention | None) -> tuple[int, int]:
    """Problems identified (opened) and resolved in the period, in the reader's scope: the same
    whole calendar periods as the fiches' figures (compute() widens them for aggregate readers)."""
    start, end = _bounds(filters)
    qs = PartnershipProblem.objects.filter(reader.problems)
    if convention is not None:
        qs = qs.filter(department_id=convention.department_id).filter(_convention_problems_q(convention))
    lookups = {
        "site__landlord_id": filters.landlord_id,
        "commune_id": filters.commune_id,
        "site_id": filters.site_id,
    }
    qs = qs.filter(territory_q(filters.territory), **{k: v for k, v in lookups.items() if v})
    if filters.unit_id:
        qs = qs.filter(_unit_problems_q(filters.unit_id))
    row = qs.aggregate(
        identified=Count("id", filter=Q(opened_at__gte=start, opened_at__lt=end)),
        resolved=Count(
            "id", filter=Q(status=ProblemStatus.RESOLVED, resolved_at__gte=start, resolved_at__lt=end)
        ),
    )
    return row["identified"], row["resolved"]


def _unit_problems_q(unit_id: int) -> Q:
    """A unit's problems, as the unit filter narrows the fiches to those routed to it: the problems
    it opened, those naming it a partner, and those linking one of its fiches."""
    partnered = PartnershipProblem.partners.through.objects.filter(organisation_id=unit_id)
    linked = PartnershipProblem.alerts.through.objects.filter(alert__routed_unit_id=unit_id)
    return (
        Q(opened_by_id=unit_id)
        | Q(pk__in=partnered.values("partnershipproblem_id"))
        | Q(pk__in=linked.values("partnershipproblem_id"))
    )


def _convention_problems_q(convention: Convention) -> Q:
    """A convention's problems: those linking one of its fiches, or on an estate of its perimeter
    (every estate of its signatory landlords, unless it lists its estates)."""
    linked = PartnershipProblem.alerts.through.objects.filter(alert__convention_id=convention.pk)
    if convention.all_sites_of_signatories:
        perimeter = Q(site__landlord_id__in=convention.signatories.values("organisation_id"))
    else:
        perimeter = Q(site_id__in=convention.sites.values("pk"))
    return Q(pk__in=linked.values("partnershipproblem_id")) | perimeter


def commune_rates(
    per_site: dict[int, int], department_id: str, only: tuple[int, ...] = (), territory: str = ""
) -> list[dict]:
    """Fiches per 1,000 social dwellings for each commune of the département (for the map), or
    only for the given communes (a partner mayor's); per_site: fiches per site id. With a
    territory, only the dwellings of its estates count, as only their fiches do."""
    counts, dwellings = Counter(), Counter()
    sites = HousingSite.objects.filter(
        territory_q(territory, ""), commune__department_id=department_id
    ).values_list("id", "commune_id", "dwellings")
    for site_id, commune_id, site_dwellings in sites:
        counts[commune_id] += per_site.get(site_id, 0)
        dwellings[commune_id] += site_dwellings or 0
    rows = []
    communes = Commune.objects.filter(department_id=department_id)
    if only:
        communes = communes.filter(id__in=only)
    for commune in communes.only("id", "name", "insee_code", "outline"):
        n, d = counts.get(commune.id, 0), dwellings.get(commune.id) or 0
        rows.append(
            {
                "id": commune.id,
                "name": commune.name,
                "insee_code": commune.insee_code,
                "outline": commune.outline,
                "fiches": n,
                "dwellings": d,
                "rate": round(1000 * n / d, 1) if d else None,
            }
        )
    return rows
