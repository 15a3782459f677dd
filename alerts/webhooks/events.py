"""The hook the alert services call for every timeline event (alerts.services.common.record_event):
the events webhooks carry become outbox rows, in the change's transaction."""

import copy
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q

from partnerships.models import User
from partnerships.reference_cache import cached, reference_changed

from .. import outbox
from ..models import Alert, AlertEvent, EventKind, Status, WebhookEndpoint, WebhookEvent
from ..permissions import alert_policy

TRANSITIONS = {
    Status.SUBMITTED: WebhookEvent.FILED,
    Status.ACKNOWLEDGED: WebhookEvent.ACKNOWLEDGED,
    Status.CLOSED: WebhookEvent.CLOSED,
    Status.RETURNED: WebhookEvent.RETURNED,
}


def webhook_event(event: AlertEvent) -> str | None:
    """The webhook event type of a timeline event, None for those webhooks do not carry."""
    if event.internal_to_id is not None:
        return None
    if event.kind == EventKind.FEEDBACK:
        return WebhookEvent.FEEDBACK
    if event.kind == EventKind.REDIRECT:
        return WebhookEvent.REDIRECTED
    if event.kind == EventKind.TRANSITION:
        if event.to_status == Status.SUBMITTED and event.from_status != Status.DRAFT:
            return None  # a manual routing or a reopening, not a filing
        return TRANSITIONS.get(event.to_status)
    return None


class ReaderRequest:
    """What the API serializers read of a request: the user, and absolute links."""

    def __init__(self, user: User):
        self.user = user

    def build_absolute_uri(self, path: str) -> str:
        return settings.SITE_URL + path


def payload(reader: User, alert: Alert, event: AlertEvent, kind: str) -> str | None:
    """The JSON body as the reader (an endpoint's service account) would get the fiche and the event
    from the API; None if the reader may not see the fiche."""
    from ..api.serializers import AlertDetailSerializer, EventSerializer  # they import the services
    from ..selectors import alert_get

    if not alert_policy.has_permission(reader, "view", alert):
        return None
    seen = alert_get(user=reader, pk=alert.pk)
    request = ReaderRequest(reader)
    document = {
        "type": kind,
        "timestamp": event.created_at,
        "data": {
            "alert": AlertDetailSerializer(seen, context={"request": request}).data,
            "event": EventSerializer(event, context={"request": request, "alert": seen}).data,
        },
    }
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False)


def active_endpoints(landlord_id: int, department_id: str) -> list[WebhookEndpoint]:
    """The endpoints not paused of the landlord and of the département's organisations, with their
    service accounts. Read on every filing and transition: kept per process with the reference data
    (partnerships/reference_cache.py), moved by any change of an endpoint or a service account
    (`endpoint_changed`). Each caller gets its own copies, account included (permission checks
    cache on the user object)."""
    endpoints = cached(
        ("webhook_endpoints", landlord_id, department_id),
        lambda: list(
            WebhookEndpoint.objects.filter(paused_at__isnull=True)
            .filter(Q(organisation_id=landlord_id) | Q(organisation__department_id=department_id))
            .select_related("account__organisation")
        ),
    )
    for endpoint in endpoints:
        endpoint.account = copy.copy(endpoint.account)
    return endpoints


def endpoint_changed(sender, instance, update_fields=None, **_signal) -> None:
    """Which endpoints receive events changed: not on a delivery's failure clock alone (written on
    every failed call, never read to choose endpoints), nor on a person's account."""
    if sender is WebhookEndpoint and update_fields is not None and set(update_fields) <= {"failing_since"}:
        return
    if sender is not WebhookEndpoint and not instance.is_service_account:
        return
    reference_changed()


def emit(alert: Alert, event: AlertEvent) -> list[int]:
    """Queue the event for each active endpoint that subscribed to it and may see the fiche: the
    landlord's, and those of the fiche's département (its units, their parents, its prefecture)."""
    kind = webhook_event(event)
    if kind is None:
        return []
    messages = []
    for endpoint in active_endpoints(alert.landlord_id, alert.department_id):
        if kind not in endpoint.events:
            continue
        body = payload(endpoint.account, alert, event, kind)
        if body is not None:
            # The key is the webhook-id: stable across retries and resends, unique per receiver.
            key = f"msg_{endpoint.pk}_{event.pk}"
            messages.append(outbox.WebhookMessage(key, endpoint.pk, kind, body))
    return outbox.queue(messages)
