"""Filing a fiche: draft, submission (reference, routing, convention, deadlines, grants, notice to
the unit) and the one-step `alert_file` used by the form and the API."""

import datetime
import hashlib
import json
import uuid

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.translation import gettext as _

from conventions.delays import deadlines
from conventions.selectors import convention_in_force
from partnerships.errors import NOT_A_CHOICE, ApplicationError
from partnerships.models import HousingSite, User
from partnerships.reference_cache import read_once
from partnerships.routing import competent_unit, unrouted_reason
from partnerships.services.permissions import grant_rows

from .. import following
from ..bulk import compiled_insert
from ..models import SUBCATEGORIES, Alert, AlertEvent, EventKind, ReferenceCounter, Status, alert_field_names
from .attachments import alert_add_attachment
from .common import ALERT_PERMS, authorise, record_event, save_changes, transition_event

# What a landlord fills in (the facts, where they happened, whether the force may see the reporter's
# name); everything else is set by the services.
DRAFT_FIELDS = ("building", *alert_field_names("category", "recurring"), "reporter_visible")


def body_hash(body) -> str:
    """SHA-256 of a request body in canonical JSON (sorted keys, no spaces): the same fiche sent
    twice hashes the same whatever the client's key order or spacing."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def replayed(alert: Alert, request_hash: str) -> tuple[Alert, bool]:
    """The answer to a key already used: its fiche, unless the first request's body differs (the
    IETF Idempotency-Key draft's 422: a reused key must not hide a different fiche)."""
    if request_hash and alert.idempotency_body_hash and request_hash != alert.idempotency_body_hash:
        raise ApplicationError(
            _(
                "Cette clé d'idempotence a déjà servi pour une autre fiche (%(reference)s) avec un contenu "
                "différent : choisissez une nouvelle clé pour déposer une nouvelle fiche."
            )
            % {"reference": alert.reference},
            code="idempotency_key_reused",
            status=422,
        )
    return alert, False


def parse_key(idempotency_key) -> uuid.UUID | None:
    """The client's idempotency key as a UUID (None when absent)."""
    if not idempotency_key:
        return None
    try:
        return uuid.UUID(str(idempotency_key))
    except ValueError:
        raise ApplicationError(_("La clé d'idempotence doit être un UUID."), code="invalid") from None


# A typo guard (year 0026 for 2026): no fiche is about facts older than this. Such dates would not
# even serialise as RFC 3339 in Europe/Paris, whose offset had seconds before 1911.
EARLIEST_FACTS = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def facts_at_error(facts_at: datetime.datetime | None) -> str | None:
    """Why a date of facts cannot be right, or None: the form shows it on the field, the services
    refuse it (so the API does too)."""
    if facts_at is None:
        return None
    if facts_at > timezone.now() + datetime.timedelta(minutes=5):
        return _("La date des faits ne peut pas être dans le futur.")
    if facts_at < EARLIEST_FACTS:
        return _("La date des faits est trop ancienne : vérifiez l'année.")
    return None


def clean_data(site: HousingSite, data: dict) -> dict:
    """Refuse fields a landlord may not set, a building of another estate, a mismatched sub-category,
    an impossible date of facts."""
    unknown = set(data) - set(DRAFT_FIELDS)
    if unknown:
        raise ApplicationError(
            _("Champs non reconnus : %(fields)s") % {"fields": ", ".join(sorted(unknown))}, code="invalid"
        )
    building = data.get("building")
    if building is not None and building.site_id != site.pk:
        raise ApplicationError(NOT_A_CHOICE, code="invalid")
    category, sub = data.get("category"), data.get("subcategory")
    if sub and sub not in SUBCATEGORIES.get(category, []):
        raise ApplicationError(
            _("Cette sous-catégorie ne correspond pas à la catégorie choisie."), code="invalid"
        )
    error = facts_at_error(data.get("facts_at"))
    if error:
        raise ApplicationError(error, code="invalid_facts_at")
    return data


def require_site_landlord(actor: User, site: HousingSite) -> None:
    """Only the estate's landlord files fiches about it."""
    if (
        not actor.is_authenticated
        or actor.organisation_id is None
        or actor.organisation_id != site.landlord_id
    ):
        raise PermissionDenied(_("Seul le bailleur du site peut déposer une fiche alerte."))


