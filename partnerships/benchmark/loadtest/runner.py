"""The load test run: accounts and plan, gunicorn on a free loopback port, locust headless at a
fixed rate, PostgreSQL's connections killed once, then the checks of checks.py and the report."""

import dataclasses
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from alerts.models import Alert, AlertEvent, OutboxEmail, QueueVersion
from partnerships.models import HousingSite, Organisation, Role, User
from partnerships.services.accounts import sessions_end
from partnerships.services.organisations import user_create

from . import checks, report

HERE = Path(__file__).resolve().parent
ACCOUNT_DOMAIN = "loadtest.invalid"
LOGIN_TIMEOUT = 120  # seconds for every client to log in before the clock starts


@dataclasses.dataclass
class Options:
    duration: float = 300.0
    landlords: int = 8
    officers: int = 8
    filing_rate: float = 150.0
    triage_rate: float = 200.0
    triage_work: bool = True
    steps: tuple[float, ...] = (1.0,)
    kill_at: float | None = None  # seconds after the start; None: 40 % of the duration
    kill: bool = True
    workers: int = 2 * (os.cpu_count() or 1) + 1
    threads: int = 1
    timeout: float = 10.0
    retry_backoff: tuple[float, ...] = (0.1, 0.3, 0.6, 1.2, 2.4)
    results_dir: Path = HERE.parent / "results"
    keep_logs: bool = False
    keep_data: bool = False


def all_reporter_ids() -> list[int]:
    """Every account a load test ever created here: the fiches they filed are the tests'."""
    return list(User.objects.filter(email__endswith=f"@{ACCOUNT_DOMAIN}").values_list("id", flat=True))


def outbox_names_run(key: str, alert_ids: set[int], event_ids: set[int]) -> bool:
    """Whether an outbox row was queued for one of the run's fiches: an e-mail's key is
    « kind:fiche:recipient:version » (alerts.notifications), a webhook call's « msg_endpoint_event »."""
    if key.startswith("msg_"):
        event = key.rpartition("_")[2]
        return event.isdigit() and int(event) in event_ids
    parts = key.split(":")
    return len(parts) == 4 and parts[1].isdigit() and int(parts[1]) in alert_ids


@transaction.atomic
def remove_run_data(started_at, versions_before: set[str]) -> dict[str, int]:
    """Remove what the run created, once checked: left behind, its fiches would join the queues and
    lists the benchmark measures in the same database, and its outbox rows (about 4 per filing)
    would wait for a worker that never sends them. The fiches go with their events, grants and
    notifications; then the outbox rows queued for them, the queue version rows the run created, and
    the accounts with their sessions and TOTP devices (created again by the next run). Kept: the
    audit trail (append-only: its entries lose their actor, by design) and the reference counters'
    advance (a reference is never given twice)."""
    accounts = all_reporter_ids()  # landlords' and officers' alike
    alerts = Alert.objects.filter(reporter_id__in=accounts)
    alert_ids = set(alerts.values_list("id", flat=True))
    event_ids = set(AlertEvent.objects.filter(alert_id__in=alert_ids).values_list("id", flat=True))
    outbox_ids = [
        pk
        for pk, key in OutboxEmail.objects.filter(created_at__gte=started_at).values_list("id", "key")
        if outbox_names_run(key, alert_ids, event_ids)
    ]
    removed = {"fiches": len(alert_ids)}
    alerts.delete()
    removed["messages de l'outbox"], _ = OutboxEmail.objects.filter(id__in=outbox_ids).delete()
    removed["versions de file"], _ = (
        QueueVersion.objects.filter(changed_at__gte=started_at).exclude(key__in=versions_before).delete()
    )
    users = list(User.objects.filter(id__in=accounts))
    for user in users:
        sessions_end(user=user)
    User.objects.filter(id__in=[u.pk for u in users]).delete()
    removed["comptes"] = len(users)
    return removed


