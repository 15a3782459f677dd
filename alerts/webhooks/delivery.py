"""One webhook call: signed (Standard Webhooks: HMAC-SHA256 over id, timestamp and body), sent to the
address just checked, retried with a backoff over about a day; an endpoint failing for 24 hours is
paused and its administrators told."""

import datetime
import http.client
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from partnerships.models import Role, User

from .. import outbox
from ..models import Notification, OutboxEmail, OutboxStatus, WebhookEndpoint
from .addresses import RefusedAddress, checked_target

# Waits before the 2nd, 3rd… attempt (Standard Webhooks' suggested schedule): about 28 hours in all,
# so an endpoint down for a day is paused before its oldest message gives up.
BACKOFF = [
    datetime.timedelta(seconds=5),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=5),
    datetime.timedelta(hours=10),
    datetime.timedelta(hours=10),
]
PAUSE_AFTER = datetime.timedelta(hours=24)
ANSWER_LIMIT = 64 * 1024  # what is read of a receiver's answer: enough to close the exchange


def signed_headers(endpoint: WebhookEndpoint, msg_id: str, body: str, at: datetime.datetime) -> dict:
    return {
        "content-type": "application/json",
        "user-agent": "Passerelle-Webhooks/1.0",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(endpoint.secret).sign(msg_id, at.astimezone(datetime.UTC), body),
    }


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address checked, whatever the DNS says now."""

    def __init__(self, host, port, *, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the address checked; the certificate is still checked against the host name."""

    def __init__(self, host, port, *, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(row: OutboxEmail) -> None:
    """POST the row's payload to its endpoint; outbox.DeliveryError unless the answer is 2xx."""
    endpoint = row.endpoint
    if endpoint.paused_at is not None:
        raise outbox.DeliveryError(_("Webhook en pause : message non envoyé."))
    try:
        scheme, host, port, address = checked_target(endpoint.url)
    except RefusedAddress as refused:
        raise outbox.DeliveryError(str(refused)) from None
    parts = urlsplit(endpoint.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = PinnedHTTPSConnection if scheme == "https" else PinnedHTTPConnection
    conn = connection_class(host, port, address=address, timeout=settings.PASSERELLE_WEBHOOK_TIMEOUT)
    body = row.body
    try:
        conn.request("POST", path, body.encode(), signed_headers(endpoint, row.key, body, timezone.now()))
        answer = conn.getresponse()
        answer.read(ANSWER_LIMIT)
    except (OSError, http.client.HTTPException) as exc:
        raise outbox.DeliveryError(f"{type(exc).__name__}: {exc}") from None
    finally:
        conn.close()
    if not 200 <= answer.status < 300:
        raise outbox.DeliveryError(_("Réponse HTTP %(status)s du destinataire.") % {"status": answer.status})


def retry_plan(attempts: int, now: datetime.datetime) -> tuple[str, datetime.datetime | None]:
    """Status and next attempt of a row whose `attempts`-th call just failed."""
    if attempts > len(BACKOFF):
        return OutboxStatus.FAILED, None
    return OutboxStatus.PENDING, now + BACKOFF[attempts - 1]


def succeeded(row: OutboxEmail) -> None:
    WebhookEndpoint.objects.filter(pk=row.endpoint_id, failing_since__isnull=False).update(failing_since=None)


@transaction.atomic
def failed(row: OutboxEmail, now: datetime.datetime) -> None:
    """Start the endpoint's failure clock, or pause it once the clock passes PAUSE_AFTER."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=row.endpoint_id)
    if endpoint.paused_at is not None:
        return
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        endpoint.save(update_fields=["failing_since"])
    elif now - endpoint.failing_since >= PAUSE_AFTER:
        pause(endpoint, now)


def pause(endpoint: WebhookEndpoint, now: datetime.datetime) -> None:
    """Stop calling the endpoint: its waiting messages fail (an administrator may resend them once it
    is resumed); its administrators are told in the app and by e-mail."""
    endpoint.paused_at = now
    endpoint.save(update_fields=["paused_at"])
    endpoint.deliveries.filter(status=OutboxStatus.PENDING).update(
        status=OutboxStatus.FAILED, last_error=_("Webhook mis en pause après 24 heures d'échecs.")
    )
    admins = list(
        User.objects.filter(
            organisation_id=endpoint.organisation_id,
            role=Role.ADMIN,
            is_active=True,
            is_service_account=False,
        )
    )
    url = reverse("webhooks:detail", args=[endpoint.pk])
    message = _("Webhook mis en pause : %(url)s ne répond plus correctement depuis 24 heures.") % {
        "url": endpoint.url
    }
    Notification.objects.bulk_create(
        [
            Notification(recipient=user, kind="webhook_paused", message=message[:300], url=url)
            for user in admins
        ]
    )
    outbox.queue(
        outbox.Message(
            f"webhook_paused:{endpoint.pk}:{int(now.timestamp())}:{user.pk}",
            [user.email],
            f"[Passerelle] {message}"[:250],
            f"{message}\n\nLes messages en attente n'ont pas été envoyés. Après correction, réactivez le "
            f"webhook et renvoyez-les depuis son journal : {settings.SITE_URL}{url}\n",
        )
        for user in admins
    )
