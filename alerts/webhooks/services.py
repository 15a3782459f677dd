"""Writes for webhook endpoints, by the organisation's administrator (one transaction each, audited)."""

import base64
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerships.audit import audit_record
from partnerships.errors import ApplicationError
from partnerships.models import AuditAction, Role, User
from partnerships.tokens.services import require_admin, service_account_create

from .. import outbox
from ..models import OutboxChannel, OutboxEmail, OutboxStatus, WebhookEndpoint, WebhookEvent
from .addresses import RefusedAddress, checked_target


def _audit(actor: User, endpoint: WebhookEndpoint, action: str, **detail) -> None:
    audit_record(
        request_or_actor=actor, action=action, obj=endpoint, detail={"webhook": endpoint.url, **detail}
    )


@transaction.atomic
def webhook_create(*, actor: User, url: str, events: list[str], description: str = "") -> WebhookEndpoint:
    """Register an endpoint; its payloads follow the sight of a new service account (a manager of the
    organisation). Its signing secret is generated here."""
    org = require_admin(actor)
    url = (url or "").strip()
    try:
        checked_target(url)
    except RefusedAddress as refused:
        raise ApplicationError(str(refused), code="invalid_url") from None
    events = [e for e in WebhookEvent.values if e in set(events or [])]
    if not events:
        raise ApplicationError(_("Choisissez au moins un événement."), code="required")
    account = service_account_create(organisation=org, role=Role.MANAGER, label=_("Webhook %s") % url[:100])
    endpoint = WebhookEndpoint.objects.create(
        organisation=org,
        account=account,
        url=url,
        description=(description or "").strip()[:100],
        events=events,
        secret="whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
        created_by=actor,
    )
    _audit(actor, endpoint, AuditAction.CREATE, events=events)
    return endpoint


@transaction.atomic
def webhook_set_paused(*, actor: User, endpoint: WebhookEndpoint, paused: bool) -> WebhookEndpoint:
    """Pause an endpoint by hand, or resume it (a fresh failure clock)."""
    require_admin(actor, endpoint.organisation)
    endpoint.paused_at = timezone.now() if paused else None
    endpoint.failing_since = None
    endpoint.save(update_fields=["paused_at", "failing_since"])
    _audit(actor, endpoint, AuditAction.CHANGE, paused=paused)
    return endpoint


@transaction.atomic
def webhook_resend(*, actor: User, delivery: OutboxEmail) -> OutboxEmail:
    """« Renvoyer »: the same message again, with the same webhook-id (a receiver that had it already
    ignores it)."""
    endpoint = delivery.endpoint
    require_admin(actor, endpoint.organisation)
    if delivery.channel != OutboxChannel.WEBHOOK:
        raise ApplicationError(_("Ce message n'est pas un appel de webhook."), code="invalid")
    if endpoint.paused_at is not None:
        raise ApplicationError(_("Réactivez d'abord le webhook."), code="paused")
    updated = OutboxEmail.objects.filter(
        pk=delivery.pk, status__in=[OutboxStatus.FAILED, OutboxStatus.SENT]
    ).update(status=OutboxStatus.PENDING, next_attempt_at=None, last_error="")
    if not updated:
        raise ApplicationError(_("Ce message est déjà en cours d'envoi."), code="busy")
    transaction.on_commit(lambda: outbox.publish(delivery.pk))
    _audit(actor, endpoint, AuditAction.CHANGE, resent=delivery.key)
    delivery.refresh_from_db()
    return delivery
