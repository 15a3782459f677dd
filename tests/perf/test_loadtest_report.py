"""The load test's verdict per rate step (partnerships/benchmark/loadtest/report.py)."""

from types import SimpleNamespace

from partnerships.benchmark.loadtest.report import max_held, step_stats


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
