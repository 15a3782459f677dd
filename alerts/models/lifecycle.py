"""The state machine of a fiche alerte, as data: the services enforce it and the policy reads it to
decide which buttons a user sees. One table, so pages, API and tests agree on what is legal."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

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
    label: str


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition((Status.DRAFT,), Status.SUBMITTED, (LANDLORD,), "transmettre"),
    "update_draft": Transition((Status.DRAFT,), None, (LANDLORD,), "modifier le brouillon de"),
    "acknowledge": Transition((Status.SUBMITTED,), Status.ACKNOWLEDGED, (FORCE,), "prendre en compte"),
    "start": Transition(
        (Status.SUBMITTED, Status.ACKNOWLEDGED), Status.IN_PROGRESS, (FORCE,), "engager une action sur"
    ),
    "feedback": Transition(WORKING, None, (FORCE,), "faire un retour sur"),
    "close": Transition(WORKING, Status.CLOSED, (FORCE,), "clôturer"),
    "merge": Transition(WORKING, Status.CLOSED, (FORCE,), "fusionner"),
    "redirect": Transition(WORKING, Status.SUBMITTED, (FORCE, PREFECTURE), "réorienter"),
    "return": Transition(WORKING, Status.RETURNED, (FORCE,), "renvoyer à la préfecture"),
    "route": Transition((Status.SUBMITTED, Status.RETURNED), Status.SUBMITTED, (PREFECTURE,), "router"),
    # Linking keeps both fiches as they are: the unit handling both, or their prefecture, links them.
    "link": Transition(OPEN_STATUSES, None, (FORCE, PREFECTURE), "lier"),
    "reopen": Transition((Status.CLOSED,), Status.SUBMITTED, (LANDLORD,), "rouvrir"),
    "comment": Transition((*OPEN_STATUSES, Status.CLOSED), None, (VIEWER,), "commenter"),
    "attach": Transition(
        (Status.DRAFT, *OPEN_STATUSES), None, (LANDLORD, FORCE, PREFECTURE), "joindre un fichier à"
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
        return f"Impossible de {transition.label} une fiche au statut « {alert.get_status_display()} »."
    if name == "route" and alert.routed_unit_id is not None and alert.status == Status.SUBMITTED:
        return "Cette fiche est déjà routée vers une unité."
    if (
        name in ("acknowledge", "start", "feedback", "close", "merge", "return")
        and alert.routed_unit_id is None
    ):
        return "Cette fiche n'est encore routée vers aucune unité."
    if name == "reopen" and timezone.now() > reopen_deadline(alert):
        days = settings.PASSERELLE_REOPEN_WINDOW_DAYS
        return f"Le délai de réouverture ({days} jours après la clôture) est dépassé."
    if name == "reopen" and alert.duplicate_of_id is not None:
        return "Une fiche fusionnée dans une autre ne peut pas être rouverte."
    return None
