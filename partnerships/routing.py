"""Which force unit is competent for a commune: the lowest-level unit currently assigned to it."""

from .models import Commune, Organisation


def competent_unit(commune: Commune | int) -> Organisation | None:
    commune_id = commune.pk if isinstance(commune, Commune) else commune
    # At most one current assignment per commune (constraint one_current_unit_per_commune): no
    # ordering needed, and Organisation's default one would join the département for nothing.
    return (
        Organisation.objects.filter(territory__commune_id=commune_id, territory__valid_until__isnull=True)
        .order_by()
        .first()
    )
