"""The prefecture says which force is competent for an estate of a split commune, on the estate page."""

import pytest
from django.urls import reverse

from partnerships.models import AuditEntry
from partnerships.routing import competent_unit
from tests.factories import TerritoryFactory


@pytest.fixture
def split_creil(world):
    TerritoryFactory(unit=world.gendarmerie, commune=world.creil)
    return world.creil


def test_the_prefecture_sets_the_force_of_an_estate_of_a_split_commune_and_new_fiches_follow_it(
    world, login, split_creil
):
    client = login(world.prefect_agent)
    page = client.get(reverse("sites:detail", args=[world.site_creil.pk])).content.decode()
    assert "Enregistrer la force compétente" in page
    response = client.post(
        reverse("sites:force", args=[world.site_creil.pk]), {"force": "gendarmerie"}, follow=True
    )
    assert "restent dans la file de routage manuel" in response.content.decode()
    world.site_creil.refresh_from_db()
    assert world.site_creil.force == "gendarmerie"
    assert competent_unit(world.site_creil.commune_id, world.site_creil.force) == world.gendarmerie
    entry = AuditEntry.objects.get(object_type="partnerships.housingsite", object_id=str(world.site_creil.pk))
    assert (entry.actor, entry.detail["fields"]) == (world.prefect_agent, ["force"])


def test_no_force_choice_where_the_commune_is_not_split(world, login):
    client = login(world.prefect_agent)
    page = client.get(reverse("sites:detail", args=[world.site_creil.pk])).content.decode()
    assert "Enregistrer la force compétente" not in page
    response = client.post(
        reverse("sites:force", args=[world.site_creil.pk]), {"force": "gendarmerie"}, follow=True
    )
    assert "n&#x27;est pas partagée" in response.content.decode()
    world.site_creil.refresh_from_db()
    assert world.site_creil.force == ""


@pytest.mark.parametrize("who", ["landlord_manager", "landlord_agent", "police_manager", "prefect_972"])
def test_only_the_prefecture_of_the_estates_departement_sets_its_force(world, login, split_creil, who):
    client = login(getattr(world, who))
    detail = client.get(reverse("sites:detail", args=[world.site_creil.pk]))
    assert "Enregistrer la force compétente" not in detail.content.decode()
    response = client.post(reverse("sites:force", args=[world.site_creil.pk]), {"force": "gendarmerie"})
    assert response.status_code == 404
    world.site_creil.refresh_from_db()
    assert world.site_creil.force == ""