def database_url() -> str:
    """The database the runner is connected to (under pytest, the test database), for the app."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="") + (
        f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    )
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def account(email: str, organisation: Organisation, password_hash: str) -> User:
    """The load test's own accounts: its fiches are told apart by reporter, and no real password is
    needed. Created once, their password reset on every run (a random one)."""
    user = User.objects.filter(email=email).first()
    if user is None:
        user = user_create(
            email=email, password=None, organisation=organisation, role=Role.AGENT, last_name="Charge"
        )
    user.password = password_hash
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def prepare_accounts(options: Options) -> dict:
    """Landlord accounts on the organisations that own estates covered by a police or gendarmerie
    unit; one officer account per officer client, spread over the units those estates route to,
    each with a confirmed TOTP device (force accounts owe a second factor; a code is good for one
    login only, hence one account per client)."""
    routable = HousingSite.objects.filter(
        commune__assignments__valid_until__isnull=True, commune__assignments__unit__isnull=False
    ).values_list("pk", "landlord_id", "commune__assignments__unit_id")
    by_landlord: dict[int, list[tuple[int, int]]] = {}
    for site_id, landlord_id, unit_id in routable.order_by("landlord_id", "pk"):
        by_landlord.setdefault(landlord_id, []).append((site_id, unit_id))
    if not by_landlord:
        raise RuntimeError("Aucun site couvert par une unité : chargez des données (demo_data).")
    password = secrets.token_urlsafe(18)
    # One slow hash for every account, with the production hasher whatever the runner's settings.
    hasher = Argon2PasswordHasher()
    password_hash = hasher.encode(password, hasher.salt())
    landlords, units = [], []
    organisations = Organisation.objects.in_bulk(list(by_landlord)[: options.landlords])
    for landlord_id, organisation in organisations.items():
        sites = by_landlord[landlord_id][:50]
        user = account(f"landlord.{landlord_id}@{ACCOUNT_DOMAIN}", organisation, password_hash)
        landlords.append(
            {"email": user.email, "password": password, "id": user.pk, "sites": [s for s, _ in sites]}
        )
        units += [u for _, u in sites if u not in units]
    officers = []
    unit_objects = Organisation.objects.in_bulk(units)
    for index in range(options.officers):
        unit = unit_objects[units[index % len(units)]]
        user = account(f"officer.{unit.pk}.{index}@{ACCOUNT_DOMAIN}", unit, password_hash)
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, defaults={"name": "loadtest", "confirmed": True}
        )
        officers.append(
            {
                "email": user.email,
                "password": password,
                "id": user.pk,
                "unit": unit.pk,
                "totp_key": device.key,
            }
        )
    return {
        "landlord_accounts": landlords,
        "officer_accounts": officers,
        "urls": {
            "login": reverse("login"),
            "otp": reverse("otp_verify"),
            "home": reverse("home"),
            "dashboard": reverse("alerts:dashboard"),
            "fiche": reverse("alerts:detail", args=[0]).replace("/0/", "/{}/"),
        },
    }


def terminate_connections() -> checks.Kill:
    """Kill every other backend of the application's database, as a PostgreSQL restart or a
    failover would: the web workers' persistent connections die under them."""
    started = time.time()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        (terminated,) = cursor.fetchone()
    return checks.Kill(started=started, ended=time.time(), terminated=terminated)


def wait_for_epoch(path: Path, clients: subprocess.Popen) -> float | None:
    """The start of the clock, written by the last client to log in (None: the clients gave up)."""
    deadline = time.monotonic() + LOGIN_TIMEOUT + 10
    while time.monotonic() < deadline and clients.poll() is None:
        if path.exists() and path.read_text():
            return float(path.read_text())
        time.sleep(0.1)
    return float(path.read_text()) if path.exists() and path.read_text() else None


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn s'est arrêté (code {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn ne répond pas sur {url}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def app_environment(workdir: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partnerships.benchmark.loadtest.settings",
        "DATABASE_URL": database_url(),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        # No worker runs: e-mail tasks pile up in a throw-away filesystem broker (the outbox rows
        # are written all the same, which is the database work that matters here).
        "CELERY_BROKER_URL": "filesystem://",
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "PASSERELLE_VAR_DIR": str(workdir / "var"),
    }


def gunicorn_command(options: Options, port: int, workdir: Path) -> list[str]:
    worker_class = "gthread" if options.threads > 1 else "sync"
    return [
        *(sys.executable, "-m", "gunicorn", "partnerships.wsgi", "--bind", f"127.0.0.1:{port}"),
        *(
            "--workers",
            str(options.workers),
            "--worker-class",
            worker_class,
            "--threads",
            str(options.threads),
        ),
        *("--timeout", "60", "--graceful-timeout", "10", "--error-logfile", str(workdir / "gunicorn.log")),
    ]