@transaction.atomic
def alert_create_draft(*, actor: User, site: HousingSite, data: dict, idempotency_key=None) -> Alert:
    """Save a draft fiche for one of the actor's organisation's estates. With an idempotency key, a
    repeated call returns the fiche the first one created."""
    require_site_landlord(actor, site)
    key = parse_key(idempotency_key) or uuid.uuid4()
    return insert_draft(actor=actor, site=site, data=data, key=key) or Alert.objects.get(
        reporter=actor, idempotency_key=key
    )


def insert_unless_taken(alert: Alert) -> bool:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: False, and nothing written, when the reporter's
    idempotency key is taken (by an earlier call, or a concurrent request whose INSERT this one waited
    for). One statement where a lookup, a savepoint, the INSERT and its release took four; its SQL is
    compiled once per process (compiled_insert)."""
    rows = compiled_insert([alert], on_conflict=OnConflict.IGNORE)
    if rows is None:  # SQLite: Django writes it
        meta = Alert._meta
        fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
        rows = Alert._base_manager._insert(
            [alert], fields=fields, returning_fields=meta.db_returning_fields, on_conflict=OnConflict.IGNORE
        )
        if rows and rows[0] is not None:
            for value, field in zip(rows[0], meta.db_returning_fields, strict=True):
                setattr(alert, field.attname, value)
            alert._state.adding, alert._state.db = False, "default"
    return bool(rows) and rows[0] is not None


def insert_draft(
    *,
    actor: User,
    site: HousingSite,
    data: dict,
    key: uuid.UUID,
    request_hash: str = "",
    filed_at_once: bool = False,
    linked_to: Alert | None = None,
) -> Alert | None:
    """The INSERT of a new draft, or None when the reporter's key is taken: the caller reads that
    fiche (`filed_at_once`: the caller transmits it in the same transaction, whose timeline line
    writes the draft's with it and marks the same queues changed; the row is inserted as transmitted
    already, reference, unit, convention and deadlines included, so no UPDATE follows)."""
    alert = Alert(
        landlord=actor.organisation,  # the site's landlord (checked), already loaded with the actor
        site=site,
        department_id=site.commune.department_id,
        reporter=actor,
        idempotency_key=key,
        idempotency_body_hash=request_hash,
        linked_to=linked_to,
        **clean_data(site, data),
    )
    # Landlord, site, département, reporter, building, linked fiche, unit and convention are the
    # objects in hand (clean_data checked the building's estate): no existence query for them.
    alert.full_clean(
        exclude=["landlord", "site", "department", "reporter", "building", "linked_to"],
        validate_constraints=False,
    )
    if filed_at_once:
        # alert_submit's check ("submit": a draft, by its landlord) is what the caller checked: the
        # actor belongs to the estate's landlord, and the fiche is new.
        for name, value in submission(alert, timezone.now()).items():
            setattr(alert, name, value)
    if not insert_unless_taken(alert):
        if filed_at_once:
            release_reference(alert.department_id, alert.submitted_at)
        if not Alert.objects.filter(reporter=actor, idempotency_key=key).exists():
            alert.save()  # ignored for another reason than the key (SQLite's OR IGNORE): raise it
        return None
    record_event(alert, actor, EventKind.TRANSITION, to_status=Status.DRAFT, defer=filed_at_once)
    return alert


@transaction.atomic
def alert_update_draft(*, actor: User, alert: Alert, data: dict) -> Alert:
    """Change the facts of a draft (landlord side only)."""
    authorise(actor, "update_draft", alert)
    changes = clean_data(alert.site, data)
    changes = {name: value for name, value in changes.items() if getattr(alert, name) != value}
    if changes:
        save_changes(alert, **changes)
        record_event(
            alert,
            actor,
            EventKind.COMMENT,
            message=_("Brouillon modifié."),
            internal=True,
            data={"fields": sorted(changes)},
        )
    return alert


def next_reference(department_id: str, when: datetime.datetime) -> str:
    """FA-<dept>-<year>-<6 digits>. The counter row is locked until the caller commits, so two
    concurrent submissions never get the same number (a rolled-back one leaves a gap)."""
    year = timezone.localdate(when).year
    if connection.vendor == "postgresql":
        # One atomic statement creates or increments the row and keeps it locked.
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO alerts_referencecounter (department_id, year, last_value) VALUES (%s, %s, 1) "
                "ON CONFLICT (department_id, year) "
                "DO UPDATE SET last_value = alerts_referencecounter.last_value + 1 RETURNING last_value",
                [department_id, year],
            )
            value = cursor.fetchone()[0]
    else:
        ReferenceCounter.objects.get_or_create(department_id=department_id, year=year)
        counter = ReferenceCounter.objects.select_for_update().get(department_id=department_id, year=year)
        counter.last_value += 1
        counter.save(update_fields=["last_value"])
        value = counter.last_value
    return f"FA-{department_id}-{year}-{value:06d}"


def release_reference(department_id: str, when: datetime.datetime) -> None:
    """Give back the number next_reference just took (a fiche inserted with it found its key taken):
    the counter row is still locked by this transaction, so nobody took a later one."""
    ReferenceCounter.objects.filter(department_id=department_id, year=timezone.localdate(when).year).update(
        last_value=F("last_value") - 1
    )


def announce_routing(event: AlertEvent, *, kind: str, message: str, reason: str = "") -> None:
    """Tell the followers a fiche reached a unit — or, when no unit is competent, that it waits for the
    prefecture's manual routing, and why (the prefecture's staff then follow it)."""
    alert = event.alert
    if not alert.routed_unit_id:
        message = _("%(message)s — %(reason)s : routage manuel nécessaire") % {
            "message": message,
            "reason": reason or _("aucune unité compétente"),
        }
    following.notify_followers(
        event=event,
        kind=kind,
        message=message,
        body=_("Site : %(site)s (%(commune)s)\nCatégorie : %(category)s — urgence %(urgency)s")
        % {
            "site": alert.site.name,
            "commune": alert.site.commune.name,
            "category": alert.get_category_display(),
            "urgency": alert.get_urgency_display(),
        },
    )


@read_once()  # the unit, the convention, the delays, the webhook endpoints: one version read
@transaction.atomic
def alert_submit(*, actor: User, alert: Alert) -> Alert:
    """Transmit a draft: reference, competent unit (None: prefecture queue), convention in force,
    response deadlines, guardian grants to the landlord and the unit, notice to the unit."""
    return submit_draft(actor=actor, alert=alert)


def submission(alert: Alert, now: datetime.datetime) -> dict:
    """What transmitting a draft sets: status, reference, competent unit (None: prefecture queue),
    convention in force, response deadlines."""
    convention = convention_in_force(alert, timezone.localdate(now))
    ack_due, feedback_due = deadlines(convention, alert.department_id, alert.urgency, now)
    return {
        "status": Status.SUBMITTED,
        "reference": next_reference(alert.department_id, now),
        "submitted_at": now,
        "routed_unit": competent_unit(alert.site.commune_id, alert.site.force),
        "convention": convention,
        "ack_due_at": ack_due,
        "feedback_due_at": feedback_due,
    }


def submit_draft(*, actor: User, alert: Alert) -> Alert:
    """alert_submit's work, for a caller already in its own transaction (no savepoint round trips)."""
    authorise(actor, "submit", alert)
    save_changes(alert, **submission(alert, timezone.now()))
    return announce_submission(actor=actor, alert=alert)


