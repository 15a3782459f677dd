"""Webhooks: registered by the organisation's administrator (HTTPS, no private
address), written to the outbox with the change, signed (Standard Webhooks), retried with a backoff,
paused after 24 hours of failures, resent from the delivery log; payloads show only what the
receiving organisation sees. Delivery is checked against a real receiver process (webhook_receiver.py)."""

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook

from alerts import outbox, services
from alerts.models import Notification, OutboxChannel, OutboxEmail, OutboxStatus, WebhookEndpoint
from alerts.webhooks import delivery
from alerts.webhooks.services import webhook_create, webhook_set_paused
from partnerships import reference_cache
from partnerships.models import Role
from tests.alerts.factories import filed_alert
from tests.alerts.test_worker_faults import _accepts, broker, mailbox  # noqa: F401 - the worker test's fixtures
from tests.factories import UserFactory
from tests.net import free_port, wait_for

ALL_EVENTS = ["alert.filed", "alert.acknowledged", "alert.feedback", "alert.closed"]


class Receiver:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.log = tmp_path / "calls.log"
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).with_name("webhook_receiver.py")),
                str(self.port),
                str(self.log),
            ]
        )
        assert wait_for(lambda: _accepts(self.port), 10)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/passerelle"

    def fail_first(self, count: int):
        self.log.with_suffix(".fail").write_text(str(count))

    def calls(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@pytest.fixture
def receiver(tmp_path, settings):
    settings.PASSERELLE_WEBHOOK_ALLOW_PRIVATE = True
    server = Receiver(tmp_path)
    yield server
    server.process.terminate()
    server.process.wait(10)


def admin_of(org):
    return UserFactory(organisation=org, role=Role.ADMIN)


def endpoint_of(org, url, events=ALL_EVENTS):
    return webhook_create(actor=admin_of(org), url=url, events=events)


def rows(endpoint):
    return list(OutboxEmail.objects.filter(endpoint=endpoint).order_by("pk"))


# --- registration: no server-side request forgery -------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://93.184.215.14/hook", "https://"),
        ("https://127.0.0.1/hook", "réseau privé ou local"),
        ("https://10.1.2.3/hook", "réseau privé ou local"),
        ("https://169.254.169.254/latest/meta-data", "réseau privé ou local"),
        ("https://[::ffff:192.168.0.1]/hook", "réseau privé ou local"),
        ("https://localhost/hook", "réseau privé ou local"),
    ],
)
def test_a_webhook_url_that_is_not_https_or_is_private_is_refused_with_a_french_page(
    world, login, url, message
):
    admin = admin_of(world.landlord)
    response = login(admin).post(reverse("webhooks:list"), {"url": url, "events": ["alert.filed"]})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_administrator_registers_a_public_https_webhook_and_reads_its_log(world, login):
    admin = admin_of(world.landlord)
    client = login(admin)
    response = client.post(
        reverse("webhooks:list"), {"url": "https://93.184.215.14/hook", "events": ALL_EVENTS}
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response["Location"] == reverse("webhooks:detail", args=[endpoint.pk])
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.account.is_service_account
    assert endpoint.account.organisation == world.landlord
    assert endpoint.secret in client.get(response["Location"]).content.decode()
    assert login(world.landlord_manager).get(response["Location"]).status_code == 404


# --- what is queued, and for whom ------------------------------------------------------------------


def test_a_filed_fiche_is_queued_for_its_landlord_and_unit_but_never_for_another_landlord(world, settings):
    settings.PASSERELLE_WEBHOOK_ALLOW_PRIVATE = True
    own = endpoint_of(world.landlord, "https://93.184.215.14/own")
    other = endpoint_of(world.other_landlord, "https://93.184.215.14/other")
    police = endpoint_of(world.police, "https://93.184.215.14/police")
    deaf = endpoint_of(world.gendarmerie, "https://93.184.215.14/gendarmerie")
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    (own_row,), (police_row,) = rows(own), rows(police)
    assert rows(other) == [] and rows(deaf) == []  # noqa: PT018 - neither sees the fiche
    assert (own_row.channel, own_row.subject) == (OutboxChannel.WEBHOOK, "alert.filed")
    landlord_view, police_view = json.loads(own_row.body), json.loads(police_row.body)
    assert landlord_view["data"]["alert"]["id"] == police_view["data"]["alert"]["id"] == alert.pk
    # The reporter did not agree to be named to the forces: the police payload hides them.
    assert landlord_view["data"]["alert"]["reporter"] != police_view["data"]["alert"]["reporter"]
    assert world.landlord_agent.last_name not in police_row.body


def test_each_event_kind_is_queued_once_and_only_for_endpoints_that_chose_it(world):
    filed_only = endpoint_of(world.police, "https://93.184.215.14/a", events=["alert.filed"])
    closing = endpoint_of(
        world.police, "https://93.184.215.14/b", events=["alert.acknowledged", "alert.closed"]
    )
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    alert = services.alert_acknowledge(actor=world.officer, alert=alert)
    services.alert_comment(actor=world.officer, alert=alert, message="Vu")
    services.alert_close(actor=world.officer, alert=alert, outcome="no_follow_up")
    assert [r.subject for r in rows(filed_only)] == ["alert.filed"]
    assert [r.subject for r in rows(closing)] == ["alert.acknowledged", "alert.closed"]


def test_the_endpoints_kept_between_filings_follow_a_registration_and_a_pause(world):
    """Filing reads the endpoints from the per-process reference data: registering or pausing one
    is seen by the next filing, a delivery's failure clock moves nothing."""
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)  # the endpoints (none) are kept
    endpoint = endpoint_of(world.police, "https://93.184.215.14/late")
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    assert len(rows(endpoint)) == 1

    webhook_set_paused(actor=admin_of(world.police), endpoint=endpoint, paused=True)
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    assert len(rows(endpoint)) == 1

    webhook_set_paused(actor=admin_of(world.police), endpoint=endpoint, paused=False)
    version = reference_cache._shared_version()
    endpoint.failing_since = timezone.now()
    endpoint.save(update_fields=["failing_since"])
    assert reference_cache._shared_version() == version
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    assert len(rows(endpoint)) == 2


