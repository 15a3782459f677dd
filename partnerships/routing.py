"""Which force unit is competent for an estate: the lowest-level unit currently assigned to its
commune. A commune split between the police and the gendarmerie has one unit per force: the estate's
own assignment (`HousingSite.force`) picks one, and until it is set nobody is competent."""

from django.utils.translation import gettext_lazy as _

from .models import Commune, Organisation
from .reference_cache import cached

SPLIT_COMMUNE_REASON = _("commune partagée entre police et gendarmerie")


def current_units(commune: Commune | int) -> list[Organisation]:
    commune_id = commune.pk if isinstance(commune, Commune) else commune
    # At most one current assignment per commune and force (constraint
    # one_current_unit_per_commune_and_force): Organisation's default ordering would join the
    # département for nothing.
    # Read on every filing: kept per process until a unit or a territory changes.
    return cached(
        ("current_units", commune_id),
        lambda: list(
            Organisation.objects.filter(
                territory__commune_id=commune_id, territory__valid_until__isnull=True
            ).order_by()[:2]
        ),
    )


def competent_unit(commune: Commune | int, force: str = "") -> Organisation | None:
    """The unit competent in the commune; for a split commune, the one of `force` (None if unset)."""
    units = current_units(commune)
    if len(units) == 1:
        return units[0]
    return next((unit for unit in units if unit.kind == force), None)


def unrouted_reason(commune: Commune | int, force: str = "") -> str:
    """Why competent_unit() found nobody, in French, for the prefecture's routing queue."""
    units = current_units(commune)
    if len(units) > 1 and force not in {unit.kind for unit in units}:
        return str(SPLIT_COMMUNE_REASON)
    return ""
