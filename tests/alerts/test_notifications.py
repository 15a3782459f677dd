import os
import smtplib

import pytest
from django.core import mail
from django.db import transaction

from alerts import outbox, services, tasks
from alerts.models import Alert, Notification, OutboxEmail, OutboxStatus
from alerts.notifications import notifications_mark_read
from alerts.selectors import unread_notification_count
from tests.alerts.factories import alert_data, filed_alert
from tests.net import free_port, wait_for

pytestmark = pytest.mark.django_db


def test_filing_writes_notifications_and_outbox_for_the_unit_with_a_link(world, settings):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    rows = OutboxEmail.objects.order_by("id")
    assert sorted(row.to[0] for row in rows) == sorted([world.officer.email, world.police_manager.email])
    assert all(row.status == OutboxStatus.PENDING for row in rows)
    assert all(f"{settings.SITE_URL}/fiches/{alert.pk}/" in row.body for row in rows)
    assert Notification.objects.filter(recipient=world.officer, alert=alert).exists()
    assert not Notification.objects.filter(recipient=world.gendarme).exists()


def test_a_fiche_without_unit_is_announced_to_the_prefecture(world):
    filed_alert(site=world.site_nowhere, reporter=world.landlord_agent)
    assert [row.to for row in OutboxEmail.objects.all()] == [[world.prefect_agent.email]]


def test_feedback_closure_and_redirect_notify_the_right_people(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    OutboxEmail.objects.all().delete()
    services.alert_feedback(actor=world.officer, alert=alert, message="Patrouille ce soir")
    services.alert_redirect(actor=world.officer, alert=alert, unit=world.gendarmerie, reason="Secteur")
    services.alert_close(actor=world.gendarme, alert=alert, outcome="patrol")
    # The landlord's reporter and managers follow the fiche at every step; the redirect moves the
    # following from the police unit to the gendarmerie, whose member closing it is not told of it.
    landlord = sorted([world.landlord_agent.email, world.landlord_manager.email])
    sent = {
        kind: sorted(row.to[0] for row in OutboxEmail.objects.filter(key__startswith=f"{kind}:"))
        for kind in ("alert_feedback", "alert_redirected", "alert_closed")
    }
    assert sent == {
        "alert_feedback": landlord,
        "alert_redirected": sorted([*landlord, world.gendarme.email]),
        "alert_closed": landlord,
    }
    feedback = OutboxEmail.objects.order_by("id").first()
    assert "Patrouille ce soir" in feedback.body


def test_a_rolled_back_change_leaves_no_outbox_row(world):
    def file_then_fail():
        with transaction.atomic():
            filed_alert(site=world.site_creil, reporter=world.landlord_agent)
            assert OutboxEmail.objects.exists()
            raise RuntimeError("rollback")

    with pytest.raises(RuntimeError):
        file_then_fail()
    assert not OutboxEmail.objects.exists()
    assert not Alert.objects.exists()


def test_a_filings_emails_are_queued_in_one_task_only_after_commit(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    published = []
    for task in (tasks.deliver_outbox, tasks.deliver_outbox_batch):
        monkeypatch.setattr(
            task, "apply_async", lambda args, task=task, **kw: published.append((task, args[0]))
        )
    with django_capture_on_commit_callbacks(execute=True):
        filed_alert(site=world.site_creil, reporter=world.landlord_agent)
        assert published == []
    [(task, ids)] = published
    assert task is tasks.deliver_outbox_batch
    assert sorted(ids) == sorted(OutboxEmail.objects.values_list("pk", flat=True))
    assert len(ids) == 2


def test_a_single_email_is_queued_as_its_own_task(world, django_capture_on_commit_callbacks, monkeypatch):
    published = []
    for task in (tasks.deliver_outbox, tasks.deliver_outbox_batch):
        monkeypatch.setattr(
            task, "apply_async", lambda args, task=task, **kw: published.append((task, args[0]))
        )
    with django_capture_on_commit_callbacks(execute=True):
        filed_alert(site=world.site_meru, reporter=world.landlord_agent)
    assert published == [(tasks.deliver_outbox, OutboxEmail.objects.get().pk)]


def test_a_batch_sends_each_row_once_and_retries_a_failed_one_alone(world, monkeypatch):
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    first, second = OutboxEmail.objects.order_by("id")
    retried = []
    monkeypatch.setattr(
        tasks.deliver_outbox, "apply_async", lambda args, **kw: retried.append((args[0], kw["countdown"]))
    )
    real_transmit = outbox.transmit

    def first_refused(row):
        if row.to == first.to:
            raise smtplib.SMTPRecipientsRefused({row.to[0]: (450, b"busy")})
        return real_transmit(row)

    monkeypatch.setattr(outbox, "transmit", first_refused)
    assert tasks.deliver_outbox_batch([first.pk, second.pk]) == 1
    assert retried == [(first.pk, 30)]
    assert [m.to for m in mail.outbox] == [second.to]
    first.refresh_from_db()
    assert (first.status, first.attempts) == (OutboxStatus.PENDING, 1)

    # The batch delivered again (acks_late after a crash): nothing is sent twice.
    monkeypatch.setattr(outbox, "transmit", real_transmit)
    assert tasks.deliver_outbox_batch([first.pk, second.pk]) == 1
    assert tasks.deliver_outbox_batch([first.pk, second.pk]) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.to[0], second.to[0]])


