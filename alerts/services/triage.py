"""What happens to a fiche after submission: acknowledgement, action, feedback, closure, redirect,
return to the prefecture, manual routing, reopening, merging, comments. Each service is one
transaction, checks the transition table, bumps the version and writes a timeline event."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conventions.delays import deadlines
from partnerships.errors import ApplicationError
from partnerships.models import Organisation, User

from .. import following
from ..models import Alert, AlertEvent, AlertLink, EventKind, Outcome, ReturnReason, Status
from ..permissions import alert_policy
from .common import (
    authorise,
    force_unit_of,
    grant_unit,
    record_event,
    require_text,
    revoke_unit,
    save_changes,
    transition_event,
)
from .filing import announce_routing


def fresh_deadlines(alert: Alert) -> dict:
    """New response deadlines when a unit receives the fiche again (redirect, routing, reopening)."""
    ack_due, feedback_due = deadlines(alert.convention, alert.department_id, alert.urgency, timezone.now())
    changes = {"ack_due_at": ack_due, "ack_escalation_level": 0, "acknowledged_at": None}
    if alert.first_feedback_at is None:
        changes.update(feedback_due_at=feedback_due, feedback_escalation_level=0)
    return changes


@transaction.atomic
def alert_acknowledge(*, actor: User, alert: Alert) -> Alert:
    """The routed unit takes the fiche into account."""
    authorise(actor, "acknowledge", alert)
    previous = alert.status
    save_changes(alert, status=Status.ACKNOWLEDGED, acknowledged_at=timezone.now())
    following.notify_followers(
        event=transition_event(alert, actor, previous),
        kind="alert_acknowledged",
        message=_("Fiche %(reference)s prise en compte par %(unit)s")
        % {"reference": alert.reference, "unit": actor.organisation},
    )
    return alert


@transaction.atomic
def alert_start(*, actor: User, alert: Alert, message: str = "") -> Alert:
    """The unit engages an action; an optional message is sent to the landlord as feedback."""
    authorise(actor, "start", alert)
    previous, now = alert.status, timezone.now()
    changes = {"status": Status.IN_PROGRESS, "acknowledged_at": alert.acknowledged_at or now}
    message = (message or "").strip()
    if message and alert.first_feedback_at is None:
        changes["first_feedback_at"] = now
    save_changes(alert, **changes)
    event = transition_event(alert, actor, previous)
    if message:
        # One announcement for the step: the feedback it carries says more than "action engagée".
        following.notify_followers(
            event=record_event(alert, actor, EventKind.FEEDBACK, message=message),
            kind="alert_feedback",
            message=_("Retour sur la fiche %(reference)s") % {"reference": alert.reference},
            body=message,
        )
    else:
        following.notify_followers(
            event=event,
            kind="alert_started",
            message=_("Action engagée sur la fiche %(reference)s") % {"reference": alert.reference},
        )
    return alert


@transaction.atomic
def alert_feedback(*, actor: User, alert: Alert, message: str) -> Alert:
    """A feedback message from the unit to the landlord; the first one stops the feedback clock."""
    authorise(actor, "feedback", alert)
    message = require_text(message, _("Le message de retour est obligatoire."))
    save_changes(alert, first_feedback_at=alert.first_feedback_at or timezone.now())
    following.notify_followers(
        event=record_event(alert, actor, EventKind.FEEDBACK, message=message),
        kind="alert_feedback",
        message=_("Retour sur la fiche %(reference)s") % {"reference": alert.reference},
        body=message,
    )
    return alert


@transaction.atomic
def alert_close(*, actor: User, alert: Alert, outcome: str, comment: str = "") -> Alert:
    """Close with an outcome from the documented list (a merge closes through alert_merge)."""
    authorise(actor, "close", alert)
    if outcome not in Outcome.values or outcome == Outcome.MERGED:
        raise ApplicationError(_("Choisissez la suite donnée dans la liste."), code="invalid_outcome")
    if outcome == Outcome.OTHER:
        require_text(comment, _("Précisez la suite donnée lorsque vous choisissez « Autre »."))
    previous, now = alert.status, timezone.now()
    save_changes(
        alert,
        status=Status.CLOSED,
        closed_at=now,
        outcome=outcome,
        outcome_comment=comment.strip(),
        first_feedback_at=alert.first_feedback_at or now,
    )
    following.notify_followers(
        event=transition_event(alert, actor, previous, message=comment.strip(), data={"outcome": outcome}),
        kind="alert_closed",
        message=_("Fiche %(reference)s clôturée") % {"reference": alert.reference},
        body=(
            _("Suite donnée : %(outcome)s") % {"outcome": alert.get_outcome_display()} + f"\n{comment}"
        ).strip(),
    )
    return alert


@transaction.atomic
def alert_redirect(*, actor: User, alert: Alert, unit: Organisation, reason: str) -> Alert:
    """Send the fiche to another unit of the département: the grants move with it, the deadlines
    restart and the new unit is told."""
    authorise(actor, "redirect", alert)
    return move_to_unit(actor=actor, alert=alert, unit=unit, reason=reason)


def move_to_unit(*, actor: User, alert: Alert, unit: Organisation, reason: str) -> Alert:
    """alert_redirect's work once the actor is authorised (also by a territories import)."""
    reason = require_text(reason, _("Le motif de la réorientation est obligatoire."))
    unit = force_unit_of(alert, unit)
    previous_status, previous_unit = alert.status, alert.routed_unit
    save_changes(alert, status=Status.SUBMITTED, routed_unit=unit, **fresh_deadlines(alert))
    revoke_unit(alert, previous_unit)
    grant_unit(alert, unit)
    event = record_event(
        alert,
        actor,
        EventKind.REDIRECT,
        from_status=previous_status,
        to_status=alert.status,
        message=reason,
        data={"from_unit": previous_unit.pk if previous_unit else None, "to_unit": unit.pk},
    )
    # The new unit's members follow it from now on; the previous unit's no longer do.
    announce_routing(
        event,
        kind="alert_redirected",
        message=_("Fiche %(reference)s réorientée vers %(unit)s")
        % {"reference": alert.reference, "unit": unit},
    )
    return alert


