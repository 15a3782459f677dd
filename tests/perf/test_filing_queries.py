"""Filing a fiche (issue #7): its queries do not grow with the routed unit's members, grants are written
in one INSERT per organisation and the outbox keeps each e-mail key exactly once."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import get_perms
from rest_framework.test import APIClient

from alerts.models import Alert, AlertGroupObjectPermission, OutboxEmail
from alerts.notifications import notify, unit_members
from partnerships.services.permissions import grant
from tests.alerts.factories import alert_data, filed_alert
from tests.factories import UserFactory

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
    assert few <= 30
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
    assert all(row.pk for row in again + twice)
