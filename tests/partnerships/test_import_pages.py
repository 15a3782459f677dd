from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partnerships.models import HousingSite, TerritoryAssignment
from tests.factories import UserFactory
from tests.partnerships.import_factories import OpenAlertFactory

FIXTURES = Path(__file__).parent / "fixtures"


def upload(client, kind, name, **data):
    file = SimpleUploadedFile(name, (FIXTURES / name).read_bytes(), content_type="text/csv")
    return client.post(reverse("imports:upload", args=[kind]), {"file": file, **data})


def commit_url(response):
    return reverse("imports:commit", args=[response.context["kind"], response.context["token"]])


def test_landlord_manager_previews_then_commits_its_rpls_file(world, login):
    client = login(world.landlord_manager)
    assert client.get(reverse("imports:index")).status_code == 200
    response = upload(client, "sites", "rpls_sample.csv", fmt="rpls", landlord=world.landlord.pk)
    assert response.status_code == 200
    assert response.context["summary"].created == 4
    assert not HousingSite.objects.filter(reference="P0042").exists()

    response = client.post(commit_url(response))
    assert response.context["committed"]
    assert HousingSite.objects.get(reference="P0042").landlord == world.landlord
    # The stored file is gone: the same token cannot be committed twice.
    assert client.post(commit_url(response)).status_code == 404


def test_preview_lists_every_error_by_line_and_column_in_french(world, login):
    client = login(world.landlord_manager)
    response = upload(client, "sites", "rpls_malformed.csv", fmt="rpls", landlord=world.landlord.pk)
    content = response.content.decode()
    assert len(response.context["summary"].errors) == 7
    assert "7 erreurs : rien n'a été enregistré" in content
    assert "commune « 99999 » inconnue" in content
    assert "Valider l&#x27;import" not in content


def test_landlord_manager_cannot_import_for_another_landlord(world, login):
    client = login(world.landlord_manager)
    response = upload(client, "sites", "rpls_sample.csv", fmt="rpls", landlord=world.other_landlord.pk)
    assert "form" in response.context
    assert response.context["form"].errors
    assert not HousingSite.objects.filter(reference="P0042").exists()


@pytest.mark.parametrize("who", ["landlord_agent", "officer", "mayor", "police_manager"])
def test_import_pages_are_404_for_agents_and_other_organisations(world, login, who):
    client = login(getattr(world, who))
    assert client.get(reverse("imports:index")).status_code == 404
    assert client.get(reverse("imports:upload", args=["sites"])).status_code == 404
    assert client.get(reverse("imports:upload", args=["territories"])).status_code == 404


def test_landlord_manager_cannot_reach_territories_and_nobody_can_commit_someone_elses_token(world, login):
    client = login(world.landlord_manager)
    assert client.get(reverse("imports:upload", args=["territories"])).status_code == 404
    response = upload(client, "sites", "rpls_sample.csv", fmt="rpls", landlord=world.landlord.pk)
    url = commit_url(response)
    other = UserFactory(organisation=world.landlord, role="manager", email="autre.referent@bailleur.fr")
    assert login(other).post(url).status_code == 404


def test_prefecture_imports_estates_for_a_landlord_of_its_departement_only(world, login):
    client = login(world.prefect_agent)
    form = client.get(reverse("imports:upload", args=["sites"])).context["form"]
    assert set(form.fields["landlord"].queryset) == {world.landlord, world.other_landlord}
    response = upload(client, "sites", "sites_simple.csv", fmt="simple", landlord=world.other_landlord.pk)
    client.post(commit_url(response))
    assert HousingSite.objects.get(reference="GRP-CR-01").landlord == world.other_landlord


def test_prefecture_reroutes_open_fiches_only_after_confirming(world, login):
    alert = OpenAlertFactory(site=world.site_meru, routed_unit=world.gendarmerie)
    client = login(world.prefect_agent)
    response = upload(client, "territories", "territories_move.csv", fmt="simple")
    assert response.context["summary"].confirmation_needed
    assert alert.reference in response.content.decode()

    response = client.post(commit_url(response))
    assert not response.context["committed"]
    current = TerritoryAssignment.objects.get(commune=world.meru, valid_until__isnull=True)
    assert current.unit == world.gendarmerie

    response = client.post(commit_url(response), {"confirm_reroute": "on"})
    assert response.context["committed"]
    alert.refresh_from_db()
    assert alert.routed_unit == world.police
    assert alert.events.get().author == world.prefect_agent


def test_prefecture_territory_import_ignores_communes_of_other_departements(world, login):
    client = login(world.prefect_972)
    response = upload(client, "territories", "territories_ministry.csv", fmt="ministry")
    summary = response.context["summary"]
    assert summary.ok
    assert summary.unchanged == 1
    assert summary.created == 0