@transaction.atomic
def alert_return_to_prefecture(*, actor: User, alert: Alert, reason: str, comment: str = "") -> Alert:
    """The unit hands the fiche back (out of area, out of remit, duplicate, other): it leaves the
    unit's scope and waits in the prefecture's routing queue."""
    authorise(actor, "return", alert)
    if reason not in ReturnReason.values:
        raise ApplicationError(_("Choisissez le motif du renvoi dans la liste."), code="invalid_reason")
    if reason == ReturnReason.OTHER:
        require_text(comment, _("Précisez le motif du renvoi lorsque vous choisissez « Autre »."))
    previous_status, previous_unit = alert.status, alert.routed_unit
    save_changes(alert, status=Status.RETURNED, routed_unit=None)
    revoke_unit(alert, previous_unit)
    # Without a unit the prefecture's staff follow the fiche: they are told, with the landlord.
    following.notify_followers(
        event=transition_event(
            alert,
            actor,
            previous_status,
            message=comment.strip(),
            data={"reason": reason, "from_unit": previous_unit.pk if previous_unit else None},
        ),
        kind="alert_returned",
        message=_("Fiche %(reference)s renvoyée à la préfecture (%(reason)s)")
        % {"reference": alert.reference, "reason": ReturnReason(reason).label},
    )
    return alert


@transaction.atomic
def alert_route_manually(*, actor: User, alert: Alert, unit: Organisation) -> Alert:
    """The prefecture routes a fiche of its queue (no competent unit, or returned) to a unit."""
    authorise(actor, "route", alert)
    unit = force_unit_of(alert, unit)
    previous = alert.status
    save_changes(alert, status=Status.SUBMITTED, routed_unit=unit, **fresh_deadlines(alert))
    grant_unit(alert, unit)
    event = record_event(
        alert,
        actor,
        EventKind.ROUTING,
        from_status=previous,
        to_status=alert.status,
        data={"to_unit": unit.pk},
    )
    announce_routing(
        event,
        kind="alert_routed",
        message=_("Fiche %(reference)s routée vers %(unit)s") % {"reference": alert.reference, "unit": unit},
    )
    return alert


@transaction.atomic
def alert_reopen(*, actor: User, alert: Alert, reason: str) -> Alert:
    """The landlord reopens a closed fiche within the reopening window; it goes back to the unit."""
    authorise(actor, "reopen", alert)
    reason = require_text(reason, _("Le motif de la réouverture est obligatoire."))
    save_changes(
        alert,
        status=Status.SUBMITTED,
        closed_at=None,
        outcome="",
        outcome_comment="",
        **fresh_deadlines(alert),
    )
    announce_routing(
        transition_event(alert, actor, Status.CLOSED, message=reason),
        kind="alert_reopened",
        message=_("Fiche %(reference)s rouverte par le bailleur") % {"reference": alert.reference},
    )
    return alert