def announce_submission(*, actor: User, alert: Alert) -> Alert:
    """The rest of a transmission, once the row holds it: grants, timeline line, notice to the unit
    (or to the prefecture, with the reason no unit is competent)."""
    unit = alert.routed_unit
    reason = "" if unit else unrouted_reason(alert.site.commune_id, alert.site.force)
    # The landlord's and the unit's grants, written with the timeline lines and audit entries.
    grants = grant_rows(
        organisation=[alert.landlord, *([unit] if unit else [])], perms=ALERT_PERMS, obj=alert
    )
    event = transition_event(
        alert,
        actor,
        Status.DRAFT,
        message=reason,
        data={"routed_unit": unit.pk if unit else None},
        grants=grants,
    )
    announce_routing(
        event,
        kind="alert_new",
        message=_("Nouvelle fiche alerte %(reference)s") % {"reference": alert.reference},
        reason=reason,
    )
    return alert


def alert_file(
    *,
    actor: User,
    site: HousingSite,
    data: dict,
    idempotency_key=None,
    attachments=(),
    link_to: Alert | None = None,
) -> Alert:
    """Create and submit a fiche in one go (form and API). Idempotent on (reporter, key): a resent
    form returns the fiche already filed, never a second one. `link_to` ties it to a recent fiche
    of the same estate (the duplicate hint)."""
    alert, _filed = alert_file_or_replay(
        actor=actor,
        site=site,
        data=data,
        idempotency_key=idempotency_key,
        attachments=attachments,
        link_to=link_to,
    )
    return alert


