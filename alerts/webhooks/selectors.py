"""Reads for the webhook pages, scoped to the organisation the user administers (404 otherwise)."""

from django.db.models import QuerySet

from partnerships.models import User
from partnerships.tokens.services import require_admin

from ..models import OutboxEmail, WebhookEndpoint


def webhooks_of(user: User) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organisation=require_admin(user)).select_related("organisation")


def deliveries_of(endpoint: WebhookEndpoint) -> QuerySet[OutboxEmail]:
    """The endpoint's calls, newest first (served by outbox_endpoint_idx)."""
    return endpoint.deliveries.order_by("-created_at", "-id").defer("body")
