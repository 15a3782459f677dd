"""Delivery is at least once: a worker killed after the SMTP server accepted a message and before the
row's commit sends it again, with the same Message-ID so that mail clients show it once."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from alerts import outbox
from alerts.models import OutboxEmail, OutboxStatus

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """The worker dies: nothing after this point runs (not an SMTP error the task would handle)."""


@pytest.fixture
def crashed_after_smtp(monkeypatch):
    """A row whose message the SMTP server accepted, its worker killed before recording it."""
    row = OutboxEmail.objects.create(
        key="test:crash", to=["officier@creil.fr"], subject="Fiche", body="Corps"
    )

    def killed(row, field):
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(outbox, "_record", killed)
        with pytest.raises(Killed):
            outbox.deliver(row.pk)
    row.refresh_from_db()
    return row


def test_a_row_left_sending_is_not_sent_again_before_the_timeout(crashed_after_smtp):
    row = crashed_after_smtp
    assert (row.status, row.attempts, len(mail.outbox)) == (OutboxStatus.SENDING, 1, 1)
    just_before = row.claimed_at + outbox.SENDING_TIMEOUT
    assert outbox.deliver(row.pk) == outbox.SKIPPED  # the broker hands the task out again
    assert outbox.flush(now=just_before) == 0
    row.refresh_from_db()
    assert (row.status, len(mail.outbox)) == (OutboxStatus.SENDING, 1)


def test_a_row_left_sending_is_sent_again_by_the_flush_after_the_timeout_with_the_same_message_id(
    crashed_after_smtp,
):
    row = crashed_after_smtp
    later = row.claimed_at + outbox.SENDING_TIMEOUT + datetime.timedelta(seconds=1)
    assert outbox.flush(now=later) == 1
    assert outbox.flush(now=later) == 0
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)
    first, again = mail.outbox
    assert first.extra_headers["Message-ID"] == again.extra_headers["Message-ID"] == row.message_id
    assert again.message()["Message-ID"] == row.message_id


def test_each_row_has_its_own_message_id_and_keeps_it():
    rows = [
        OutboxEmail.objects.create(key=f"test:{n}", to=["a@example.fr"], subject="S", body="B")
        for n in (1, 2)
    ]
    assert rows[0].message_id != rows[1].message_id
    assert OutboxEmail.objects.get(pk=rows[0].pk).message_id == rows[0].message_id
    assert rows[0].message_id.endswith("@passerelle.local>")


def test_a_late_worker_does_not_overwrite_the_outcome_of_the_one_that_took_its_row_over(monkeypatch):
    row = OutboxEmail.objects.create(key="test:late", to=["a@example.fr"], subject="S", body="B")
    later = timezone.now() + outbox.SENDING_TIMEOUT + datetime.timedelta(seconds=1)

    def slow_then_overtaken(row):
        # While this worker talks to a slow SMTP server, the flush takes the row over and sends it.
        monkeypatch.setattr(outbox, "transmit", lambda row: None)
        assert outbox.flush(now=later) == 1
        raise OSError("connection reset")

    monkeypatch.setattr(outbox, "transmit", slow_then_overtaken)
    with pytest.raises(OSError, match="connection reset"):
        outbox.deliver(row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 2, "")
