"""Locust users of the load test: landlords filing fiches through the API, officers triaging their
queue. Pure HTTP, no Django import: the runner (runner.py) hands over a JSON plan through the
LOADTEST_PLAN environment variable and reads back one JSON line per HTTP attempt.

The rate is held open-loop, as wrk2 does: each simulated client owns a timetable of start slots
(client i of n starts at epoch + i/(n*rate), then every n/rate seconds). A client that falls behind
fires its late requests at once instead of silently lowering the rate, and every record keeps its
scheduled slot, so the report can measure latency from the moment the request *should* have been
sent (queueing included) and not only from the moment it was."""

import hashlib
import hmac
import itertools
import json
import logging
import os
import struct
import time
import uuid
from collections import deque
from urllib.parse import urlencode

import gevent.event
import gevent.lock
from locust import FastHttpUser, events, task
from locust.exception import StopUser

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"], encoding="utf-8").read())  # noqa: SIM115
LOG = open(PLAN["log_path"], "a", buffering=1024 * 1024, encoding="utf-8")  # noqa: SIM115
# The clock starts once every client has logged in (one slow password hash each): the last one to
# log in sets the epoch and writes it for the runner, which times the kill from it.
CLOCK = {"epoch": 0.0, "end": 0.0, "logged_in": 0, "failed": False}
STARTED = gevent.event.Event()
# Logins two at a time: a burst of password hashes would stall the server past the client timeout.
LOGINS = gevent.lock.BoundedSemaphore(2)
# Fiches filed during the run and waiting for their unit: unit id -> deque of [alert id, next step].
WORK: dict[int, deque] = {}
COUNTER = {"requests": 0, "active": 0}
TRIAGE_STEPS = ("fiche", "acknowledge", "start")
# The two loads of the queue, reported apart (a refresh may be answered 304: its ETag is unchanged).
DASHBOARD = "GET /fiches/file/ (dashboard)"
DASHBOARD_REFRESH = "GET /fiches/file/ (dashboard, If-None-Match)"


def rate_factor(at: float) -> float:
    """The multiplier of the target rate at `at`: --steps splits the run into equal stages."""
    steps = PLAN["steps"]
    index = min(int((at - CLOCK["epoch"]) / PLAN["duration"] * len(steps)), len(steps) - 1)
    return steps[max(index, 0)]


@events.quitting.add_listener
def _flush(environment, **kwargs):
    LOG.close()