def locust_command(options: Options, host: str, clients: int, workdir: Path) -> list[str]:
    run_time = int(LOGIN_TIMEOUT + options.duration + 3 * options.timeout + 10)
    return [
        *(sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless", "--host", host),
        *("--users", str(clients), "--spawn-rate", str(clients), "--run-time", f"{run_time}s"),
        *("--stop-timeout", str(int(3 * options.timeout)), "--only-summary", "--loglevel", "WARNING"),
        *("--csv", str(workdir / "locust"), "--exit-code-on-error", "0"),
    ]


def plan_for(options: Options, accounts: dict, workdir: Path) -> dict:
    """What the locust process needs, as JSON (it does not load Django)."""
    planned = (options.filing_rate + options.triage_rate) * options.duration * max(options.steps)
    return {
        **accounts,
        "log_path": str(workdir / "requests.jsonl"),
        "epoch_path": str(workdir / "epoch"),
        "login_timeout": LOGIN_TIMEOUT,
        "duration": options.duration,
        "landlords": options.landlords if options.filing_rate else 0,
        "officers": options.officers if options.triage_rate else 0,
        "filing_rate": options.filing_rate,
        "triage_rate": options.triage_rate,
        "triage_work": options.triage_work,
        "steps": list(options.steps),
        "timeout": options.timeout,
        "retry_backoff": list(options.retry_backoff),
        # A hard bound besides the duration: twice the planned requests, retries included.
        "max_requests": int(2 * planned) + 100,
    }


def drive(options: Options, plan: dict, workdir: Path, say) -> tuple[float, checks.Kill | None, int]:
    """gunicorn up, locust until it stops by itself, the kill on time: (epoch, kill, locust's exit code)."""
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    say(f"gunicorn : {options.workers} worker(s) × {options.threads} thread(s) sur {host}")
    (workdir / "var" / "staticfiles").mkdir(parents=True)  # never served here; whitenoise wants it
    with open(workdir / "app.log", "w") as app_log:  # Django's log: the tracebacks of the kill
        app = subprocess.Popen(  # noqa: S603
            gunicorn_command(options, port, workdir),
            env=app_environment(workdir),
            cwd=HERE.parents[2],
            stdout=app_log,
            stderr=subprocess.STDOUT,
        )
    clients = None
    try:
        wait_until_up(host + plan["urls"]["login"], app)
        (workdir / "plan.json").write_text(json.dumps(plan))
        say(
            f"locust : {plan['landlords']} bailleurs à {options.filing_rate:g} dépôts/s, "
            f"{plan['officers']} agents à {options.triage_rate:g} req/s, {options.duration:g} s"
        )
        with open(workdir / "locust.log", "w") as locust_log:
            clients = subprocess.Popen(  # noqa: S603
                locust_command(options, host, plan["landlords"] + plan["officers"], workdir),
                env={**os.environ, "LOADTEST_PLAN": str(workdir / "plan.json")},
                stdout=locust_log,
                stderr=subprocess.STDOUT,
            )
            epoch = wait_for_epoch(workdir / "epoch", clients)
            if epoch is None:
                raise RuntimeError(f"Les clients ne se sont pas tous connectés : voir {workdir}/locust.log")
            kill = None
            if options.kill:
                kill_at = options.kill_at if options.kill_at is not None else 0.4 * options.duration
                time.sleep(max(0.0, epoch + kill_at - time.time()))
                if clients.poll() is None:
                    kill = terminate_connections()
                    say(f"t+{kill.started - epoch:.1f} s : {kill.terminated} connexion(s) PostgreSQL tuée(s)")
            clients.wait(timeout=LOGIN_TIMEOUT + options.duration + 6 * options.timeout + 60)
            return epoch, kill, clients.returncode
    finally:
        for process in (clients, app):
            if process is not None:
                stop(process)


def run(options: Options, *, say=print) -> tuple[bool, dict]:
    """Run the load test; (every check passed, results)."""
    if connection.vendor != "postgresql":
        raise RuntimeError("Le test de charge demande PostgreSQL : DATABASE_URL=postgres://…")
    if MigrationExecutor(connection).migration_plan(MigrationLoader(connection).graph.leaf_nodes()):
        raise RuntimeError("Migrations non appliquées : lancez d'abord manage.py migrate.")
    workdir = Path(tempfile.mkdtemp(prefix="passerelle-loadtest-"))
    versions_before = set(QueueVersion.objects.values_list("key", flat=True))
    accounts = prepare_accounts(options)
    plan = plan_for(options, accounts, workdir)
    started_at = timezone.now()
    epoch, kill, locust_code = drive(options, plan, workdir, say)

    records = [json.loads(line) for line in open(plan["log_path"], encoding="utf-8")]
    reporter_ids = [a["id"] for a in accounts["landlord_accounts"]]
    problems, counts = checks.check_filings(
        records, checks.run_fiches(reporter_ids=reporter_ids, since=started_at)
    )
    problems += checks.check_triage(records, checks.triaged_alerts(records))
    # Logins are checked by the clients themselves (a failed one stops the run before the clock).
    in_flight, errors = checks.classify_errors([r for r in records if r["ep"] != "login"], kill)
    if options.kill and (kill is None or kill.terminated == 0):
        problems.append("aucune connexion PostgreSQL tuée : la reprise n'a pas été éprouvée")
    if options.filing_rate and not counts["keys"]:
        problems.append("aucun dépôt tenté : voir le journal de locust")
    if locust_code != 0:
        problems.append(f"locust s'est terminé avec le code {locust_code} (voir {workdir}/locust.log)")
    results = report.build(
        records=records,
        options=options,
        epoch=epoch,
        kill=kill,
        in_flight=in_flight,
        errors=errors,
        problems=problems,
        counts=counts,
        server={
            "workers": options.workers,
            "threads": options.threads,
            "conn_max_age": os.environ.get("DJANGO_CONN_MAX_AGE", "60 (production)"),
        },
    )
    paths = report.write(results, options.results_dir)
    say(report.markdown(results))
    if not options.keep_data:
        removed = remove_run_data(started_at, versions_before)
        say(
            "Données du test supprimées (--keep-data pour les garder) : "
            + ", ".join(f"{n} {what}" for what, n in removed.items())
            + "."
        )
    say(f"Résultats : {', '.join(str(p) for p in paths)}")
    if options.keep_logs or not results["passed"]:
        say(f"Journaux (requêtes, application, gunicorn, locust) : {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return results["passed"], results
