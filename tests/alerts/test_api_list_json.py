"""The API list's rows built in plain Python (alerts/api/plain.py PlainListSerializer) are the
JSON DRF's serializer gives, byte for byte: every field, choice labels, related names and ids, a
fiche's times with its own département's offset, null fields (no routed unit, no feedback, no outcome)."""

import pytest
from rest_framework import serializers

from alerts import services
from alerts.api.plain import PlainListSerializer, _plain_reader
from alerts.api.serializers import AlertListSerializer
from alerts.models import Outcome
from tests.alerts.factories import filed_alert
from tests.factories import UserFactory


@pytest.fixture
def fiches(world):
    agent_972 = UserFactory(organisation=world.landlord_972, email="agent@simar.fr")
    fresh = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    acknowledged = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    services.alert_acknowledge(actor=world.officer, alert=acknowledged)
    answered = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    services.alert_feedback(actor=world.officer, alert=answered, message="Patrouille passée à 22 h.")
    closed = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    services.alert_close(actor=world.officer, alert=closed, outcome=Outcome.PATROL)
    martinique = filed_alert(site=world.site_972, reporter=agent_972)
    return [fresh, acknowledged, answered, closed, martinique]


@pytest.mark.parametrize(
    "user_attr", ["officer", "landlord_agent", "prefect_agent", "prefect_972", "police_manager"]
)
@pytest.mark.parametrize("query", ["", "?page_size=2", "?page_size=2&page=2", "?status=closed"])
def test_the_plain_list_is_drfs_json_byte_for_byte(world, login, fiches, monkeypatch, user_attr, query):
    client = login(getattr(world, user_attr))
    url = f"/api/v1/alerts/{query}"
    plain = client.get(url)

    monkeypatch.setattr(
        PlainListSerializer, "to_representation", serializers.ListSerializer.to_representation
    )
    drf = client.get(url)

    assert plain.status_code == drf.status_code
    assert plain.content == drf.content
    if plain.status_code != 404:  # page 2 of the one Martinique fiche
        assert plain.json()["results"] or query == "?status=closed"


def test_the_plain_list_shows_a_martinique_fiche_with_its_own_offset_and_its_nulls(world, login, fiches):
    rows = login(world.prefect_972).get("/api/v1/alerts/").json()["results"]

    assert [row["id"] for row in rows] == [fiches[-1].pk]
    assert rows[0]["submitted_at"].endswith("-04:00")
    assert rows[0]["latest_feedback"] is None
    assert rows[0]["outcome"] == ""


def test_the_api_list_serializes_its_rows_with_the_plain_list():
    assert isinstance(AlertListSerializer(many=True), PlainListSerializer)


def test_every_field_of_the_api_list_has_a_plain_reader_built_once_for_the_class():
    # Else the list still works (DRF's own path for that field), but copies the fields per request.
    assert all(_plain_reader(field) for field in AlertListSerializer()._readable_fields)
