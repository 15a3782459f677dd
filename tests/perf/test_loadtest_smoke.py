"""The load test (partnerships/benchmark/loadtest): its checker on hand-made client logs (any
database), and one short end-to-end run on PostgreSQL — gunicorn, locust, the connection kill —
small enough for CI (about 30 s): the full five minutes stay a README command."""

import importlib.util

import pytest
from django.db import connection

from alerts.models import Alert, OutboxEmail
from partnerships.benchmark.loadtest.checks import FILING, Kill, check_filings, classify_errors
from partnerships.benchmark.loadtest.runner import Options, outbox_names_run, run
from partnerships.models import LoginSession, User


def attempt(key, number, status, alert_id=None, t0=10.0, t1=10.1):
    return {"ep": FILING, "key": key, "attempt": number, "status": status, "id": alert_id, "t0": t0, "t1": t1}


def fiche(alert_id, reference="FA-60-2026-000001", status="submitted"):
    return {"id": alert_id, "reference": reference, "status": status}


def test_a_retry_answered_200_after_a_lost_answer_is_one_fiche_and_passes():
    records = [attempt("k", 1, 0), attempt("k", 2, 200, alert_id=7)]
    problems, counts = check_filings(records, {"k": [fiche(7)]})
    assert problems == []
    assert counts["replayed"] == 1


def test_two_fiches_for_one_key_are_reported_as_a_double():
    records = [attempt("k", 1, 201, alert_id=7)]
    problems, _ = check_filings(records, {"k": [fiche(7), fiche(8, reference="FA-60-2026-000002")]})
    assert problems == ["clé k : 2 fiches (doublon)"]


def test_a_replay_without_an_earlier_lost_attempt_is_reported():
    problems, _ = check_filings([attempt("k", 1, 200, alert_id=7)], {"k": [fiche(7)]})
    assert problems == ["clé k : rejouée (200) sans tentative précédente perdue"]


def test_a_fiche_behind_a_refused_key_or_an_unknown_key_is_reported():
    records = [attempt("refused", 1, 400), attempt("lost", 1, 502)]
    fiches = {
        "refused": [fiche(1)],
        "lost": [fiche(2, reference="FA-60-2026-000002")],
        "unknown": [fiche(3, reference="FA-60-2026-000003")],
    }
    problems, counts = check_filings(records, fiches)
    # A 502 may have lost the answer of a committed request: that fiche is accepted.
    assert problems == [
        "clé refused : refusée (400) mais fiche 1 créée",
        "fiche 3 : clé unknown jamais envoyée par un client",
    ]
    assert counts["failed_but_stored"] == 2


def test_a_201_without_its_fiche_in_the_database_is_reported():
    problems, _ = check_filings([attempt("k", 1, 201, alert_id=7)], {})
    assert problems == ["clé k : réponse 201 mais aucune fiche en base"]


def test_the_outbox_rows_of_a_run_are_told_apart_by_the_fiche_or_event_their_key_names():
    alerts, events = {12}, {40}
    assert outbox_names_run("alert_submitted:12:3:2", alerts, events)
    assert outbox_names_run("msg_5_40", alerts, events)
    assert not outbox_names_run("alert_submitted:120:3:2", alerts, events)
    assert not outbox_names_run("msg_40_41", alerts, events)
    assert not outbox_names_run("digest:12:2026-12-05", alerts, events)


def test_only_errors_in_flight_at_the_kill_are_tolerated():
    kill = Kill(started=20.0, ended=20.01, terminated=3)
    in_flight = attempt("a", 1, 500, t0=19.9, t1=20.2)
    after = attempt("b", 1, 500, t0=21.0, t1=21.1)
    tolerated, others = classify_errors([in_flight, after, attempt("c", 1, 201, t0=19.9, t1=20.3)], kill)
    assert (tolerated, others) == ([in_flight], [after])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the load test runs against PostgreSQL")
@pytest.mark.skipif(importlib.util.find_spec("locust") is None, reason="locust comes with the bench extra")
@pytest.mark.django_db(transaction=True)
def test_a_short_load_test_with_the_connections_killed_loses_and_doubles_nothing(world, tmp_path):
    options = Options(
        duration=10,
        landlords=2,
        officers=2,
        filing_rate=4,
        triage_rate=6,
        kill_at=4,
        workers=2,
        # A busy CI machine may be slow, but a timeout is an error: only the kill may cause one here.
        timeout=30,
        results_dir=tmp_path,
    )
    before = Alert.objects.filter(reporter=world.landlord_agent).count()
    outbox_before = set(OutboxEmail.objects.values_list("id", flat=True))
    passed, results = run(options, say=lambda message: None)
    assert results["problems"] == []
    assert results["errors"] == 0, results["error_samples"]
    assert results["kill"]["terminated"] >= 1
    assert results["filings"]["created"] >= 3
    assert results["filings"]["failed"] == 0  # the clients' retries carried every in-flight failure
    assert passed
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".md"]
    # Checked, then removed: they would otherwise join the queues the benchmark measures.
    assert not Alert.objects.filter(reporter__email__endswith="@loadtest.invalid").exists()
    assert Alert.objects.filter(reporter=world.landlord_agent).count() == before
    # Nor anything else it created: the outbox rows its filings queued, its accounts and their sessions.
    assert set(OutboxEmail.objects.values_list("id", flat=True)) == outbox_before
    assert not User.objects.filter(email__endswith="@loadtest.invalid").exists()
    assert not LoginSession.objects.exists()
