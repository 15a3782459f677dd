"""Filing a fiche: its queries do not grow with the routed unit's members, grants are written
in one INSERT per organisation and the outbox keeps each e-mail key exactly once."""

import datetime
import threading
import time
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import get_perms
from rest_framework.test import APIClient

from alerts.models import Alert, AlertGroupObjectPermission, OutboxEmail
from alerts.notifications import notify, unit_members
from alerts.services import filing
from partnerships.services.permissions import grant
from tests.alerts.factories import alert_data, filed_alert
from tests.conventions.factories import make_convention
from tests.factories import BuildingFactory, UserFactory

pytestmark = pytest.mark.django_db


def file_one(client, site) -> tuple[int, dict]:
    data = alert_data()
    body = {"site": site.pk, **data, "facts_at": data["facts_at"].isoformat()}
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/api/v1/alerts/", body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert response.status_code == 201, response.json()
    return len(captured.captured_queries), response.json()


def test_filing_runs_the_same_queries_for_1_and_for_6_members_of_the_unit(world):
    client = APIClient()
    client.force_authenticate(world.landlord_agent)
    unit = world.officer.organisation
    file_one(client, world.site_creil)  # per-process caches (content types, permissions) warm up
    few, _ = file_one(client, world.site_creil)

    UserFactory.create_batch(5, organisation=unit)
    many, filed = file_one(client, world.site_creil)

    assert many == few
    # Pinned: the reference number (PostgreSQL: one INSERT ... ON CONFLICT ... RETURNING;
    # elsewhere a get_or_create, a locked read and an UPDATE, two more queries); the fiche's INSERT
    # … ON CONFLICT on its idempotency key (no lookup first), already transmitted (reference, unit,
    # convention, deadlines: no UPDATE follows); the landlord's and the unit's grants, the draft's
    # and the transmission's audit entries, their timeline lines and the upsert that marks its
    # queues changed (alerts.queues: the landlord's, the unit's, the département's) in one statement
    # (PostgreSQL: compiled_inserts, three INSERTs as WITH clauses; elsewhere four); the unit's
    # members; their notifications and their e-mails in one statement (PostgreSQL: the
    # notifications' INSERT as the WITH clause of the outbox's; elsewhere two); the test's
    # transaction adds a savepoint and its release. The landlord's estate, the competent unit, the
    # conventions in force, the response delays and the webhook endpoints are cached reference data
    # (partnerships/reference_cache.py).
    assert few == (7 if connection.vendor == "postgresql" else 13)
    members = unit_members(unit)
    assert len(members) >= 6
    emails = OutboxEmail.objects.filter(key__startswith=f"alert_new:{filed['id']}:")
    assert sorted(e.to[0] for e in emails) == sorted(u.email for u in members)


