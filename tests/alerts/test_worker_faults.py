"""Fault tests with the real parts: a Redis server of the test's own, a real Celery worker process
and a real local SMTP server. They prove the outbox design: a broker outage loses nothing and a
worker killed mid-task (kill -9) has its task redone — each e-mail delivered exactly once.

They need PostgreSQL (the worker process must see the test database) and redis-server; CI
provides both, elsewhere they skip."""

import datetime
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from alerts import outbox
from alerts.escalation import scan_escalations
from alerts.models import Alert, OutboxEmail, OutboxStatus
from partnerships.celery import app
from tests.alerts.factories import filed_alert
from tests.net import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker process needs PostgreSQL"),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


class RedisServer:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_for(lambda: _accepts(self.port), 10)

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


def _accepts(port) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False


class Mailbox:
    """aiosmtpd handler: records every accepted message; can stall before accepting recipients."""

    def __init__(self):
        self.messages: list[tuple[str, tuple[str, ...]]] = []
        self.stall = threading.Event()
        self.stalled = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.stall.is_set():
            self.stalled.set()
            while self.stall.is_set():
                import asyncio

                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        subject = next(
            (
                line
                for line in envelope.content.decode("utf-8", "replace").splitlines()
                if line.startswith("Subject:")
            ),
            "",
        )
        self.messages.append((subject, tuple(envelope.rcpt_tos)))
        return "250 Message accepted"


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    box.stall.clear()
    controller.stop()


@pytest.fixture
def broker(tmp_path, monkeypatch):
    """A Redis of the test's own, which the test may stop; the in-process app publishes to it."""
    redis = RedisServer(tmp_path)
    redis.start()
    # Celery reads CELERY_BROKER_URL from the environment before its configuration (as in CI).
    monkeypatch.setenv("CELERY_BROKER_URL", redis.url)
    previous = app.conf.broker_url, dict(app.conf.broker_transport_options or {})
    app.conf.broker_url = redis.url
    app.conf.broker_transport_options = {**previous[1], "visibility_timeout": 3}
    app._pool = None
    app.amqp._producer_pool = None
    yield redis
    if redis.process.poll() is None:
        redis.stop()
    app.conf.broker_url, app.conf.broker_transport_options = previous
    app._pool = None
    app.amqp._producer_pool = None


def start_worker(broker, mailbox, tmp_path):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partnerships.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": broker.url,
        "REDIS_URL": broker.url,
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "EMAIL_URL": f"smtp://127.0.0.1:{mailbox.port}",
        "PASSERELLE_VAR_DIR": str(tmp_path / "var"),
    }
    log = open(tmp_path / "worker.log", "ab")  # noqa: SIM115 - kept open for the process's lifetime
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "partnerships",
            "worker",
            "--pool",
            "solo",
            "-l",
            "info",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def worker_log(tmp_path) -> str:
    path = tmp_path / "worker.log"
    return path.read_text(errors="replace")[-3000:] if path.exists() else "(no worker log)"


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def all_tasks_before_run(tmp_path) -> None:
    """Wait until the worker has run every task queued so far, without sleeping on a guess: the solo
    worker takes its tasks in order, so once a marker e-mail queued now is sent, they have run."""
    marker = OutboxEmail.objects.create(
        key=f"test:marker:{time.monotonic_ns()}", to=[MARKER], subject="M", body="M"
    )
    outbox.deliver_outbox.delay(marker.pk)
    assert wait_for(lambda: OutboxEmail.objects.get(pk=marker.pk).status == OutboxStatus.SENT), worker_log(
        tmp_path
    )
    marker.delete()


MARKER = "marker@example.fr"


def delivered(mailbox) -> list:
    return [message for message in mailbox.messages if message[1] != (MARKER,)]


@pytest.mark.django_db(transaction=True)
def test_a_redis_outage_loses_no_notification_and_doubles_none(world, broker, mailbox, tmp_path):
    broker.stop()  # Redis is down while fiches are filed and fall due

    started = time.monotonic()
    alerts = [filed_alert(site=world.site_creil, reporter=world.landlord_agent) for _ in range(3)]
    assert time.monotonic() - started < 20, "filing must not hang when the broker is unreachable"
    Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(
        ack_due_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert scan_escalations() == 3
    pending = set(OutboxEmail.objects.values_list("key", flat=True))
    assert pending
    assert not OutboxEmail.objects.exclude(status=OutboxStatus.PENDING).exists()

    broker.start()  # Redis is back: the beat's flush hands the backlog to a real worker
    worker = start_worker(broker, mailbox, tmp_path)
    try:
        from alerts.tasks import flush_outbox

        flush_outbox.delay()
        flush_outbox.delay()  # a second beat tick, or a second beat scheduler: harmless
        assert wait_for(lambda: not OutboxEmail.objects.filter(status=OutboxStatus.PENDING).exists()), (
            worker_log(tmp_path)
        )
        all_tasks_before_run(tmp_path)  # the second flush included
    finally:
        stop(worker)
    rows = list(OutboxEmail.objects.all())
    assert {row.status for row in rows} == {OutboxStatus.SENT}
    assert len(delivered(mailbox)) == len(rows) == len(pending)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_leaves_the_row_sending_and_it_is_sent_once_after_the_timeout(
    world, broker, mailbox, tmp_path
):
    row = OutboxEmail.objects.create(
        key="test:kill-9", to=["officier@creil.fr"], subject="Fiche FA-60-TEST", body="Corps du message"
    )
    mailbox.stall.set()
    worker = start_worker(broker, mailbox, tmp_path)
    try:
        outbox.deliver_outbox.delay(row.pk)
        assert mailbox.stalled.wait(40), worker_log(tmp_path)
        worker.send_signal(signal.SIGKILL)  # kill -9 in the middle of the SMTP conversation
        worker.wait(10)
        mailbox.stall.clear()
        row.refresh_from_db()
        # The window is visible: claimed, not sent, nothing accepted by the SMTP server.
        assert (row.status, row.attempts) == (OutboxStatus.SENDING, 1)
        assert mailbox.messages == []

        # Time passes beyond the timeout; the task, handed out again after the broker's visibility
        # timeout (acks_late, reject_on_worker_lost), now may take the row over.
        OutboxEmail.objects.filter(pk=row.pk).update(
            claimed_at=timezone.now() - outbox.SENDING_TIMEOUT - datetime.timedelta(seconds=1)
        )
        worker = start_worker(broker, mailbox, tmp_path)
        assert wait_for(lambda: OutboxEmail.objects.get(pk=row.pk).status == OutboxStatus.SENT, timeout=60), (
            worker_log(tmp_path)
        )
        all_tasks_before_run(tmp_path)
    finally:
        stop(worker)
    assert delivered(mailbox) == [("Subject: Fiche FA-60-TEST", ("officier@creil.fr",))]
