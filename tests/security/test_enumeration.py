"""Ids sent by the client: an id that exists elsewhere and one that exists nowhere
get the same answer, word for word, so that error messages never tell which ids exist."""

import json

import pytest

from alerts.models import Alert
from tests.alerts.factories import alert_data, filed_alert
from tests.alerts.test_pages_filing import create_url, form_data
from tests.factories import BuildingFactory

pytestmark = pytest.mark.django_db

MISSING = 987654


def post_json(client, url, payload):
    return client.generic("POST", url, data=json.dumps(payload, default=str), content_type="application/json")


def filing_payload(world, **overrides):
    return {**alert_data(), "site": world.site_creil.pk, **overrides}


def test_filing_through_the_api_with_a_building_of_another_landlord_reads_as_a_missing_one(world, client):
    foreign = BuildingFactory(site=world.other_site)
    own_other_site = BuildingFactory(site=world.site_meru)
    client.force_login(world.landlord_agent)

    answers = [
        post_json(client, "/api/v1/alerts/", filing_payload(world, building=building))
        for building in (foreign.pk, own_other_site.pk, MISSING)
    ]

    assert [a.status_code for a in answers] == [400, 400, 400]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert not Alert.objects.exists()


def test_filing_through_the_api_on_an_estate_of_another_landlord_reads_as_a_missing_one(world, client):
    client.force_login(world.landlord_agent)
    foreign = post_json(client, "/api/v1/alerts/", filing_payload(world, site=world.other_site.pk))
    missing = post_json(client, "/api/v1/alerts/", filing_payload(world, site=MISSING))
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json() == missing.json()


def test_filing_on_the_page_with_a_building_of_another_landlord_reads_as_a_missing_one(world, client):
    foreign = BuildingFactory(site=world.other_site)
    client.force_login(world.landlord_agent)

    pages = [
        client.post(create_url(world.site_creil), form_data(building=str(pk))).context["form"].errors
        for pk in (foreign.pk, MISSING)
    ]

    assert pages[0] == pages[1]
    assert "building" in pages[0]


def test_redirecting_through_the_api_to_a_unit_of_another_department_reads_as_a_missing_one(world, client):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    client.force_login(world.officer)
    url = f"/api/v1/alerts/{alert.pk}/redirect/"

    foreign = post_json(client, url, {"unit": world.police_972.pk, "reason": "Hors secteur"})
    missing = post_json(client, url, {"unit": MISSING, "reason": "Hors secteur"})
    accepted = post_json(client, url, {"unit": world.gendarmerie.pk, "reason": "Secteur de la brigade"})

    assert foreign.status_code == missing.status_code == 400
    assert foreign.json() == missing.json()
    assert accepted.status_code == 204  # redirected: the officer no longer sees the fiche
