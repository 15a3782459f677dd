"""Figures of a load test run from the clients' log: throughput and latency per endpoint and per
rate step, the kill and its effect, the checks; written as Markdown and JSON."""

import datetime
import json
import os
import platform
import subprocess
from importlib.metadata import version
from pathlib import Path

from django.db import connection

from .checks import FILING, is_error

# A step holds its rate when the clients kept to their timetable: 95 % of the planned requests
# answered without error, and the 99th percentile measured from the planned start below this.
HELD_P99_MS = 1000.0


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered))) - 1))], 1)


def latency(records: list[dict]) -> dict:
    service = [(r["t1"] - r["t0"]) * 1000 for r in records]
    # From the planned start: includes the time a late client waited for its turn (queueing).
    planned = [(r["t1"] - r["sched"]) * 1000 for r in records if r.get("sched") is not None]
    return {
        "p50_ms": percentile(service, 50),
        "p95_ms": percentile(service, 95),
        "p99_ms": percentile(service, 99),
        "max_ms": percentile(service, 100),
        "planned_p95_ms": percentile(planned, 95),
        "planned_p99_ms": percentile(planned, 99),
    }


def final_attempts(records: list[dict]) -> list[dict]:
    """One record per logical request: the last attempt of each filing, every other request."""
    last = {}
    for r in records:
        if r["ep"] == FILING:
            if r["key"] not in last or r["attempt"] > last[r["key"]]["attempt"]:
                last[r["key"]] = r
    return [r for r in records if r["ep"] != FILING] + list(last.values())


def window_stats(records: list[dict], seconds: float) -> list[dict]:
    rows = []
    for endpoint in sorted({r["ep"] for r in records}):
        mine = [r for r in records if r["ep"] == endpoint]
        ok = [r for r in mine if not is_error(r)]
        rows.append(
            {
                "endpoint": endpoint,
                "requests": len(mine),
                "errors": len(mine) - len(ok),
                "not_modified": sum(1 for r in ok if r["status"] == 304),
                "throughput_rps": round(len(ok) / seconds, 1),
                **latency(ok),
            }
        )
    return rows


def step_stats(records, options, epoch) -> list[dict]:
    """Per rate step: planned and achieved rate of each class of client, and whether it held."""
    length = options.duration / len(options.steps)
    rows = []
    for index, factor in enumerate(options.steps):
        start = epoch + index * length
        mine = [r for r in records if r.get("sched") is not None and start <= r["sched"] < start + length]
        row = {"step": index + 1, "factor": factor, "held": True}
        for kind, rate in (("landlord", options.filing_rate), ("officer", options.triage_rate)):
            if not rate:
                continue
            # A step whose planned requests were never sent (the clients, still behind, stopped at
            # the end of the run) did not hold: it must not count as held for want of data.
            theirs = [r for r in mine if r["cls"] == kind]
            ok = [r for r in theirs if not is_error(r)]
            planned_p99 = latency(ok)["planned_p99_ms"]
            row[kind] = {
                "planned_rps": round(rate * factor, 1),
                "achieved_rps": round(len(ok) / length, 1),
                "errors": len(theirs) - len(ok),
                "p95_ms": latency(ok)["p95_ms"],
                "planned_p99_ms": planned_p99,
            }
            row[kind]["held"] = len(ok) >= 0.95 * rate * factor * length and (planned_p99 or 0) <= HELD_P99_MS
            row["held"] &= row[kind]["held"]
        rows.append(row)
    return rows


def max_held(steps: list[dict]) -> float | None:
    """The factor of the last step held while every step before it held too."""
    best = None
    for step in steps:
        if not step["held"]:
            break
        best = step["factor"]
    return best


def max_held_rates(steps: list[dict]) -> dict:
    """Per class of client, the highest planned rate (req/s) it held while it held every lower step:
    the capacity of each side (`make loadtest-capacity` runs them one at a time)."""
    rates = {}
    for kind in ("landlord", "officer"):
        for step in steps:
            if kind not in step:
                break
            if not step[kind]["held"]:
                rates.setdefault(kind, None)
                break
            rates[kind] = step[kind]["planned_rps"]
    return rates


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        (
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        None,
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (pg_version,) = cursor.fetchone()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH, read-only
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mb": memory,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "postgresql": pg_version,
        "locust": version("locust"),
        "gunicorn": version("gunicorn"),
        "commit": commit,
    }