def test_a_filed_fiche_is_granted_to_the_landlord_and_the_unit_once(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    grant(organisation=world.officer.organisation, perms=["alerts.view_alert"], obj=alert)

    rows = AlertGroupObjectPermission.objects.filter(content_object=alert)
    assert rows.count() == 4
    assert set(get_perms(world.landlord_agent, alert)) == {"view_alert", "change_alert"}
    assert set(get_perms(world.officer, alert)) == {"view_alert", "change_alert"}
    assert get_perms(world.gendarme, alert) == []


def test_granting_a_queryset_gives_every_object_each_permission(world):
    filed = [filed_alert(site=world.site_meru, reporter=world.landlord_agent) for _ in range(2)]
    grant(
        organisation=world.prefect_agent.organisation,
        perms=["alerts.view_alert"],
        obj=Alert.objects.filter(pk__in=[a.pk for a in filed]),
    )
    for alert in filed:
        assert get_perms(world.prefect_agent, alert) == ["view_alert"]


def test_notifying_the_same_change_twice_queues_each_email_once(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    recipients = [world.officer, world.police_manager]
    before = OutboxEmail.objects.count()

    again = notify(recipients=recipients, alert=alert, kind="test", message="Essai")
    assert len(again) == 2
    assert notify(recipients=recipients, alert=alert, kind="test", message="Essai") == []
    # The same recipient twice in one call: the failed bulk INSERT falls back to one row per key.
    twice = notify(recipients=[world.gendarme, world.gendarme], alert=alert, kind="test", message="Essai")
    assert len(twice) == 1
    assert OutboxEmail.objects.count() == before + 3
    assert all(isinstance(pk, int) for pk in again + twice)


@pytest.mark.parametrize("site_name", ["site_creil", "site_nowhere"])
def test_the_answer_to_a_filing_is_what_reading_the_fiche_answers(world, site_name):
    """The 201 is built from the objects in hand, not read again: it must match a GET field for field
    (routed or in the prefecture queue, with a convention, a building, a link and a complaint)."""
    site = getattr(world, site_name)
    convention = make_convention(world, all_sites_of_signatories=True)
    earlier = filed_alert(site=site, reporter=world.landlord_agent)
    building = BuildingFactory(site=site)
    client = APIClient()
    client.force_authenticate(world.landlord_agent)
    paris = datetime.timezone(datetime.timedelta(hours=2))
    facts_at = (datetime.datetime.now(paris) - datetime.timedelta(hours=3)).isoformat()
    body = {
        "site": site.pk,
        **alert_data(),
        "facts_at": facts_at,
        "building": building.pk,
        "link_to": earlier.pk,
        "description": "  Regroupement dans le hall, échanges suspects.  ",
        "complaint": "filed",
        "complaint_by": "landlord",
        "complaint_date": timezone.localdate().isoformat(),
        "complaint_reference": "PV 2026/123",
        "staff_victim": True,
        "staff_victim_function": "caretaker",
        "reporter_visible": False,
    }
    filed = client.post("/api/v1/alerts/", body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert filed.status_code == 201, filed.json()
    read = client.get(f"/api/v1/alerts/{filed.json()['id']}/")
    assert filed.json() == read.json()
    assert filed.json()["linked_to_reference"] == earlier.reference
    assert filed.json()["building"] == building.pk
    assert filed.json()["convention"] == convention.pk


@pytest.mark.django_db(transaction=True)
def test_a_resend_racing_the_first_request_gets_its_fiche_as_a_replay(world, monkeypatch):
    """The client resends while the first request is still filing: the second INSERT waits for the
    first to commit, then finds the key taken. It answers the fiche filed, 200, not an error."""
    if connection.vendor != "postgresql":
        pytest.skip("needs two concurrent transactions (PostgreSQL)")
    key, results = str(uuid.uuid4()), {}
    announced, release = threading.Event(), threading.Event()
    announce = filing.announce_routing

    def announce_then_wait(alert, **kwargs):
        announce(alert, **kwargs)
        if threading.current_thread().name == "first":
            announced.set()
            release.wait(20)

    monkeypatch.setattr(filing, "announce_routing", announce_then_wait)
    body = {"site": world.site_creil.pk, **alert_data()}
    body["facts_at"] = body["facts_at"].isoformat()

    def post():
        client = APIClient()
        client.force_authenticate(world.landlord_agent)
        try:
            results[threading.current_thread().name] = client.post(
                "/api/v1/alerts/", body, format="json", HTTP_IDEMPOTENCY_KEY=key
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post, name=name) for name in ("first", "second")]
    threads[0].start()
    assert announced.wait(20)
    threads[1].start()
    deadline = time.monotonic() + 20
    with connection.cursor() as cursor:  # until the second request waits on the first's INSERT
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
            time.sleep(0.05)
    release.set()
    for thread in threads:
        thread.join(20)

    assert results["first"].status_code == 201, results["first"].json()
    assert results["second"].status_code == 200, results["second"].json()
    assert results["second"].json()["id"] == results["first"].json()["id"]
    assert Alert.objects.count() == 1
