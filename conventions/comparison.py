"""The prefecture's side-by-side table of the force units, and of the landlords, of a convention or
a département: volumes, median and p90 delays, shares answered within the delays.

Same fiches as the indicators (`indicators.fiches`: period, filters, reader's scope), same delay
figures: durations from submission, percentiles by percentile_cont on PostgreSQL and the same
interpolation in Python on SQLite (`indicators.grouped_percentiles_in_python`), shares against the
due dates each fiche was given when submitted (delays.py's one resolution rule). Two queries per
table on PostgreSQL (the grouped aggregates, the names), the same plus one values_list on SQLite."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from partnerships.models import Organisation

from . import disclosure, indicators
from .models import Convention
from .permissions import IndicatorReader

# Below this many fiches a median says little: the row is flagged « échantillon réduit ». Never
# below the publication threshold of small counts.
SMALL_SAMPLE = 10

FEEDBACK_WITHIN_POLICY = Q(first_feedback_at__lte=F("feedback_due_at"))
FEEDBACK_WITH_POLICY = Q(feedback_due_at__isnull=False)

# What a table compares: the fiches' foreign key, and the table's heading.
GROUPS = {
    "unit": ("routed_unit_id", _("Unités")),
    "landlord": ("landlord_id", _("Bailleurs")),
}


def small_sample() -> int:
    return max(SMALL_SAMPLE, disclosure.small_count_threshold())


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class ComparisonRow:
    organisation_id: int | None  # None: fiches waiting for manual routing (the units' table)
    name: str
    total: int
    ack_hours: dict
    feedback_hours: dict
    ack_within: int
    ack_with_policy: int
    feedback_within: int
    feedback_with_policy: int

    @property
    def small_sample(self) -> bool:
        return self.total < small_sample()

    @property
    def ack_share(self) -> float | None:
        return _share(self.ack_within, self.ack_with_policy)

    @property
    def feedback_share(self) -> float | None:
        return _share(self.feedback_within, self.feedback_with_policy)


def compare(
    reader: IndicatorReader, filters: indicators.Filters, convention: Convention | None = None
) -> dict[str, list[ComparisonRow]]:
    """{"unit": rows, "landlord": rows}, each by volume then name. Readers of aggregates only never
    get here (indicator_policy "compare"): every count is shown, small ones flagged, none masked."""
    qs = indicators.fiches(reader, filters, convention)
    return {by: _rows(qs, key) for by, (key, _heading) in GROUPS.items()}


def _rows(qs: QuerySet, key: str) -> list[ComparisonRow]:
    postgresql = connection.vendor == "postgresql"
    counted = "submitted_at"  # never null in the period: Count("*") takes no filter
    groups = list(
        qs.order_by()
        .values(key)
        .annotate(
            total=Count("*"),
            ack_within=Count(counted, filter=indicators.ACK_WITHIN_POLICY),
            ack_with_policy=Count(counted, filter=indicators.ACK_WITH_POLICY),
            feedback_within=Count(counted, filter=FEEDBACK_WITHIN_POLICY),
            feedback_with_policy=Count(counted, filter=FEEDBACK_WITH_POLICY),
            **(indicators.percentile_aggregates() if postgresql else {}),
        )
    )
    if not groups:
        return []
    if postgresql:
        durations = {row[key]: indicators.percentile_hours(row) for row in groups}
    else:
        durations = indicators.grouped_percentiles_in_python(qs, key)
    # The names afterwards, for the few organisations counted: grouping by a joined name costs a
    # join per fiche.
    names = dict(
        Organisation.objects.filter(pk__in=[row[key] for row in groups]).order_by().values_list("pk", "name")
    )
    rows = [
        ComparisonRow(
            organisation_id=row[key],
            name=names.get(row[key]) or str(_("Sans unité (routage manuel)")),
            total=row["total"],
            ack_hours=durations[row[key]]["ack"],
            feedback_hours=durations[row[key]]["feedback"],
            ack_within=row["ack_within"],
            ack_with_policy=row["ack_with_policy"],
            feedback_within=row["feedback_within"],
            feedback_with_policy=row["feedback_with_policy"],
        )
        for row in groups
    ]
    return sorted(rows, key=lambda row: (-row.total, row.name))