@read_once()  # the unit, the convention, the delays, the webhook endpoints: one version read
@transaction.atomic
def alert_file_or_replay(
    *,
    actor: User,
    site: HousingSite,
    data: dict,
    idempotency_key=None,
    attachments=(),
    link_to: Alert | None = None,
    request_hash: str = "",
) -> tuple[Alert, bool]:
    """alert_file, and whether this call transmitted the fiche (False: the key's fiche had been
    transmitted by an earlier call, returned as it is). The API answers 201 or 200 from it, and
    passes `request_hash` (body_hash of its body): the key replayed with another body is refused."""
    key = parse_key(idempotency_key)
    if link_to is not None and (link_to.site_id != site.pk or link_to.status == Status.DRAFT):
        raise ApplicationError(
            _("Une fiche ne peut être rattachée qu'à une fiche transmise du même site."),
            code="invalid_link",
        )
    alert = None
    if actor.is_authenticated and actor.organisation_id == site.landlord_id and not attachments:
        # The INSERT tries the key first: a fresh key (the usual case) costs no lookup. Without
        # attachments (added to a draft, before its transmission), the row is inserted transmitted.
        alert = insert_draft(
            actor=actor,
            site=site,
            data=data,
            key=key or uuid.uuid4(),
            request_hash=request_hash,
            filed_at_once=True,
            linked_to=link_to,
        )
        if alert is not None:
            if link_to is not None:
                record_link(alert, actor, link_to)
            return announce_submission(actor=actor, alert=alert), True
    elif actor.is_authenticated and actor.organisation_id == site.landlord_id:
        alert = insert_draft(
            actor=actor, site=site, data=data, key=key or uuid.uuid4(), request_hash=request_hash
        )
    if alert is None:
        existing = Alert.objects.filter(reporter=actor, idempotency_key=key).first() if key else None
        if existing is None:
            require_site_landlord(actor, site)
            raise IntegrityError("the idempotency key was taken, then its fiche vanished")
        if existing.status != Status.DRAFT:
            # Filed by an earlier call, or by a concurrent request this one's INSERT waited for.
            return replayed(existing, request_hash)
        # The draft saved earlier from the same form: file it with what the user sent now.
        alert = alert_update_draft(actor=actor, alert=existing, data=data)
    if link_to is not None:
        save_changes(alert, linked_to=link_to)
        record_link(alert, actor, link_to)
    for uploaded in attachments:
        alert_add_attachment(actor=actor, alert=alert, uploaded_file=uploaded)
    return submit_draft(actor=actor, alert=alert), True


def record_link(alert: Alert, actor: User, link_to: Alert) -> None:
    """The timeline line of a fiche tied to an earlier one of its estate (the duplicate hint)."""
    record_event(
        alert,
        actor,
        EventKind.LINK,
        message=_("Rattachée à la fiche %(reference)s.") % {"reference": link_to.reference},
        data={"linked_to": link_to.pk},
        defer=True,
    )


def similar_recent_alerts(*, site: HousingSite, category: str, since_hours: int = 48) -> QuerySet[Alert]:
    """Submitted fiches of the same estate and category in the last hours: the duplicate hint."""
    since = timezone.now() - datetime.timedelta(hours=since_hours)
    return (
        Alert.objects.filter(site=site, category=category, submitted_at__gte=since)
        .exclude(status=Status.DRAFT)
        .select_related("site")
        .order_by("-submitted_at")
    )