# --- delivery against a real receiver ---------------------------------------------------------------


def test_a_delivery_is_signed_and_carries_the_rows_stable_key_as_webhook_id(world, receiver):
    endpoint = endpoint_of(world.landlord, receiver.url)
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    (row,) = rows(endpoint)
    assert outbox.deliver(row.pk) == OutboxStatus.SENT
    (call,) = receiver.calls()
    payload = Webhook(endpoint.secret).verify(call["body"], call["headers"])
    assert payload["type"] == "alert.filed"
    assert call["headers"]["webhook-id"] == row.key
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + "A" * 44).verify(call["body"], call["headers"])


def test_a_failed_delivery_waits_its_backoff_and_is_retried_with_the_same_id(world, receiver):
    receiver.fail_first(1)
    endpoint = endpoint_of(world.landlord, receiver.url)
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    (row,) = rows(endpoint)
    now = timezone.now()
    assert outbox.deliver(row.pk, now=now) == OutboxStatus.PENDING
    row.refresh_from_db()
    assert row.next_attempt_at == now + delivery.BACKOFF[0]
    assert "500" in row.last_error
    outbox.flush(now=now)  # not due yet: not called again (the fiche's e-mails go)
    assert len(receiver.calls()) == 1
    outbox.flush(now=now + datetime.timedelta(seconds=6))
    calls = receiver.calls()
    assert [c["failed"] for c in calls] == [True, False]
    assert {c["headers"]["webhook-id"] for c in calls} == {row.key}
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_an_address_turned_private_after_registration_is_not_called(world, receiver, settings):
    endpoint = endpoint_of(world.landlord, receiver.url)
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    settings.PASSERELLE_WEBHOOK_ALLOW_PRIVATE = False  # as in production: the check is made again
    (row,) = rows(endpoint)
    outbox.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == OutboxStatus.PENDING
    assert "réseau privé" in row.last_error or "https://" in row.last_error
    assert receiver.calls() == []