def build(*, records, options, epoch, kill, in_flight, errors, problems, counts, server) -> dict:
    measured = [r for r in final_attempts(records) if r["ep"] != "login"]
    steps = step_stats(measured, options, epoch)
    attempts = [r for r in records if r["ep"] != "login"]
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "server": server,
        "options": {
            "duration_s": options.duration,
            "landlord_clients": options.landlords if options.filing_rate else 0,
            "officer_clients": options.officers if options.triage_rate else 0,
            "filing_rate": options.filing_rate,
            "triage_rate": options.triage_rate,
            "steps": list(options.steps),
            "timeout_s": options.timeout,
            "retry_backoff_s": list(options.retry_backoff),
        },
        "endpoints": window_stats(measured, options.duration),
        "steps": steps,
        "max_held_factor": max_held(steps),
        "max_held_rps": max_held_rates(steps),
        "attempts": len(attempts),
        "retries": sum(1 for r in attempts if (r.get("attempt") or 1) > 1),
        "kill": None
        if kill is None
        else {
            "at_s": round(kill.started - epoch, 2),
            "terminated": kill.terminated,
            "errors_in_flight": len(in_flight),
            "in_flight": [
                {k: r.get(k) for k in ("ep", "status", "error", "key", "attempt")} for r in in_flight
            ],
        },
        "errors": len(errors),
        "error_samples": [{k: r.get(k) for k in ("ep", "status", "error", "t0")} for r in errors[:20]],
        "filings": counts,
        "problems": problems,
        # A ramp runs past saturation on purpose: there, errors measure the limit, they fail nothing.
        "passed": not problems and (not errors or len(options.steps) > 1),
    }


def markdown(results: dict) -> str:
    m, o = results["machine"], results["options"]
    lines = [
        f"# Test de charge — {results['date']}",
        "",
        f"Machine : {m['cpu']}, {m['cores']} cœurs, {m['memory_mb']} Mo, {m['platform']}; PostgreSQL "
        f"{m['postgresql']} sur loopback; Python {m['python']}, gunicorn {m['gunicorn']} "
        f"({results['server']['workers']} workers × {results['server']['threads']} threads, "
        f"CONN_MAX_AGE={results['server']['conn_max_age']}), locust {m['locust']}; commit {m['commit']}; "
        f"charge moyenne en fin de test {m['load_average_at_end']}.",
        "",
        f"Débit visé (boucle ouverte) : {o['landlord_clients']} bailleurs à {o['filing_rate']:g} dépôts/s, "
        f"{o['officer_clients']} agents à {o['triage_rate']:g} req/s, paliers {o['steps']}, {o['duration_s']:g} s.",
        "",
        "| Point d'accès | Requêtes | Erreurs | 304 | Débit (req/s) | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) "
        "| p95 depuis l'heure prévue (ms) | p99 depuis l'heure prévue (ms) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results["endpoints"]:
        cells = [
            row.get(k, "—") for k in ("endpoint", "requests", "errors", "not_modified", "throughput_rps")
        ]
        cells += [row[k] for k in ("p50_ms", "p95_ms")]
        cells += [row[k] for k in ("p99_ms", "max_ms", "planned_p95_ms", "planned_p99_ms")]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    if results["steps"]:
        lines += [
            "",
            "| Palier | Facteur | Bailleurs visé → obtenu (req/s) | Agents visé → obtenu (req/s) | Tenu |",
            "|---|---|---|---|---|",
        ]
        for step in results["steps"]:
            cells = [
                (
                    f"{step[k]['planned_rps']} → {step[k]['achieved_rps']} (p99 depuis l'heure prévue "
                    f"{step[k]['planned_p99_ms']} ms, {step[k]['errors']} erreurs)"
                    if step[k]["planned_p99_ms"] is not None
                    else f"{step[k]['planned_rps']} → 0 (aucune requête prévue envoyée)"
                )
                if k in step
                else "—"
                for k in ("landlord", "officer")
            ]
            lines.append(
                f"| {step['step']} | {step['factor']} | {cells[0]} | {cells[1]} | {'oui' if step['held'] else 'non'} |"
            )
        held = results["max_held_factor"]
        lines.append(
            f"Palier le plus haut tenu (facteur du débit visé) : {'aucun' if held is None else held}."
        )
        names = {"landlord": "dépôts/s", "officer": "requêtes d'agents/s"}
        lines.append(
            "Débit le plus haut tenu (p99 depuis l'heure prévue < 1 s, 95 % des requêtes prévues) : "
            + "; ".join(
                f"{'aucun palier' if rps is None else f'{rps:g}'} {names[kind]}"
                for kind, rps in results.get("max_held_rps", {}).items()
            )
            + "."
        )
    kill, filings = results["kill"], results["filings"]
    lines += [
        "",
        f"Tentatives HTTP : {results['attempts']}, dont {results['retries']} renvois (même clé d'idempotence).",
    ]
    if kill:
        lines.append(
            f"Connexions PostgreSQL tuées à t+{kill['at_s']} s : {kill['terminated']}; erreurs des requêtes en vol : "
            f"{kill['errors_in_flight']}."
        )
    lines += [
        f"Autres erreurs : {results['errors']}.",
        f"Dépôts : {filings['keys']} clés, {filings['created']} créées (201), {filings['replayed']} rejouées "
        f"(200 après une réponse perdue), {filings['failed']} en échec "
        f"dont {filings['failed_but_stored']} enregistrées.",
        "",
        "Vérifications : " + ("toutes satisfaites." if results["passed"] else "ÉCHEC"),
        *[f"- {p}" for p in results["problems"][:50]],
        "",
    ]
    return "\n".join(lines)


def write(results: dict, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = "loadtest-" + results["date"].replace(":", "").replace("+0000", "Z")
    paths = [directory / f"{stem}.json", directory / f"{stem}.md"]
    paths[0].write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths[1].write_text(markdown(results), encoding="utf-8")
    return paths