@transaction.atomic
def alert_merge(*, actor: User, alert: Alert, into: Alert) -> Alert:
    """Close `alert` as a duplicate of `into` (both handled by the actor's unit, both of one landlord);
    the landlord is told."""
    authorise(actor, "merge", alert)
    if (
        into.pk == alert.pk
        or into.status not in (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS)
        or not alert_policy.has_permission(actor, "change", into)
    ):
        raise ApplicationError(
            _("La fiche à conserver doit être une autre fiche ouverte que vous traitez."),
            code="invalid_merge",
        )
    if into.landlord_id != alert.landlord_id:
        # Merging would close one landlord's fiche into another's it can never follow (404), and
        # tell each landlord the other's references: only fiches of one landlord are merged.
        raise ApplicationError(
            "Ces fiches concernent deux bailleurs différents : elles ne peuvent pas être fusionnées.",
            code="invalid_merge",
        )
    previous, now = alert.status, timezone.now()
    save_changes(
        alert,
        status=Status.CLOSED,
        closed_at=now,
        outcome=Outcome.MERGED,
        duplicate_of=into,
        outcome_comment=_("Doublon de la fiche %(reference)s") % {"reference": into.reference},
    )
    merged = record_event(
        alert,
        actor,
        EventKind.MERGE,
        from_status=previous,
        to_status=alert.status,
        message=_("Fusionnée dans la fiche %(reference)s.") % {"reference": into.reference},
        data={"into": into.pk},
    )
    record_event(
        into,
        actor,
        EventKind.MERGE,
        message=_("La fiche %(reference)s y a été fusionnée.") % {"reference": alert.reference},
        data={"merged": alert.pk},
    )
    following.notify_followers(
        event=merged,
        kind="alert_merged",
        message=_("Fiche %(reference)s fusionnée dans %(into)s")
        % {"reference": alert.reference, "into": into.reference},
        body=_("Le suivi se poursuit sur la fiche %(reference)s.") % {"reference": into.reference},
    )
    return alert


UNKNOWN_REFERENCE = gettext_lazy("Aucune fiche visible ne porte cette référence.")


@transaction.atomic
def alert_link(*, actor: User, alert: Alert, other: Alert) -> AlertLink:
    """Link two fiches about the same facts, typically of two landlords (which cannot be merged):
    both stay open. The actor handles both (the unit they are routed to, or the prefecture of their
    département). The timeline of each says that a link was made, never to which fiche: a landlord
    reads its own timeline, and the other landlord's reference is not its business."""
    authorise(actor, "link", alert)
    if other.pk == alert.pk or not alert_policy.can(actor, "link", other):
        # The same answer for a fiche the actor cannot see and one it sees but does not handle.
        raise ApplicationError(str(UNKNOWN_REFERENCE), code="invalid_link")
    pair = Q(from_alert=alert, to_alert=other) | Q(from_alert=other, to_alert=alert)
    if AlertLink.objects.filter(pair).exists():
        raise ApplicationError(_("Ces deux fiches sont déjà liées."), code="already_linked")
    link = AlertLink.objects.create(from_alert=alert, to_alert=other, created_by=actor)
    for fiche in (alert, other):
        record_event(
            fiche, actor, EventKind.LINK, message=_("Fiche liée à une autre fiche sur les mêmes faits.")
        )
    return link


@transaction.atomic
def alert_comment(*, actor: User, alert: Alert, message: str, internal: bool = False) -> AlertEvent:
    """Add a comment to the timeline, shared or internal to the actor's organisation. A comment
    does not change the fiche, so its version stays (no conflict with a concurrent transition)."""
    authorise(actor, "comment", alert)
    message = require_text(message, _("Le commentaire ne peut pas être vide."))
    event = record_event(alert, actor, EventKind.COMMENT, message=message, internal=internal)
    # An internal comment reaches only its own organisation's followers (record_event set internal_to).
    following.notify_followers(
        event=event,
        kind="alert_comment",
        message=_("Commentaire de %(author)s sur la fiche %(reference)s")
        % {"author": actor.organisation or actor, "reference": alert.reference},
        body=message,
    )
    return event


@transaction.atomic
def alert_bulk_acknowledge(*, actor: User, alerts: Iterable[Alert]) -> int:
    """Acknowledge every fiche of the selection the actor may acknowledge; returns how many."""
    count = 0
    for alert in alerts:
        if alert_policy.can(actor, "acknowledge", alert):
            alert_acknowledge(actor=actor, alert=alert)
            count += 1
    return count
