"""What the load test verifies once the clients have stopped, from the clients' log of every HTTP
attempt and from the database.

Errors: any attempt with no HTTP status (connection error, timeout) or a status >= 300 is an error.
The only tolerated ones are those in flight when PostgreSQL's connections were killed: sent before
the kill ended and answered after it started.

Fiches, per idempotency key (one key per fiche a client means to file, kept across its retries):
- a key answered 201 has exactly one fiche, the one in the 201 body, and was answered 201 once;
- a key answered 200 (a replay) has exactly one fiche, the one in the body, and an earlier attempt
  of the same key lost its answer (no status or a 5xx): only such an attempt can have created it;
- a key never answered 200/201 has no fiche, or exactly one if one of its attempts lost its answer
  (the server may have committed before the connection or the process died);
- every fiche the load-test accounts created during the run carries one of the keys the clients
  sent (no fiche without a request), is submitted (no draft left behind) and has its own reference.
Triage: every acknowledge/start answered 200 is visible in the database."""

import dataclasses
from collections import defaultdict

from alerts.models import Alert, Status

FILING = "POST /api/v1/alerts/"
ACKNOWLEDGE = "POST /api/v1/alerts/<id>/acknowledge/"
START = "POST /api/v1/alerts/<id>/start/"


def is_error(record: dict) -> bool:
    # Clients never follow redirects: a 3xx (to the login page, say) is not the page asked for. A 304
    # answers a conditional request (If-None-Match) only: the client's copy is still the page.
    if record["status"] == 304 and record.get("conditional"):
        return False
    return not record["status"] or record["status"] >= 300


def lost_answer(record: dict) -> bool:
    """The client cannot know whether the server committed."""
    return not record["status"] or record["status"] >= 500


@dataclasses.dataclass
class Kill:
    started: float
    ended: float
    terminated: int

    def in_flight(self, record: dict) -> bool:
        return record["t0"] <= self.ended and record["t1"] >= self.started


def classify_errors(records: list[dict], kill: Kill | None) -> tuple[list[dict], list[dict]]:
    """(errors in flight at the kill, every other error)."""
    errors = [r for r in records if is_error(r)]
    if kill is None:
        return [], errors
    return [r for r in errors if kill.in_flight(r)], [r for r in errors if not kill.in_flight(r)]


def check_filings(records: list[dict], fiches: dict[str, list[dict]]) -> tuple[list[str], dict]:
    """Problems (empty when everything holds) and counts. `fiches` maps an idempotency key to the
    fiches found with it: dicts with id, reference and status."""
    attempts = defaultdict(list)
    for record in records:
        if record["ep"] == FILING:
            attempts[record["key"]].append(record)
    problems = []
    counts = {"keys": len(attempts), "created": 0, "replayed": 0, "failed": 0, "failed_but_stored": 0}
    for key, tries in attempts.items():
        tries.sort(key=lambda r: r["attempt"])
        rows = fiches.get(key, [])
        created = [r for r in tries if r["status"] == 201]
        replays = [r for r in tries if r["status"] == 200]
        if len(rows) > 1:
            problems.append(f"clé {key} : {len(rows)} fiches (doublon)")
            continue
        if len(created) > 1:
            problems.append(f"clé {key} : {len(created)} réponses 201")
        if created or replays:
            counts["created" if created else "replayed"] += 1
            ids = {r.get("id") for r in created + replays}
            if not rows:
                problems.append(f"clé {key} : réponse {tries[-1]['status']} mais aucune fiche en base")
            elif ids != {rows[0]["id"]}:
                problems.append(
                    f"clé {key} : réponses {sorted(map(str, ids))}, fiche en base {rows[0]['id']}"
                )
            if replays and not created:
                first = tries.index(replays[0])
                if not any(lost_answer(r) for r in tries[:first]):
                    problems.append(f"clé {key} : rejouée (200) sans tentative précédente perdue")
        else:
            counts["failed"] += 1
            if rows:
                counts["failed_but_stored"] += 1
                if not any(lost_answer(r) for r in tries):
                    problems.append(
                        f"clé {key} : refusée ({tries[-1]['status']}) mais fiche {rows[0]['id']} créée"
                    )
    for key, rows in fiches.items():
        if key not in attempts:
            problems.append(f"fiche {rows[0]['id']} : clé {key} jamais envoyée par un client")
        for row in rows:
            if row["status"] == Status.DRAFT:
                problems.append(f"fiche {row['id']} : restée en brouillon")
    references = defaultdict(list)
    for rows in fiches.values():
        for row in rows:
            references[row["reference"]].append(row["id"])
    problems += [f"référence {ref} portée par {ids}" for ref, ids in references.items() if len(ids) > 1]
    return problems, counts


def check_triage(records: list[dict], alerts: dict[int, dict]) -> list[str]:
    """`alerts` maps the id of each fiche triaged during the run to its status and acknowledged_at."""
    problems = []
    for record in records:
        if record["status"] != 200 or record["ep"] not in (ACKNOWLEDGE, START):
            continue
        row = alerts.get(record["alert"])
        if row is None or row["acknowledged_at"] is None:
            problems.append(f"fiche {record['alert']} : {record['ep']} 200 mais pas prise en compte en base")
        elif record["ep"] == START and row["status"] != Status.IN_PROGRESS:
            problems.append(f"fiche {record['alert']} : prise en charge 200 mais statut {row['status']}")
    return problems


def run_fiches(*, reporter_ids: list[int], since) -> dict[str, list[dict]]:
    """Every fiche the load-test accounts created since the run started, by idempotency key."""
    fiches = defaultdict(list)
    rows = Alert.objects.filter(reporter_id__in=reporter_ids, created_at__gte=since).values(
        "id", "reference", "status", "idempotency_key"
    )
    for row in rows:
        fiches[str(row.pop("idempotency_key"))].append(row)
    return fiches


def triaged_alerts(records: list[dict]) -> dict[int, dict]:
    ids = {r["alert"] for r in records if r["ep"] in (ACKNOWLEDGE, START)}
    return {
        row["id"]: row for row in Alert.objects.filter(pk__in=ids).values("id", "status", "acknowledged_at")
    }
