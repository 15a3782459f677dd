"""Server-side benchmark of the pages and API on the generated volume.

Each scenario runs in-process through Django's test Client against the real PostgreSQL and the real
settings (DEBUG off), after a warm-up, N times: p50/p95 of the whole request, the number of queries
and the SQL time (a connection execute_wrapper times every query). Each read also times a
hand-written raw SQL query returning the same rows with the best index (the floor) and prints the
ratio to it of the SQL time of the request's queries reading those rows (the session, the tab
counts, the filter drop-downs and the audit write count in the total SQL time, not in the ratio).
Writes and batches (filing, escalation scan, export) have their own measures. Results: Markdown and
JSON under partnerships/benchmark/results/."""

import contextlib
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Count
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from alerts import selectors
from alerts.escalation import scan_escalations
from alerts.models import Alert, OutboxEmail
from partnerships.models import HousingSite, Organisation, User
from partnerships.replica import REPLICA, replica_configured

from . import floor
from .generate import HOME_DEPARTMENT
from .loadtest.runner import ACCOUNT_DOMAIN

RESULTS_DIR = Path(__file__).resolve().parent / "results"
API_P95_MS, HTML_P95_MS, FILING_P95_MS, INDICATORS_MS = 50, 100, 50, 300
ESCALATION_S, EXPORT_RSS_MB, FLOOR_RATIO = 5.0, 150, 3.0
# Issue 22, "close to the floor": p50 ratios to the bare page / bare DRF list measured interleaved,
# the 304 of an unchanged queue, the filing in-process.
LIST_FLOOR_RATIO, FICHE_FLOOR_RATIO, NOT_MODIFIED_MS, NOT_MODIFIED_QUERIES = 1.3, 2.0, 3.0, 2
FILING_P50_MS, FILING_QUERIES = 10.0, 12


@dataclass
class Result:
    name: str
    kind: str  # api, html, write, batch
    target: str
    n: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    sql_ms: float | None = None
    rows_sql_ms: float | None = None
    floor_ms: float | None = None
    ratio: float | None = None
    met: bool | None = None
    extra: dict = field(default_factory=dict)


ROW_TABLES = ('FROM "alerts_alert"', 'FROM "alerts_alertevent"')


def reads_rows(sql: str) -> bool:
    """A query reading the fiches (or a timeline) a page shows, as opposed to the session, the user,
    the counts of the status tabs, the filter drop-downs or the audit entry: what the floor is
    compared with."""
    return (
        sql.startswith("SELECT")
        and any(table in sql for table in ROW_TABLES)
        and not sql.startswith("SELECT COUNT(")
        and "GROUP BY" not in sql
    )


class SqlTimer:
    """Counts and times every query of the connection (what CaptureQueriesContext counts, timed),
    and apart the time of the queries reading the page's rows."""

    def __init__(self):
        self.count, self.seconds, self.row_seconds = 0, 0.0, 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.seconds += elapsed
            self.count += 1
            if reads_rows(sql):
                self.row_seconds += elapsed


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def consume(response) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def run_requests(
    call, n: int, warmup: int, rows_sql: list[float] | None = None, *, also=()
) -> tuple[list[float], list[int], list[float]]:
    """Time `call` n times after `warmup` calls: request times, query counts, SQL times (ms); the SQL
    time of the row-reading queries is appended to `rows_sql` when given. `also`: other connections
    whose queries count too (the replica)."""
    for _ in range(warmup):
        consume(call())
    times, counts, sql = [], [], []
    for _ in range(n):
        timer = SqlTimer()
        with contextlib.ExitStack() as watching:
            for watched in (connection, *also):
                watching.enter_context(watched.execute_wrapper(timer))
            started = time.perf_counter()
            response = call()
            consume(response)
            times.append((time.perf_counter() - started) * 1000)
        if response.status_code >= 400:
            raise RuntimeError(f"HTTP {response.status_code} : {response.content[:300]!r}")
        counts.append(timer.count)
        sql.append(timer.seconds * 1000)
        if rows_sql is not None:
            rows_sql.append(timer.row_seconds * 1000)
    return times, counts, sql


