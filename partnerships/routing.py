"""Which force unit is competent for a commune: the lowest-level unit currently assigned to it."""

from .models import Commune, Organisation


def competent_unit(commune: Commune | int) -> Organisation | None:
    commune_id = commune.pk if isinstance(commune, Commune) else commune
    return (
        Organisation.objects.filter(territory__commune_id=commune_id, territory__valid_until__isnull=True)
        .select_related("parent")
        .first()
    )
