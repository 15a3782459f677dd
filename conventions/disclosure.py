"""What a reader may see of the indicators: a partner mayor (an aggregate-only reader) never sees
a count below PASSERELLE_SMALL_COUNT_THRESHOLD, nor what would let one be recomputed (secondary
suppression), nor durations and shares computed from too few fiches, nor a site's name. The
figures themselves are computed in indicators.py, the same for every reader."""

from django.conf import settings

from .indicators import PERCENTILES, Indicators
from .permissions import IndicatorReader


def small_count_threshold() -> int:
    return settings.PASSERELLE_SMALL_COUNT_THRESHOLD


def shown(value: int, reader: IndicatorReader):
    """What a reader may see of a count: a partner mayor never sees a count below the threshold."""
    if reader.aggregated_only and value < small_count_threshold():
        return masked_label()
    return value


def suppressed(cells: list[int], total: int, reader: IndicatorReader) -> tuple[list, object]:
    """A breakdown (cells summing to `total`) as a reader may see it. Primary suppression masks
    each small cell; secondary suppression then makes sure no masked cell can be recomputed by
    subtraction: with a single masked cell, the smallest shown cell is masked too (or, when there
    is none, the total); and the masked cells together must not add up to a small number either
    (total minus the shown cells would give it), else the total is masked."""
    shown_cells = [shown(n, reader) for n in cells]
    shown_total = shown(total, reader)
    if not reader.aggregated_only:
        return shown_cells, shown_total
    masked = [i for i, value in enumerate(shown_cells) if not isinstance(value, int)]
    if len(masked) == 1:
        visible = [i for i, value in enumerate(shown_cells) if isinstance(value, int)]
        if visible:
            smallest = min(visible, key=lambda i: (cells[i], i))
            shown_cells[smallest] = masked_label()
            masked.append(smallest)
        else:
            shown_total = masked_label()
    if masked and sum(cells[i] for i in masked) < small_count_threshold():
        shown_total = masked_label()
    return shown_cells, shown_total


def masked_label() -> str:
    return f"< {small_count_threshold()}"


def present(result: Indicators, reader: IndicatorReader) -> dict:
    """The figures as a reader may see them: for a partner mayor, counts below the threshold are
    masked, and so is whatever would let a masked count be recomputed (`suppressed`), durations and
    shares computed from too few fiches are withheld, and no site is named."""
    few = reader.aggregated_only and result.total < small_count_threshold()
    hidden = {name: None for name in PERCENTILES}
    counts = (
        "staff_aggressions",
        "complaints_filed",
        "redirections",
        "problems_identified",
        "problems_resolved",
    )
    months, total_by_month = suppressed([n for _month, n in result.per_month], result.total, reader)
    categories, total_by_category = suppressed([n for *_code, n in result.per_category], result.total, reader)
    # The map's communes are a third breakdown of the same total (a mayor's fiches all lie in its
    # communes): masked by the same rule, and their rates with them (a rate gives its count away).
    per_commune, total_by_commune = suppressed([c["fiches"] for c in result.communes], result.total, reader)
    communes = [
        {**c, "fiches": n, "rate": c["rate"] if isinstance(n, int) else None}
        for c, n in zip(result.communes, per_commune, strict=True)
    ]
    # The total is shown only if no breakdown lets it reveal a masked cell.
    total = next(
        (t for t in (total_by_month, total_by_category, total_by_commune) if not isinstance(t, int)),
        total_by_month,
    )
    return {
        **{name: shown(getattr(result, name), reader) for name in counts},
        "total": total,
        "start": result.start,
        "end": result.end,
        "ack_hours": hidden if few else result.ack_hours,
        "feedback_hours": hidden if few else result.feedback_hours,
        "within_policy_share": None if few else result.within_policy_share,
        "per_month": [(month, n) for (month, _count), n in zip(result.per_month, months, strict=True)],
        # Masked categories go last, by name: their order by count would rank them.
        "per_category": sorted(
            [
                (code, label, n)
                for (code, label, _count), n in zip(result.per_category, categories, strict=True)
            ],
            key=lambda row: (0, -row[2], "") if isinstance(row[2], int) else (1, 0, row[1]),
        ),
        "hotspots": [] if reader.aggregated_only else result.hotspots,
        "communes": communes,
    }