def time_sql(statement: str, params, n: int) -> float:
    """p50 in ms of a raw query, rows fetched."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        cursor.fetchall()
        times = []
        for _ in range(n):
            started = time.perf_counter()
            cursor.execute(statement, params)
            cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


TRIAGE_ORDER = """
    CASE WHEN (a.status = 'submitted' AND a.ack_due_at < now()) OR (a.status IN ('acknowledged', 'in_progress')
        AND a.first_feedback_at IS NULL AND a.feedback_due_at < now()) THEN 0 ELSE 1 END,
    CASE a.urgency WHEN 'immediate' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END,
    a.submitted_at, a.id"""
LIST_COLUMNS = """a.id, a.reference, a.status, a.urgency, a.category, a.submitted_at, a.ack_due_at,
    a.feedback_due_at, a.first_feedback_at, s.name, c.name, l.name, u.name"""
LIST_JOINS = """alerts_alert a JOIN partnerships_housingsite s ON s.id = a.site_id
    JOIN partnerships_commune c ON c.id = s.commune_id JOIN partnerships_organisation l ON l.id = a.landlord_id
    LEFT JOIN partnerships_organisation u ON u.id = a.routed_unit_id"""


class Harness:
    def __init__(
        self,
        *,
        n: int = 30,
        warmup: int = 5,
        out=print,
        compare_database: str | None = None,
        results_name: str = "latest",
    ):
        self.n, self.warmup, self.out = n, warmup, out
        self.results_name = results_name
        self.compare_database = compare_database
        self.results: list[Result] = []

    # ---------------------------------------------------------------- subjects
    def subjects(self) -> None:
        """The users measured: the Oise's busiest police unit's agent, its busiest landlord's agent,
        the prefecture's agent; chosen from the data, identical in every generated database. The
        fiches a load test filed there (its own accounts) are left out of the choice."""
        generated = Alert.objects.exclude(reporter__email__endswith=f"@{ACCOUNT_DOMAIN}")
        busiest = (
            generated.filter(department_id=HOME_DEPARTMENT, routed_unit__kind="police")
            .values("routed_unit")
            .annotate(n=Count("id"))
            .order_by("-n", "routed_unit")
            .first()
        )
        self.unit = Organisation.objects.get(pk=busiest["routed_unit"])
        generated_users = User.objects.exclude(email__endswith=f"@{ACCOUNT_DOMAIN}")
        self.officer = generated_users.filter(organisation=self.unit, role="agent").order_by("id").first()
        landlord = (
            generated.filter(department_id=HOME_DEPARTMENT)
            .values("landlord")
            .annotate(n=Count("id"))
            .order_by("-n", "landlord")
            .first()["landlord"]
        )
        self.landlord_agent = (
            generated_users.filter(organisation_id=landlord, role="agent").order_by("id").first()
        )
        self.prefect = (
            User.objects.filter(
                organisation__kind="prefecture", organisation__department_id=HOME_DEPARTMENT, role="agent"
            )
            .order_by("id")
            .first()
        )
        self.unit_ids = [self.unit.pk]

    # ---------------------------------------------------------------- scenarios
    def read(
        self,
        name: str,
        kind: str,
        user: User,
        url: str,
        floor_sql: str | tuple[str, ...],
        floor_params,
        **extra,
    ) -> Result:
        """One read measured; `floor_sql`: the raw query of the same rows, or its alternatives (the
        fastest is the floor)."""
        client = client_for(user)
        rows_sql = []
        times, counts, sql = run_requests(lambda: client.get(url, **extra), self.n, self.warmup, rows_sql)
        alternatives = (floor_sql,) if isinstance(floor_sql, str) else floor_sql
        floor = min(time_sql(statement, floor_params, self.n) for statement in alternatives)
        target = API_P95_MS if kind == "api" else HTML_P95_MS
        rows_p50 = statistics.median(rows_sql)
        result = Result(
            name=name,
            kind=kind,
            target=f"p95 ≤ {target} ms, SQL ≤ {FLOOR_RATIO:g}× plancher",
            n=self.n,
            p50_ms=round(statistics.median(times), 1),
            p95_ms=round(percentile(times, 95), 1),
            queries=max(counts),
            sql_ms=round(statistics.median(sql), 1),
            rows_sql_ms=round(rows_p50, 1),
            floor_ms=round(floor, 2),
            ratio=round(rows_p50 / floor, 1) if floor else None,
            extra={"url": url},
        )
        result.met = result.p95_ms <= target and (result.ratio or 0) <= FLOOR_RATIO
        return self.add(result)

    def add(self, result: Result) -> Result:
        self.results.append(result)
        self.out(
            f"{result.name:<45} p50 {result.p50_ms} ms  p95 {result.p95_ms} ms  requêtes {result.queries}  "
            f"SQL {result.sql_ms} ms (lignes {result.rows_sql_ms})  plancher {result.floor_ms} ms  "
            f"ratio {result.ratio}  "
            f"{'OK' if result.met else 'MANQUÉ'} {result.extra or ''}"
        )
        return result

    def reads(self, label: str = "") -> list[Result]:
        units = self.unit_ids
        dashboard = reverse("alerts:dashboard")
        triage = f"SELECT {LIST_COLUMNS} FROM {LIST_JOINS} WHERE a.routed_unit_id = ANY(%s) AND a.status <> 'draft'"

        def best_triage(condition: str, limit: int) -> tuple[str, str]:
            """The triage order is computed: its best raw query is the plain sort or the sort of the
            keys then a join on the page's rows, whichever the database answers faster."""
            return (
                f"{triage}{condition} ORDER BY {TRIAGE_ORDER} LIMIT {limit}",
                f"SELECT {LIST_COLUMNS} FROM {LIST_JOINS} WHERE a.id IN (SELECT a.id FROM alerts_alert a "
                f"WHERE a.routed_unit_id = ANY(%s) AND a.status <> 'draft'{condition} ORDER BY {TRIAGE_ORDER} "
                f"LIMIT {limit}) ORDER BY {TRIAGE_ORDER}",
            )

        rows = [
            self.read(
                f"Tableau de triage (1re page){label}",
                "html",
                self.officer,
                dashboard,
                best_triage("", 25),
                [units],
            ),
            self.read(
                f"Tableau de triage filtré (transmises){label}",
                "html",
                self.officer,
                dashboard + "?status=submitted",
                best_triage(" AND a.status = 'submitted'", 25),
                [units],
            ),
            self.read(
                f"Liste des fiches du bailleur{label}",
                "html",
                self.landlord_agent,
                reverse("alerts:list"),
                f"SELECT {LIST_COLUMNS} FROM {LIST_JOINS} WHERE a.landlord_id = %s "
                "ORDER BY a.created_at DESC, a.id DESC LIMIT 25",
                [self.landlord_agent.organisation_id],
            ),
            self.read(
                f"API liste des fiches (unité){label}",
                "api",
                self.officer,
                "/api/v1/alerts/",
                best_triage("", 50),
                [units],
            ),
            self.read(
                f"API liste des fiches (bailleur){label}",
                "api",
                self.landlord_agent,
                "/api/v1/alerts/",
                f"SELECT {LIST_COLUMNS} FROM {LIST_JOINS} WHERE a.landlord_id = %s "
                "ORDER BY a.created_at DESC, a.id DESC LIMIT 50",
                [self.landlord_agent.organisation_id],
            ),
        ]
        return rows

    def floor_ratios(self) -> list[Result]:
        """The floor (floor.py: a bare page and a bare DRF list of the dashboard's first 25 fiches,
        session and authentication middleware only) and the scenarios compared with it, one request
        of each per round, the order turning each round, so that a change of the machine's load
        weighs on both sides of every ratio. Also the 304 of an unchanged queue (dashboard, API)."""
        officer = self.officer
        ids = list(selectors.alert_list(user=officer).values_list("pk", flat=True)[: floor.ROWS])
        query = "?ids=" + ",".join(map(str, ids))
        with override_settings(MIDDLEWARE=floor.FLOOR_MIDDLEWARE):
            bare = client_for(officer)
            bare.get(floor.PAGE_URL + query)  # its handler loads (and keeps) the floor's middleware
        real = client_for(officer)
        dashboard, api = reverse("alerts:dashboard"), f"/api/v1/alerts/?page_size={floor.ROWS}"
        fiche = Alert.objects.filter(routed_unit=self.unit, status="closed").order_by("-submitted_at").first()
        fiche_url = reverse("alerts:detail", args=[fiche.pk])
        etags = {url: real.get(url)["ETag"] for url in (dashboard, api)}
        scenarios = {
            "page": (bare, floor.PAGE_URL + query, {}),
            "drf": (bare, floor.API_URL + query, {}),
            "dashboard": (real, dashboard, {}),
            "api": (real, api, {}),
            "fiche": (real, fiche_url, {}),
            "dashboard_304": (real, dashboard, {"HTTP_IF_NONE_MATCH": etags[dashboard]}),
            "api_304": (real, api, {"HTTP_IF_NONE_MATCH": etags[api]}),
        }
        times = {name: [] for name in scenarios}
        counts = {name: [] for name in scenarios}
        names = list(scenarios)
        for round_ in range(self.warmup + self.n):
            turn = round_ % len(names)
            for name in names[turn:] + names[:turn]:
                client, url, headers = scenarios[name]
                expected = 304 if name.endswith("_304") else 200
                for _attempt in range(2):
                    timer = SqlTimer()
                    with connection.execute_wrapper(timer):
                        started = time.perf_counter()
                        response = client.get(url, **headers)
                        consume(response)
                        elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code == 200 and expected == 304:
                        # The queue's ETag names the current 5-minute period (alerts/queues.py): at
                        # its turn the validator changes once; the refresh is timed again with it.
                        headers["HTTP_IF_NONE_MATCH"] = response["ETag"]
                        continue
                    break
                if response.status_code != expected:
                    raise RuntimeError(f"{name} : HTTP {response.status_code}, {expected} attendu")
                if round_ >= self.warmup:
                    times[name].append(elapsed)
                    counts[name].append(timer.count)
        p50 = {name: statistics.median(values) for name, values in times.items()}
        self.floor_p50 = {"page": round(p50["page"], 2), "drf": round(p50["drf"], 2)}

        def result(name, label, floor_name, target_ratio=None, url="") -> Result:
            ratio = round(p50[name] / p50[floor_name], 2) if floor_name else None
            item = Result(
                name=label,
                kind="floor",
                target=(
                    f"p50 ≤ {target_ratio:g}× {'page nue' if floor_name == 'page' else 'liste DRF nue'}"
                    if target_ratio
                    else (
                        f"≤ {NOT_MODIFIED_MS:g} ms, ≤ {NOT_MODIFIED_QUERIES} requêtes"
                        if name.endswith("_304")
                        else "plancher"
                    )
                ),
                n=len(times[name]),
                p50_ms=round(p50[name], 2),
                p95_ms=round(percentile(times[name], 95), 2),
                queries=max(counts[name]),
                floor_ms=round(p50[floor_name], 2) if floor_name else None,
                ratio=ratio,
                extra={"url": url} if url else {},
            )
            if target_ratio:
                item.met = ratio <= target_ratio
            elif name.endswith("_304"):
                item.met = p50[name] <= NOT_MODIFIED_MS and item.queries <= NOT_MODIFIED_QUERIES
            else:
                item.met = True
            return self.add(item)

        return [
            result("page", "Plancher : page Django nue (25 fiches)", None),
            result("drf", "Plancher : liste DRF nue (25 fiches)", None),
            result("dashboard", "Tableau de triage / page nue", "page", LIST_FLOOR_RATIO),
            result("api", "API liste (unité, 25) / liste DRF nue", "drf", LIST_FLOOR_RATIO),
            result("fiche", "Page d'une fiche / page nue", "page", FICHE_FLOOR_RATIO),
            result("dashboard_304", "Tableau de triage inchangé (304)", "page"),
            result("api_304", "API liste inchangée (304)", "drf"),
        ]

    def fiche_page(self) -> Result:
        alert = Alert.objects.filter(routed_unit=self.unit, status="closed").order_by("-submitted_at").first()
        return self.read(
            "Page d'une fiche (unité)",
            "html",
            self.officer,
            reverse("alerts:detail", args=[alert.pk]),
            # What the page shows: the fiche with its estate, commune, landlord, unit, building,
            # reporter and convention, and its timeline with each event's author and organisation.
            f"SELECT a.*, s.name, c.name, l.name, u.name, b.name, r.first_name, r.last_name, v.title "
            f"FROM {LIST_JOINS} LEFT JOIN partnerships_building b ON b.id = a.building_id "
            "LEFT JOIN partnerships_user r ON r.id = a.reporter_id "
            "LEFT JOIN conventions_convention v ON v.id = a.convention_id WHERE a.id = %s; "
            "SELECT e.*, p.first_name, p.last_name, o.name FROM alerts_alertevent e "
            "LEFT JOIN partnerships_user p ON p.id = e.author_id "
            "LEFT JOIN partnerships_organisation o ON o.id = e.organisation_id "
            "WHERE e.alert_id = %s ORDER BY e.created_at, e.id",
            [alert.pk, alert.pk],
        )

    def indicators(self) -> Result:
        convention_id = (
            Alert.objects.exclude(convention=None)
            .values("convention")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()["convention"]
        )
        department = Alert.objects.filter(convention_id=convention_id).values_list(
            "department_id", flat=True
        )[0]
        prefect = (
            User.objects.filter(
                organisation__kind="prefecture", organisation__department_id=department, role="agent"
            )
            .order_by("id")
            .first()
        )
        client = client_for(prefect)
        url = reverse("conventions:convention_indicators", args=[convention_id])
        # With DATABASE_REPLICA_URL the figures are read there: its queries count in the request's
        # and, apart, in the evidence that they went there (replica_reads).
        on_replica = SqlTimer()
        replica = (connections[REPLICA],) if replica_configured() else ()
        with replica[0].execute_wrapper(on_replica) if replica else contextlib.nullcontext():
            times, counts, sql = run_requests(lambda: client.get(url), max(5, self.n // 3), 2, also=replica)
        since = timezone.now() - datetime.timedelta(days=365)
        floor = time_sql(
            "SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY acknowledged_at - submitted_at), "
            "percentile_cont(0.9) WITHIN GROUP (ORDER BY acknowledged_at - submitted_at), "
            "count(*) FILTER (WHERE staff_victim), count(*) FILTER (WHERE complaint = 'filed') "
            "FROM alerts_alert WHERE convention_id = %s AND submitted_at >= %s",
            [convention_id, since],
            5,
        )
        result = Result(
            name="Indicateurs de la plus grosse convention",
            kind="html",
            target=f"≤ {INDICATORS_MS} ms",
            n=len(times),
            p50_ms=round(statistics.median(times), 1),
            p95_ms=round(percentile(times, 95), 1),
            queries=max(counts),
            sql_ms=round(statistics.median(sql), 1),
            floor_ms=round(floor, 1),
            ratio=round(statistics.median(sql) / floor, 1),
            extra={
                "convention": convention_id,
                "fiches": Alert.objects.filter(convention_id=convention_id).count(),
                **replica_reads(on_replica, requests=len(times) + 2),
            },
        )
        result.met = result.p95_ms <= INDICATORS_MS
        return self.add(result)

    def filing(self) -> Result:
        """POST /api/v1/alerts/ (the API: the mobile and integration path, same service as the form):
        routing, convention, reference counter, guardian grants, events, notifications and outbox.
        The fiches filed are deleted afterwards so that the data stay as generated."""
        client = client_for(self.landlord_agent)
        sites = list(
            HousingSite.objects.filter(landlord_id=self.landlord_agent.organisation_id)
            .order_by("id")
            .values_list("id", flat=True)[:50]
        )
        outbox_before = OutboxEmail.objects.order_by("-id").values_list("id", flat=True).first() or 0
        created: list[int] = []

        def post():
            body = {
                "site": sites[len(created) % len(sites)],
                "category": "common_parts",
                "urgency": "normal",
                "facts_at": timezone.now().isoformat(),
                "description": "Regroupement dans le hall, banc d'essai de performance.",
            }
            response = client.post(
                "/api/v1/alerts/",
                body,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
            )
            if response.status_code == 201:
                created.append(response.json()["id"])
            return response

        try:
            # Warmed up over every estate it files on: a worker's reference data (estates, communes,
            # policies) is read once per process, as in production after its first minutes.
            times, counts, sql = run_requests(post, self.n * 2, max(self.warmup, len(sites)))
        finally:
            with transaction.atomic():
                Alert.objects.filter(pk__in=created).delete()
                OutboxEmail.objects.filter(id__gt=outbox_before).delete()
        result = Result(
            name="Dépôt d'une fiche (API POST)",
            kind="write",
            target=f"p50 ≤ {FILING_P50_MS:g} ms, ≤ {FILING_QUERIES} requêtes (p95 ≤ {FILING_P95_MS} ms)",
            n=len(times),
            p50_ms=round(statistics.median(times), 1),
            p95_ms=round(percentile(times, 95), 1),
            queries=max(counts),
            sql_ms=round(statistics.median(sql), 1),
        )
        result.met = (
            result.p50_ms <= FILING_P50_MS
            and result.queries <= FILING_QUERIES
            and result.p95_ms <= FILING_P95_MS
        )
        return self.add(result)

    def escalation(self, due: int) -> Result:
        """Make `due` fiches late on their acknowledgement (the most recent closed ones reopened as
        transmitted, due 30 minutes ago) and time one scan; everything is rolled back."""

        class Rollback(Exception):
            pass

        raised, seconds, candidates = 0, 0.0, 0
        try:
            with transaction.atomic():
                scan_escalations()  # what is naturally due now: not part of the measure
                with connection.cursor() as cursor:
                    cursor.execute(
                        """
                        UPDATE alerts_alert SET status = 'submitted', acknowledged_at = NULL,
                            first_feedback_at = NULL, closed_at = NULL, outcome = '',
                            ack_due_at = now() - interval '30 minutes', feedback_due_at = now() + interval '7 days',
                            ack_escalation_level = 0, feedback_escalation_level = 0
                        WHERE id IN (SELECT id FROM alerts_alert WHERE status = 'closed'
                            AND routed_unit_id IS NOT NULL ORDER BY id DESC LIMIT %s)
                        """,
                        [due],
                    )
                    candidates = cursor.rowcount
                timer = SqlTimer()
                with connection.execute_wrapper(timer):
                    started = time.perf_counter()
                    raised = scan_escalations()
                    seconds = time.perf_counter() - started
                raise Rollback
        except Rollback:
            pass
        result = Result(
            name=f"Scan d'escalade, {due:,} fiches en retard".replace(",", " "),
            kind="batch",
            target=f"≤ {ESCALATION_S:g} s, proportionnel aux fiches dues",
            n=1,
            p50_ms=round(seconds * 1000, 1),
            p95_ms=round(seconds * 1000, 1),
            queries=timer.count,
            sql_ms=round(timer.seconds * 1000, 1),
            extra={"due": candidates, "levels_raised": raised},
        )
        result.met = seconds <= ESCALATION_S * due / 10_000
        return self.add(result)

    def export(self, rows: int = 100_000) -> Result:
        """The CSV export of `rows` fiches, streamed, in a child process so that its peak RSS is its own."""
        admin, _ = User.objects.get_or_create(
            email="bench-admin@bench.passerelle.test",
            defaults={"is_superuser": True, "is_staff": True, "first_name": "Banc", "last_name": "Essai"},
        )
        since = (
            Alert.objects.exclude(submitted_at=None)
            .order_by("-submitted_at")
            .values_list("submitted_at", flat=True)
        )[min(rows, Alert.objects.exclude(submitted_at=None).count()) - 1]
        query = f"?submitted_from={timezone.localdate(since) + datetime.timedelta(days=1):%Y-%m-%d}"
        child = subprocess.run(
            [sys.executable, "manage.py", "bench_run", "--export-child", str(admin.pk), query],
            capture_output=True,
            text=True,
            check=True,
            cwd=settings.BASE_DIR,
        )
        data = json.loads(child.stdout.strip().splitlines()[-1])
        result = Result(
            name=f"Export CSV en flux ({data['rows']:,} lignes)".replace(",", " "),
            kind="batch",
            target=f"mémoire plate (pic RSS ≤ {EXPORT_RSS_MB} Mo)",
            n=1,
            p50_ms=round(data["seconds"] * 1000),
            p95_ms=round(data["seconds"] * 1000),
            queries=data["queries"],
            extra={
                "peak_rss_mb": data["peak_rss_mb"],
                "rss_before_mb": data["rss_before_mb"],
                "bytes": data["bytes"],
            },
        )
        result.met = data["peak_rss_mb"] <= EXPORT_RSS_MB
        return self.add(result)

    def foreign(self, home_results: list[Result]) -> list[Result]:
        """Same users, same rows, in a database with 10x less foreign data: the times must match."""
        if not self.compare_database:
            return []
        alias_settings = connection.settings_dict
        original = alias_settings["NAME"]
        connection.close()
        alias_settings["NAME"] = self.compare_database
        try:
            emails = (self.officer.email, self.landlord_agent.email)
            self.subjects()
            assert (self.officer.email, self.landlord_agent.email) == emails, (
                "autres sujets : base différente"
            )
            small = self.reads(label=" [base 10x moins d'étrangers]")
            volume = Alert.objects.count()
        finally:
            connection.close()
            alias_settings["NAME"] = original
            self.subjects()
        # Measured again right after the small database: the better of the two, so that a load change
        # on a shared machine between the measures is not read as an effect of the volume.
        again = self.reads(label=" [1M, re-mesure]")
        comparison = []
        for big, later, little in zip(home_results, again, small, strict=True):
            best = min(big.p50_ms, later.p50_ms)
            comparison.append(
                {
                    "scenario": big.name,
                    "p50_ms_big": best,
                    "p50_ms_small": little.p50_ms,
                    "ratio": round(best / little.p50_ms, 2),
                    "queries_big": big.queries,
                    "queries_small": little.queries,
                    "small_database_fiches": volume,
                }
            )
        for row in comparison:
            self.out(f"Données étrangères x10 : {row}")
        self.foreign_comparison = comparison
        return small

    # ---------------------------------------------------------------- all
    def run(self, only: set[str] | None = None) -> dict:
        settings.DEBUG = False
        if "testserver" not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        self.subjects()
        self.foreign_comparison = []
        want = lambda name: not only or name in only  # noqa: E731
        self.floor_p50 = {}
        if want("floor"):
            self.floor_ratios()
        home = self.reads() if want("reads") else []
        if want("fiche"):
            self.fiche_page()
        if want("indicators"):
            self.indicators()
        if want("escalation"):
            self.escalation(1_000)
            self.escalation(10_000)
        if want("export"):
            self.export()
        if want("filing"):
            self.filing()
        if want("foreign") and home:
            self.foreign(home)
        return self.report()

    def report(self) -> dict:
        data = {
            "date": timezone.now().isoformat(timespec="seconds"),
            "machine": machine(),
            "volumes": volumes(),
            "subjects": {
                "officer": self.officer.email,
                "unit": self.unit.name,
                "landlord_agent": self.landlord_agent.email,
                "iterations": self.n,
            },
            "floor_p50_ms": self.floor_p50,
            "results": [asdict(r) for r in self.results],
            "foreign_data": self.foreign_comparison,
        }
        RESULTS_DIR.mkdir(exist_ok=True)
        name = self.results_name
        (RESULTS_DIR / f"{name}.json").write_text(json.dumps(data, indent=1, ensure_ascii=False, default=str))
        (RESULTS_DIR / f"{name}.md").write_text(markdown(data))
        return data


def cpu_calibration_ms() -> float:
    """Best of five runs of a fixed pure-Python loop: the same machine gives different timings when its
    host is busy (a virtual machine's neighbours), and this says how fast the CPU was at that time."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i
        best = min(best, (time.perf_counter() - started) * 1000)
    return round(best, 1)


def machine() -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        pg = {}
        for name in (
            "shared_buffers",
            "work_mem",
            "maintenance_work_mem",
            "effective_cache_size",
            "random_page_cost",
            "fsync",
            "synchronous_commit",
            "jit",
            "max_connections",
        ):
            cursor.execute(f"SHOW {name}")
            pg[name] = cursor.fetchone()[0]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=settings.BASE_DIR
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], capture_output=True, text=True, cwd=settings.BASE_DIR
        ).stdout.strip()
    except OSError:
        commit, dirty = "?", ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpu_calibration_ms": cpu_calibration_ms(),
        "python": platform.python_version(),
        "postgresql": version,
        "postgresql_settings": pg,
        "database_host": connection.settings_dict.get("HOST") or "socket",
        "git_commit": commit + ("+modifications" if dirty else ""),
    }


def volumes() -> dict:
    tables = (
        "partnerships_commune",
        "partnerships_organisation",
        "partnerships_housingsite",
        "partnerships_user",
        "conventions_convention",
        "alerts_alert",
        "alerts_alertevent",
        "alerts_alertgroupobjectpermission",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(%s)", [list(tables)]
        )
        return dict(cursor.fetchall())


def replica_reads(timer: SqlTimer, requests: int) -> dict:
    """Evidence that reads went to a real streaming replica: its queries per request, that it is in
    recovery (a standby), its port, how old its last replayed transaction is, and the primary's
    count of streaming standbys. Empty without a replica."""
    if not replica_configured():
        return {}
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT pg_is_in_recovery(), inet_server_port(), "
            "round(extract(epoch FROM now() - pg_last_xact_replay_timestamp())::numeric, 1)"
        )
        in_recovery, port, replay_age = cursor.fetchone()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
        (streaming,) = cursor.fetchone()
    return {
        "replica_queries_per_request": round(timer.count / requests, 1),
        "replica_sql_ms_per_request": round(timer.seconds * 1000 / requests, 1),
        "replica_in_recovery": in_recovery,
        "replica_port": port,
        "replica_last_replay_age_s": float(replay_age) if replay_age is not None else None,
        "primary_streaming_standbys": streaming,
    }


def dash(value) -> str:
    return "—" if value is None else str(value)


def markdown(data: dict) -> str:
    m = data["machine"]
    lines = [
        f"# Banc d'essai Passerelle — {data['date']}",
        "",
        f"Machine : {m['cpu']}, {m['cores']} cœurs, {m['ram_gb']} Go RAM, charge {m['load_average']}, "
        f"étalonnage CPU {m.get('cpu_calibration_ms')} ms (boucle Python fixe, plus bas = plus rapide) ; "
        f"PostgreSQL {m['postgresql']} ({m['database_host']}) {m['postgresql_settings']} ; "
        f"Python {m['python']} ; commit {m['git_commit']}.",
        "",
        "Volumes (estimation du planificateur) : "
        + ", ".join(f"{k} {v:,}".replace(",", " ") for k, v in data["volumes"].items()),
        "",
        f"Sujets : {data['subjects']}",
        "",
        f"Plancher (p50 ms, mesuré entrelacé avec les scénarios « / page nue » et « / liste DRF nue ») : "
        f"{data.get('floor_p50_ms') or '—'} ; la colonne ratio de ces lignes est p50 / plancher.",
        "",
        "SQL ms : toutes les requêtes de la page ; lignes ms : celles qui lisent ses fiches (comparées au "
        "plancher, la meilleure requête brute des mêmes lignes).",
        "",
        "| Scénario | n | p50 ms | p95 ms | requêtes | SQL ms | lignes ms | plancher ms | ratio | cible | atteinte |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in data["results"]:
        extra = f" {r['extra']}" if r["extra"] and "url" not in r["extra"] else ""
        lines.append(
            f"| {r['name']}{extra} | {r['n']} | {r['p50_ms']} | {r['p95_ms']} | {r['queries']} | "
            f"{dash(r['sql_ms'])} | {dash(r.get('rows_sql_ms'))} | {dash(r['floor_ms'])} | {dash(r['ratio'])} | "
            f"{r['target']} | "
            f"{'oui' if r['met'] else 'NON'} |"
        )
    if data["foreign_data"]:
        lines += [
            "",
            "Données étrangères ×10 (mêmes utilisateurs, mêmes lignes) :",
            "",
            "| Scénario | p50 ms (1M) | p50 ms (base réduite) | ratio | requêtes (1M / réduite) |",
            "|---|---|---|---|---|",
        ]
        for row in data["foreign_data"]:
            lines.append(
                f"| {row['scenario']} | {row['p50_ms_big']} | {row['p50_ms_small']} | {row['ratio']} | "
                f"{row['queries_big']} / {row['queries_small']} |"
            )
    return "\n".join(lines) + "\n"


def export_child(user_id: int, query: str) -> dict:
    """Run in a fresh process by Harness.export: stream the export, report time and peak RSS."""
    settings.DEBUG = False
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = client_for(User.objects.get(pk=user_id))
    rss_before = psutil.Process().memory_info().rss / 2**20
    timer = SqlTimer()
    with connection.execute_wrapper(timer):
        started = time.perf_counter()
        response = client.get(reverse("alerts:export") + query)
        size, rows = 0, 0
        for chunk in response.streaming_content:
            size += len(chunk)
            rows += 1
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": round(seconds, 2),
        "rows": rows - 1,
        "bytes": size,
        "queries": timer.count,
        "rss_before_mb": round(rss_before, 1),
        "peak_rss_mb": round(peak, 1),
    }
