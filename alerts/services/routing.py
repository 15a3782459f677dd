"""Fiches follow their commune when the force territories change (a territories import): the import
sends `partnerships.importers.territories.territories_moved` and AlertsConfig connects it here, so
the core never imports the fiches."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from partnerships.models import User

from ..models import Alert
from ..models.choices import OPEN_STATUSES
from ..permissions import alert_policy
from .triage import move_to_unit


@transaction.atomic
def alerts_reroute_for_communes(*, actor: User | None, moves, confirmed: bool) -> tuple[list[str], bool]:
    """Open fiches routed to a commune's former unit go to its new unit, through the redirect's own
    work (grants move, deadlines restart, the unit is told, the timeline says why), whatever the
    département, for an actor allowed to route them. Returns one line per fiche and whether a
    confirmation is still needed (then nothing is moved)."""
    by_commune = {move.commune_id: move for move in moves}
    alerts = [
        alert
        for alert in Alert.objects.filter(status__in=OPEN_STATUSES, site__commune_id__in=by_commune)
        .select_related("site__commune", "routed_unit")
        .order_by("reference")
        if alert.routed_unit_id == by_commune[alert.site.commune_id].old_unit.pk
    ]
    lines = [
        _("Fiche %(ref)s (%(commune)s) : %(old)s → %(new)s")
        % {
            "ref": alert.reference,
            "commune": alert.site.commune.name,
            "old": by_commune[alert.site.commune_id].old_unit.name,
            "new": by_commune[alert.site.commune_id].new_unit.name,
        }
        for alert in alerts
    ]
    if not alerts or not confirmed:
        return lines, bool(alerts)
    if actor is None:
        raise ValueError("Re-routing fiches needs an actor: the timeline names who did it")
    allowed = set(
        alert_policy.instances(actor, "route")
        .filter(pk__in=[a.pk for a in alerts])
        .values_list("pk", flat=True)
    )
    if len(allowed) != len(alerts):
        raise PermissionDenied(_("Vous ne pouvez pas réorienter les fiches d'un autre département."))
    for alert in alerts:
        move = by_commune[alert.site.commune_id]
        reason = _(
            "Compétences territoriales mises à jour : la commune %(commune)s relève désormais de "
            "« %(new)s » (auparavant « %(old)s »)."
        ) % {"commune": alert.site.commune.name, "new": move.new_unit.name, "old": move.old_unit.name}
        move_to_unit(actor=actor, alert=alert, unit=move.new_unit, reason=reason)
    return lines, False


def on_territories_moved(sender, *, moves, actor, confirmed, summary, **kwargs) -> None:
    """Receiver of territories_moved: the import's summary lists the fiches and waits for a confirmation."""
    lines, needs_confirmation = alerts_reroute_for_communes(actor=actor, moves=moves, confirmed=confirmed)
    summary.pending.extend(lines)
    summary.confirmation_needed = summary.confirmation_needed or needs_confirmation
