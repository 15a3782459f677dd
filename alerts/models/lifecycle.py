"""The state machine of a fiche alerte, as data: the services enforce it and the policy reads it to
decide which buttons a user sees. One table, so pages, API and tests agree on what is legal."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import OPEN_STATUSES, Status

# Sides, i.e. the policy action the actor must hold on the fiche.
LANDLORD = "file"  # the filing organisation
FORCE = "change"  # the unit the fiche is routed to (and the units above it)
PREFECTURE = "route"  # the prefecture of the département
VIEWER = "view"  # anyone who sees the fiche

WORKING = (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS)


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str | None  # None: the action keeps the status (feedback, comment, ...)
    sides: tuple[str, ...]
    label: str  # the verb of "Impossible de … une fiche", lazily translated


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition((Status.DRAFT,), Status.SUBMITTED, (LANDLORD,), gettext_lazy("transmettre")),
    "update_draft": Transition((Status.DRAFT,), None, (LANDLORD,), gettext_lazy("modifier le brouillon de")),
    "acknowledge": Transition(
        (Status.SUBMITTED,), Status.ACKNOWLEDGED, (FORCE,), gettext_lazy("prendre en compte")
    ),
    "start": Transition(
        (Status.SUBMITTED, Status.ACKNOWLEDGED),
        Status.IN_PROGRESS,
        (FORCE,),
        gettext_lazy("engager une action sur"),
    ),
    "feedback": Transition(WORKING, None, (FORCE,), gettext_lazy("faire un retour sur")),
    "close": Transition(WORKING, Status.CLOSED, (FORCE,), gettext_lazy("clôturer")),
    "merge": Transition(WORKING, Status.CLOSED, (FORCE,), gettext_lazy("fusionner")),
    "redirect": Transition(WORKING, Status.SUBMITTED, (FORCE, PREFECTURE), gettext_lazy("réorienter")),
    "return": Transition(WORKING, Status.RETURNED, (FORCE,), gettext_lazy("renvoyer à la préfecture")),
    "route": Transition(
        (Status.SUBMITTED, Status.RETURNED), Status.SUBMITTED, (PREFECTURE,), gettext_lazy("router")
    ),
    # Linking keeps both fiches as they are: the unit handling both, or their prefecture, links them.
    "link": Transition(OPEN_STATUSES, None, (FORCE, PREFECTURE), gettext_lazy("lier")),
    "reopen": Transition((Status.CLOSED,), Status.SUBMITTED, (LANDLORD,), gettext_lazy("rouvrir")),
    "comment": Transition((*OPEN_STATUSES, Status.CLOSED), None, (VIEWER,), gettext_lazy("commenter")),
    "attach": Transition(
        (Status.DRAFT, *OPEN_STATUSES),
        None,
        (LANDLORD, FORCE, PREFECTURE),
        gettext_lazy("joindre un fichier à"),
    ),
}


def reopen_deadline(alert) -> datetime.datetime | None:
    """Until when the landlord may reopen a closed fiche (settings.PASSERELLE_REOPEN_WINDOW_DAYS)."""
    if alert.closed_at is None:
        return None
    days = settings.PASSERELLE_REOPEN_WINDOW_DAYS
    return alert.closed_at + datetime.timedelta(days=days)


def precondition_error(name: str, alert) -> str | None:
    """French reason why the action is impossible in the fiche's current state (None: possible).
    Status-independent conditions live here too so that buttons and services agree."""
    transition = TRANSITIONS[name]
    if alert.status not in transition.sources:
        return _("Impossible de %(action)s une fiche au statut « %(status)s ».") % {
            "action": transition.label,
            "status": alert.get_status_display(),
        }
    if name == "route" and alert.routed_unit_id is not None and alert.status == Status.SUBMITTED:
        return _("Cette fiche est déjà routée vers une unité.")
    if (
        name in ("acknowledge", "start", "feedback", "close", "merge", "return")
        and alert.routed_unit_id is None
    ):
        return _("Cette fiche n'est encore routée vers aucune unité.")
    if name == "reopen" and timezone.now() > reopen_deadline(alert):
        days = settings.PASSERELLE_REOPEN_WINDOW_DAYS
        return _("Le délai de réouverture (%(days)s jours après la clôture) est dépassé.") % {"days": days}
    if name == "reopen" and alert.duplicate_of_id is not None:
        return _("Une fiche fusionnée dans une autre ne peut pas être rouverte.")
    return None