class PlannedUser(FastHttpUser):
    abstract = True
    network_timeout = PLAN["timeout"]
    connection_timeout = PLAN["timeout"]
    kind = ""
    rate = 0.0  # requests per second for all the clients of this class together

    def on_start(self):
        self.index = next(self.numbering)
        self.account = self.accounts[self.index % len(self.accounts)]
        self.label = f"{self.kind}-{self.index}"
        COUNTER["active"] += 1
        try:
            with LOGINS:
                self.login()
        except RuntimeError as exc:
            logging.error("%s", exc)
            CLOCK["failed"] = True  # no partial run: every client stops, the runner reports it
            STARTED.set()
            raise StopUser from exc
        CLOCK["logged_in"] += 1
        if CLOCK["logged_in"] == PLAN["landlords"] + PLAN["officers"]:
            CLOCK["epoch"] = time.time() + 0.5
            CLOCK["end"] = CLOCK["epoch"] + PLAN["duration"]
            with open(PLAN["epoch_path"] + ".tmp", "w", encoding="utf-8") as out:
                out.write(repr(CLOCK["epoch"]))
            os.replace(PLAN["epoch_path"] + ".tmp", PLAN["epoch_path"])
            STARTED.set()
        if not STARTED.wait(timeout=PLAN["login_timeout"]) or CLOCK["failed"]:
            raise StopUser
        self.slot = CLOCK["epoch"] + self.index / (self.fixed_count * self.rate)
        gap = self.slot - time.time()
        if gap > 0:
            time.sleep(gap)  # gevent-patched: the other clients keep running

    def on_stop(self):
        COUNTER["active"] -= 1
        if COUNTER["active"] == 0:
            self.environment.runner.quit()

    def wait_time(self):
        self.slot += self.fixed_count / (self.rate * rate_factor(self.slot))
        # The run is bounded: past the end, a client that fell behind drops its backlog (the report
        # then shows the rate was not held) instead of running on.
        if max(self.slot, time.time()) >= CLOCK["end"] or COUNTER["requests"] >= PLAN["max_requests"]:
            raise StopUser
        return max(0.0, self.slot - time.time())

    def call(self, method, path, endpoint, *, scheduled=None, record=None, **kwargs):
        """One HTTP attempt, logged whatever happens: (status, parsed JSON body or None).
        Status 0 is a connection error or a timeout."""
        COUNTER["requests"] += 1
        headers = kwargs.pop("headers", {})
        # A redirect is an answer of its own (to the login page, say): never followed, never a success.
        kwargs.setdefault("allow_redirects", False)
        if method != "GET":
            headers["X-CSRFToken"] = self.csrf_token()
        started = time.time()
        response = self.client.request(method, path, name=endpoint, headers=headers, **kwargs)
        ended = time.time()
        status = response.status_code or 0
        error = getattr(response, "error", None)
        self.last_etag = (response.headers.get("ETag") or "") if status else ""
        body = None
        if status and "json" in (response.headers.get("content-type") or ""):
            try:
                body = response.json()
            except ValueError:
                body = None
        LOG.write(
            json.dumps(
                {
                    "user": self.label,
                    "cls": self.kind,
                    "ep": endpoint,
                    "t0": started,
                    "t1": ended,
                    "sched": scheduled,
                    "status": status,
                    "error": repr(error) if error and not status else None,
                    "id": body.get("id") if isinstance(body, dict) else None,
                    **(record or {}),
                }
            )
            + "\n"
        )
        return status, body

    def csrf_token(self) -> str:
        return next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")

    def login(self):
        """One session per simulated client (the password hash is slow by design: never per request),
        then the TOTP code for accounts with a device."""
        urls = PLAN["urls"]
        self.call("GET", urls["login"], "login")
        self.call(
            "POST",
            urls["login"],
            "login",
            data=urlencode(
                {
                    "username": self.account["email"],
                    "password": self.account["password"],
                    "csrfmiddlewaretoken": self.csrf_token(),
                }
            ),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if "totp_key" in self.account:
            self.call(
                "POST",
                urls["otp"],
                "login",
                data=urlencode(
                    {"token": totp(self.account["totp_key"]), "csrfmiddlewaretoken": self.csrf_token()}
                ),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        # Home answers 200 only to a session that owes nothing more (else: redirect to login or code).
        status, _ = self.call("GET", urls["home"], "login")
        if status != 200:
            raise RuntimeError(f"login failed for {self.account['email']} (HTTP {status})")


def totp(hex_key: str, at: float | None = None) -> str:
    """RFC 6238 code (SHA-1, 6 digits, 30 s), as django-otp's TOTPDevice checks it."""
    counter = int(at if at is not None else time.time()) // 30
    digest = hmac.new(bytes.fromhex(hex_key), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


class Landlord(PlannedUser):
    """Files a fiche per slot through the API. On a timeout, a 5xx or a lost connection it sends the
    same request again with the same Idempotency-Key (the API promises one fiche per key)."""

    kind = "landlord"
    fixed_count = PLAN["landlords"]
    rate = PLAN["filing_rate"]
    accounts = PLAN["landlord_accounts"]
    numbering = itertools.count()

    @task
    def file(self):
        scheduled = self.slot
        key = str(uuid.uuid4())
        site = self.account["sites"][int(scheduled * 1000) % len(self.account["sites"])]
        payload = {
            "site": site,
            "category": "drugs",
            "subcategory": "deal_point",
            "place_type": "hall",
            "facts_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600)),
            "urgency": "normal",
            "description": "Charge : regroupement dans le hall, échanges suspects.",
            "people_count": 3,
        }
        for attempt, backoff in enumerate(PLAN["retry_backoff"] + [None], start=1):
            status, body = self.call(
                "POST",
                "/api/v1/alerts/",
                "POST /api/v1/alerts/",
                scheduled=scheduled,
                json=payload,
                headers={"Idempotency-Key": key},
                record={"key": key, "attempt": attempt},
            )
            if status in (200, 201):
                if status == 201 and body and body.get("routed_unit"):
                    WORK.setdefault(body["routed_unit"], deque()).append([body["id"], 0])
                return
            if backoff is None or (status and status < 500):
                return  # a 4xx is a client error: sending it again cannot help
            time.sleep(backoff)


class Officer(PlannedUser):
    """Alternates the triage dashboard with work on fiches filed during the run: the fiche's page,
    then acknowledge, then take charge (API). Each fiche is handed to one client only."""

    kind = "officer"
    fixed_count = PLAN["officers"]
    rate = PLAN["triage_rate"]
    accounts = PLAN["officer_accounts"]
    numbering = itertools.count()
    turn = 0
    dashboards = 0
    etag = ""

    @task
    def triage(self):
        scheduled = self.slot
        self.turn += 1
        queue = WORK.get(self.account["unit"])
        if not queue or self.turn % 2 or not PLAN["triage_work"]:
            self.dashboard(scheduled)
            return
        item = queue.popleft()
        alert_id, step = item
        if TRIAGE_STEPS[step] == "fiche":
            url = PLAN["urls"]["fiche"].format(alert_id)
            status, _ = self.call("GET", url, "GET /fiches/<id>/", scheduled=scheduled)
        else:
            status, _ = self.call(
                "POST",
                f"/api/v1/alerts/{alert_id}/{TRIAGE_STEPS[step]}/",
                f"POST /api/v1/alerts/<id>/{TRIAGE_STEPS[step]}/",
                scheduled=scheduled,
                json={},
                record={"alert": alert_id},
            )
        if status == 200 and step + 1 < len(TRIAGE_STEPS):
            queue.appendleft([alert_id, step + 1])

    def dashboard(self, scheduled):
        """Every other load of the queue is a refresh: If-None-Match with the ETag of the last full
        page, as the page's own refresh does (an unchanged queue is then answered 304)."""
        self.dashboards += 1
        if self.dashboards % 2 == 0 and self.etag:
            self.call(
                "GET",
                PLAN["urls"]["dashboard"],
                DASHBOARD_REFRESH,
                scheduled=scheduled,
                headers={"If-None-Match": self.etag},
                record={"conditional": True},
            )
            return
        status, _ = self.call("GET", PLAN["urls"]["dashboard"], DASHBOARD, scheduled=scheduled)
        if status == 200:
            self.etag = self.last_etag