def test_an_unreachable_broker_never_breaks_filing_and_flush_delivers_later(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.deliver_outbox, "apply_async", broker_down)
    monkeypatch.setattr(tasks.deliver_outbox_batch, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        alert = services.alert_file(actor=world.landlord_agent, site=world.site_creil, data=alert_data())
    assert alert.reference
    assert OutboxEmail.objects.filter(status=OutboxStatus.PENDING).count() == 2
    assert tasks.flush_outbox() == 2
    assert len(mail.outbox) == 2
    assert not OutboxEmail.objects.filter(status=OutboxStatus.PENDING).exists()


def test_delivering_the_same_row_twice_sends_one_email(world):
    filed_alert(site=world.site_meru, reporter=world.landlord_agent)
    row = OutboxEmail.objects.get()
    assert tasks.deliver_outbox(row.pk) == OutboxStatus.SENT
    assert tasks.deliver_outbox(row.pk) == "skipped"
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT
    assert row.sent_at
    assert row.attempts == 1


def test_an_smtp_error_is_recorded_and_retried_until_it_fails(world, monkeypatch):
    filed_alert(site=world.site_meru, reporter=world.landlord_agent)
    row = OutboxEmail.objects.get()

    def smtp_down(row):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(outbox, "transmit", smtp_down)
    for attempt in range(1, outbox.MAX_ATTEMPTS):
        with pytest.raises(smtplib.SMTPException):
            outbox.deliver(row.pk)
        row.refresh_from_db()
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, attempt)
    assert outbox.deliver(row.pk) == OutboxStatus.FAILED
    row.refresh_from_db()
    assert row.last_error == "gone"


def test_an_email_goes_through_a_real_smtp_server(world, settings):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    class Recorder(Sink):
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        alert = filed_alert(site=world.site_meru, reporter=world.landlord_agent)
        row = OutboxEmail.objects.get()
        assert tasks.deliver_outbox(row.pk) == OutboxStatus.SENT
    finally:
        controller.stop()
    [envelope] = recorder.messages
    assert envelope.rcpt_tos == [world.gendarme.email]
    body = envelope.content.decode()
    assert alert.reference in body
    assert f"{settings.SITE_URL}/fiches/{alert.pk}/" in body


@pytest.mark.worker
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a Redis broker (REDIS_URL), as in CI")
@pytest.mark.django_db(transaction=True)
# One test process at a time: the broker's queue is shared, and a worker started by another process
# would take this one's task and look for its rows in that process's test database.
@pytest.mark.xdist_group("shared-redis-worker")
@pytest.mark.parametrize("site_name", ["site_meru", "site_creil"])  # one e-mail; two in one batch task
def test_a_real_worker_delivers_the_outbox_once(world, site_name):
    from celery.contrib.testing.worker import start_worker

    from partnerships.celery import app

    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        alert = filed_alert(site=getattr(world, site_name), reporter=world.landlord_agent)
        rows = OutboxEmail.objects.filter(key__contains=f":{alert.pk}:")
        assert wait_for(lambda: not rows.exclude(status=OutboxStatus.SENT).exists())
        # A duplicate delivery of the same rows must be a no-op: the solo worker runs its tasks in
        # order, so once a marker queued after the duplicate is sent, the duplicate has run.
        tasks.deliver_outbox_batch.delay([row.pk for row in rows])
        marker = OutboxEmail.objects.create(
            key="test:marker", to=["marker@example.fr"], subject="M", body="M"
        )
        tasks.deliver_outbox.delay(marker.pk)
        assert wait_for(lambda: OutboxEmail.objects.get(pk=marker.pk).status == OutboxStatus.SENT)
    assert {(row.status, row.attempts) for row in rows} == {(OutboxStatus.SENT, 1)}
    expected = {"site_meru": [world.gendarme], "site_creil": [world.officer, world.police_manager]}[site_name]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [*(user.email for user in expected), "marker@example.fr"]
    )


def test_marking_notifications_read_touches_only_the_users_own(world):
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    assert unread_notification_count(user=world.officer) == 1
    assert notifications_mark_read(user=world.officer) == 1
    assert unread_notification_count(user=world.officer) == 0
    assert unread_notification_count(user=world.police_manager) == 1
