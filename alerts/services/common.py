"""Helpers shared by the alert services: authorisation against the transition table, the optimistic
lock, timeline events and the guardian grants that follow the fiche."""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import F
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerships.audit import audit_entry
from partnerships.errors import ApplicationError
from partnerships.inserts import Upsert
from partnerships.models import AuditAction, Organisation, User
from partnerships.services.permissions import grant, revoke

from ..bulk import insert_new_together
from ..models import Alert, AlertEvent, EventKind
from ..models.lifecycle import TRANSITIONS, precondition_error
from ..permissions import alert_policy
from ..queues import BUMP_UNIQUE, BUMP_UPDATE, alert_bump_keys, bump_rows
from ..validators import FREE_TEXT_MAX_LENGTH, free_text_error
from ..webhooks import events as webhooks

ALERT_PERMS = ("alerts.view_alert", "alerts.change_alert")


def authorise(actor: User, name: str, alert: Alert) -> None:
    """Refuse an illegal transition with a clear French message, and an actor of the wrong side."""
    error = precondition_error(name, alert)
    if error is not None:
        raise ApplicationError(error, code="illegal_transition", extra={"status": alert.status})
    if not alert_policy.can(actor, name, alert):
        raise PermissionDenied(
            _("Vous n'êtes pas autorisé à %(action)s cette fiche.") % {"action": TRANSITIONS[name].label}
        )


MAX_VERSION = 2**31 - 1


def as_seen(alert: Alert, version: str | None) -> Alert:
    """`alert` at the version its client read (a page's hidden field, an API If-Match header), so
    that save_changes refuses a change if someone changed the fiche since. No version (or `*`, "any")
    leaves the fiche as read now; a version that is not a number is refused, never ignored (the
    client asked for a check we cannot make); a number past any real version is stale, not a
    database overflow."""
    seen = (version or "").strip()
    if seen.startswith("W/"):
        seen = seen[2:]
    seen = seen.strip('"')
    if seen in ("", "*"):
        return alert
    if not (seen.isascii() and seen.isdigit()):
        raise ApplicationError(
            "Version de la fiche illisible (en-tête If-Match) : donnez le numéro de version lu, "
            "ou rechargez la page et recommencez.",
            code="invalid_version",
        )
    alert.version = min(int(seen), MAX_VERSION)
    return alert


def save_changes(alert: Alert, **changes) -> Alert:
    """Validate and write `changes` if nobody changed the fiche since it was read (optimistic lock on
    `version`); bump the version. A concurrent change is refused, never silently overwritten."""
    if "routed_unit" in changes and alert.routed_unit_id is not None:
        # The unit the fiche leaves: its queue changes too (record_event bumps it with the others).
        alert.__dict__.setdefault("_queue_former_units", set()).add(alert.routed_unit_id)
    for name, value in changes.items():
        setattr(alert, name, value)
    # A related object passed as an instance was just read: its existence needs no query (the foreign
    # key constraint still guards the write).
    alert.clean_fields(
        exclude=[
            f.name
            for f in Alert._meta.concrete_fields
            if f.name not in changes or isinstance(changes[f.name], models.Model)
        ]
    )
    now = timezone.now()
    updated = Alert.objects.filter(pk=alert.pk, version=alert.version).update(
        **changes, version=F("version") + 1, updated_at=now
    )
    if updated != 1:
        raise ApplicationError(
            _(
                "Cette fiche a été modifiée entre-temps par quelqu'un d'autre. Rechargez la page et recommencez."
            ),
            code="conflict",
        )
    alert.version += 1
    alert.updated_at = now
    alert.__dict__.pop("_policy_cache", None)  # status or routing changed: buttons must be recomputed
    return alert


def record_event(
    alert: Alert,
    actor: User | None,
    kind: str,
    *,
    from_status: str = "",
    to_status: str = "",
    message: str = "",
    data: dict | None = None,
    internal: bool = False,
    bump_queues: bool = True,
    defer: bool = False,
    grants: list | None = None,
) -> AlertEvent:
    """One line of the fiche's timeline; `internal` restricts it to the actor's organisation. Every
    change of a fiche passes here, so here it is audited too (without the message: free text), and
    here every comment, feedback or reason meets the free-text cap, whichever interface sent it;
    the organisations' webhooks are told. `defer`: written with the fiche's next event in this
    transaction (filing: the draft's line with its transmission's); the caller must record that next
    event. The events, their audit entries and `grants` (unsaved guardian rows, permissions.grant_rows:
    a filing's) are written by one statement."""
    if len(message) > FREE_TEXT_MAX_LENGTH:
        raise ApplicationError(free_text_error(), code="too_long")
    organisation_id = actor.organisation_id if actor else None
    entry = audit_entry(
        request_or_actor=actor,
        action=AuditAction.CREATE if kind == EventKind.TRANSITION and not from_status else AuditAction.CHANGE,
        obj=alert,
        detail={"event": kind, "from_status": from_status, "to_status": to_status},
    )
    event = AlertEvent(
        alert=alert,
        kind=kind,
        author=actor,
        organisation_id=organisation_id,
        internal_to_id=organisation_id if internal else None,
        from_status=from_status,
        to_status=to_status,
        message=message,
        data=data or {},
    )
    pending = [*alert.__dict__.pop("_pending_history", []), (entry, event)]
    if defer:
        alert.__dict__["_pending_history"] = pending
        return event
    # Every change of a fiche passes here: its queues' versions move in the same transaction, in the
    # same statement as its timeline lines (unless the caller bumps them otherwise).
    insert_new_together(
        (grants or [], OnConflict.IGNORE),
        (bump_rows(alert_bump_keys(alert)) if bump_queues else [], Upsert(BUMP_UNIQUE, BUMP_UPDATE)),
        ([entry for entry, _event in pending], None),
        ([event for _entry, event in pending], None),
    )
    for _entry, written in pending:
        webhooks.emit(alert, written)
    return event


def transition_event(
    alert: Alert, actor: User, from_status: str, *, message: str = "", data=None, grants=None
) -> AlertEvent:
    """The timeline line of a status change, from `from_status` to the fiche's current status."""
    return record_event(
        alert,
        actor,
        EventKind.TRANSITION,
        from_status=from_status,
        to_status=alert.status,
        message=message,
        data=data,
        grants=grants,
    )


def grant_unit(alert: Alert, unit: Organisation | None) -> None:
    """Give the unit's group view/change on the fiche (no unit: prefecture queue, nothing to grant)."""
    if unit is not None:
        grant(organisation=unit, perms=ALERT_PERMS, obj=alert)


def revoke_unit(alert: Alert, unit: Organisation | None) -> None:
    """Take the fiche away from a unit that no longer handles it (redirect, return)."""
    if unit is not None:
        revoke(organisation=unit, perms=ALERT_PERMS, obj=alert)


def require_text(value: str, message: str) -> str:
    """The stripped text, or an ApplicationError with `message` when it is empty."""
    value = (value or "").strip()
    if not value:
        raise ApplicationError(message, code="required")
    return value


def force_unit_of(alert: Alert, unit: Organisation) -> Organisation:
    """A redirect or routing target must be a force unit of the fiche's département."""
    if unit is None or not unit.is_force or unit.department_id != alert.department_id:
        raise ApplicationError(
            _("Choisissez une unité de police ou de gendarmerie du département de la fiche."),
            code="invalid_unit",
        )
    if unit.pk == alert.routed_unit_id:
        raise ApplicationError(_("La fiche est déjà adressée à cette unité."), code="invalid_unit")
    return unit