def test_an_endpoint_failing_for_24_hours_is_paused_and_its_administrators_told(world, receiver):
    receiver.fail_first(100)
    endpoint = endpoint_of(world.landlord, receiver.url)
    admin = endpoint.created_by
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    filed_alert(site=world.site_meru, reporter=world.landlord_agent)
    first, second = rows(endpoint)
    now = timezone.now()
    outbox.deliver(first.pk, now=now)
    endpoint.refresh_from_db()
    assert endpoint.failing_since == now
    assert endpoint.paused_at is None
    outbox.deliver(second.pk, now=now + datetime.timedelta(hours=24, minutes=1))
    endpoint.refresh_from_db()
    assert endpoint.paused_at is not None
    assert {r.status for r in rows(endpoint)} == {OutboxStatus.FAILED}
    # (The landlord's administrator also follows its fiches: the two new ones wait for its digest.)
    assert Notification.objects.filter(recipient=admin, kind="webhook_paused").count() == 1
    assert OutboxEmail.objects.filter(to=[admin.email], channel=OutboxChannel.EMAIL).count() == 1
    # Paused: a new event queues nothing.
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    assert len(rows(endpoint)) == 2


def test_renvoyer_delivers_a_failed_message_again_with_the_same_id(world, receiver, login):
    endpoint = endpoint_of(world.landlord, receiver.url)
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    (row,) = rows(endpoint)
    OutboxEmail.objects.filter(pk=row.pk).update(status=OutboxStatus.FAILED, last_error="Réponse HTTP 500")
    client = login(endpoint.created_by)
    page = client.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    assert "Renvoyer" in page
    assert "Réponse HTTP 500" in page
    response = client.post(reverse("webhooks:resend", args=[endpoint.pk, row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == OutboxStatus.PENDING
    assert outbox.deliver(row.pk) == OutboxStatus.SENT
    assert [c["headers"]["webhook-id"] for c in receiver.calls()] == [row.key]


# --- a real worker killed mid-delivery ----------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_call_leaves_one_message_for_the_receiver(
    world, receiver, tmp_path, monkeypatch, request
):
    """The receiver holds the call, the worker is killed (kill -9); after the claim's timeout the
    redelivered task calls again with the same webhook-id, so a receiver deduplicating on it processes
    the event once, and the row ends sent."""
    from django.db import connection

    from tests.alerts import test_worker_faults as faults

    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs PostgreSQL")
    redis, smtp = request.getfixturevalue("broker"), request.getfixturevalue("mailbox")
    monkeypatch.setenv("PASSERELLE_WEBHOOK_ALLOW_PRIVATE", "1")
    stall = receiver.log.with_suffix(".stall")
    stall.touch()
    endpoint = endpoint_of(world.landlord, receiver.url, events=["alert.filed"])
    worker = faults.start_worker(redis, smtp, tmp_path)
    try:
        filed_alert(site=world.site_creil, reporter=world.landlord_agent)
        (row,) = rows(endpoint)
        assert wait_for(lambda: receiver.log.with_suffix(".stalled").exists()), faults.worker_log(tmp_path)
        worker.send_signal(9)
        worker.wait(10)
        row.refresh_from_db()
        assert (row.status, row.attempts) == (OutboxStatus.SENDING, 1)
        stall.unlink()
        OutboxEmail.objects.filter(pk=row.pk).update(
            claimed_at=timezone.now() - outbox.SENDING_TIMEOUT - datetime.timedelta(seconds=1)
        )
        worker = faults.start_worker(redis, smtp, tmp_path)
        assert wait_for(lambda: OutboxEmail.objects.get(pk=row.pk).status == OutboxStatus.SENT, timeout=60), (
            faults.worker_log(tmp_path)
        )
    finally:
        faults.stop(worker)
    row.refresh_from_db()
    assert row.attempts == 2
    assert {call["headers"]["webhook-id"] for call in receiver.calls()} == {row.key}
