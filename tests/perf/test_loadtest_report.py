"""The load test's verdict per rate step (partnerships/benchmark/loadtest/report.py)."""

from types import SimpleNamespace

from partnerships.benchmark.loadtest.checks import is_error
from partnerships.benchmark.loadtest.report import max_held, max_held_rates, step_stats, window_stats


def request(cls: str, sched: float, latency: float = 0.05) -> dict:
    return {"cls": cls, "sched": sched, "t0": sched, "t1": sched + latency, "status": 200}


def test_a_step_whose_planned_requests_were_never_sent_did_not_hold():
    options = SimpleNamespace(duration=30, steps=[0.5, 1.0, 2.0], filing_rate=0, triage_rate=10)
    # Step 1 (0-10 s, 5 req/s) fully served; step 2 (10-20 s, 10 req/s) fully served; the clients never
    # reached step 3 (20-30 s): no request of theirs is planned in it.
    records = [request("officer", i / 5) for i in range(50)]
    records += [request("officer", 10 + i / 10) for i in range(100)]

    steps = step_stats(records, options, epoch=0)

    assert [step["held"] for step in steps] == [True, True, False]
    assert steps[2]["officer"]["achieved_rps"] == 0
    assert max_held(steps) == 1.0


def test_a_step_answered_too_late_did_not_hold():
    options = SimpleNamespace(duration=10, steps=[1.0], filing_rate=10, triage_rate=0)
    records = [request("landlord", i / 10, latency=2.0) for i in range(100)]

    assert step_stats(records, options, epoch=0)[0]["held"] is False


def test_the_capacity_is_the_highest_rate_held_by_each_side_through_every_lower_step():
    options = SimpleNamespace(duration=30, steps=[0.5, 1.0, 2.0], filing_rate=8, triage_rate=10)
    records = [request("officer", i / 5) for i in range(50)] + [request("landlord", i / 4) for i in range(40)]
    records += [request("officer", 10 + i / 10) for i in range(100)]
    records += [request("landlord", 10 + i / 8, latency=2.0) for i in range(80)]  # filings too late
    records += [request("officer", 20 + i / 20) for i in range(200)]

    assert max_held_rates(step_stats(records, options, epoch=0)) == {"landlord": 4.0, "officer": 20.0}


def test_a_304_answers_a_refresh_with_if_none_match_but_is_an_error_for_a_plain_get():
    refresh = {**request("officer", 0), "status": 304, "conditional": True}
    plain = {**request("officer", 0), "status": 304}

    assert (is_error(refresh), is_error(plain)) == (False, True)
    assert window_stats([{**refresh, "ep": "dashboard"}], 1)[0]["not_modified"] == 1
