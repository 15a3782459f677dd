"""The escalation scan grows with the fiches that are due, not with every late fiche: a
scan runs the same queries for 2 and for 8 due fiches in one batch, and fiches already at their
level are not read again."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts import outbox
from alerts.escalation import CLOCKS, due_candidates, scan_escalations
from alerts.models import Alert, AlertEvent, EventKind, OutboxEmail
from alerts.outbox import DELIVERY_CHUNK, Message
from conventions.delays import ResponsePolicies
from conventions.models import ResponsePolicy
from tests.alerts.factories import filed_alert


def make_due(world, count, now):
    """`count` fiches of Creil and Méru whose acknowledgement was due half an hour ago."""
    sites = [world.site_creil, world.site_meru]
    pks = [filed_alert(site=sites[i % 2], reporter=world.landlord_agent).pk for i in range(count)]
    Alert.objects.filter(pk__in=pks).update(ack_due_at=now - datetime.timedelta(minutes=30))
    return pks


def scan_queries(now):
    with CaptureQueriesContext(connection) as captured:
        raised = scan_escalations(now=now)
    return raised, len(captured.captured_queries)


def test_a_scan_runs_the_same_queries_for_2_and_for_8_due_fiches(world):
    now = timezone.now()
    make_due(world, 2, now)
    raised_2, queries_2 = scan_queries(now)
    make_due(world, 8, now)
    raised_8, queries_8 = scan_queries(now)
    assert (raised_2, raised_8) == (2, 8)
    assert queries_8 == queries_2
    # Pinned: substitutions, response policies, due fiches' keys, then in a savepoint the batch's
    # rows, the recipients, the level UPDATE and the writes, then the next (empty) batch. Elsewhere
    # than on PostgreSQL (INSERT ... ON CONFLICT / RETURNING), four more: the events' and the
    # notifications' INSERTs, reads of the e-mail keys already queued and of the new e-mails' ids.
    # One upsert per batch marks the escalated fiches' queues changed (alerts.queues).
    assert queries_2 == (11 if connection.vendor == "postgresql" else 13)


def test_late_fiches_already_at_their_level_are_not_read_again(world):
    now = timezone.now()
    first = make_due(world, 3, now)
    scan_escalations(now=now)
    later = make_due(world, 2, now)
    assert sorted(due_candidates(CLOCKS[0], now, ResponsePolicies.all())) == sorted(later)
    # A day on, the first ones reach their second level and the later ones their first two.
    tomorrow = now + datetime.timedelta(hours=24)
    assert sorted(due_candidates(CLOCKS[0], tomorrow, ResponsePolicies.all())) == sorted(first + later)
    assert scan_escalations(now=tomorrow) == 3 + 2 * 2
    assert AlertEvent.objects.filter(alert_id__in=first, kind=EventKind.ESCALATION).count() == 6


def test_a_departement_policy_with_a_shorter_step_still_finds_every_due_level(world):
    ResponsePolicy.objects.create(department=world.oise, normal_ack_hours=2)
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    assert alert.ack_due_at == alert.submitted_at + datetime.timedelta(hours=2)
    # Four hours past due is two more steps of two hours (the default step would be 24 hours).
    later = alert.ack_due_at + datetime.timedelta(hours=4)
    assert list(due_candidates(CLOCKS[0], later, ResponsePolicies.all())) == [alert.pk]
    assert scan_escalations(now=later) == 3
    assert scan_escalations(now=later) == 0


def test_an_e_mail_already_queued_is_kept_and_the_new_ones_go_out_in_tasks_of_fifty(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    queued = OutboxEmail.objects.create(
        key="escalation:ack:1:already", to=["a@example.fr"], subject="A", body="A"
    )
    tasks = []
    monkeypatch.setattr(outbox, "publish", lambda *pks: tasks.append(pks))
    emails = [
        Message(
            f"escalation:ack:{n}:new",
            [f"u{n}@example.fr"],
            f"Délai dépassé {n}",
            f'Corps {n}\n\t« "é" » \\ —',
        )
        for n in range(2 * DELIVERY_CHUNK + 9)
    ]

    with django_capture_on_commit_callbacks(execute=True):
        outbox.queue([Message("escalation:ack:1:already", ["b@example.fr"], "B", "B"), *emails])

    assert OutboxEmail.objects.get(pk=queued.pk).subject == "A"
    new = OutboxEmail.objects.exclude(pk=queued.pk)
    assert sorted(new.values_list("key", "to", "subject", "body", "status")) == sorted(
        (key, to, subject, body, "pending") for key, to, subject, body in emails
    )
    assert [len(pks) for pks in tasks] == [DELIVERY_CHUNK, DELIVERY_CHUNK, 9]
    assert sorted(pk for pks in tasks for pk in pks) == sorted(new.values_list("pk", flat=True))
