import pytest
from django.urls import reverse

from conventions.models import Convention, Signatory
from tests.factories import CorrespondentFactory


@pytest.fixture
def convention(world):
    convention = Convention.objects.create(
        title="Convention de l'Oise", department=world.oise, status="active"
    )
    for org in (world.prefecture, world.landlord, world.police):
        Signatory.objects.create(convention=convention, organisation=org)
    return convention


def test_partners_of_a_convention_read_each_others_correspondents(world, convention, client):
    CorrespondentFactory(organisation=world.police, full_name="Cdt Roussel")
    CorrespondentFactory(organisation=world.other_landlord, full_name="Mme Hors-Convention")
    client.force_login(world.landlord_agent)
    body = client.get(reverse("directory")).content.decode()
    assert "Cdt Roussel" in body
    assert "Mme Hors-Convention" not in body


def test_an_organisation_outside_every_convention_sees_only_its_own_correspondents(world, convention, client):
    CorrespondentFactory(organisation=world.police, full_name="Cdt Roussel")
    CorrespondentFactory(organisation=world.other_landlord, full_name="Mme Hors-Convention")
    client.force_login(world.other_landlord_agent)
    body = client.get(reverse("directory")).content.decode()
    assert "Mme Hors-Convention" in body
    assert "Cdt Roussel" not in body


def test_the_prefecture_reads_the_whole_departement_directory_only(world, client):
    CorrespondentFactory(organisation=world.other_landlord, full_name="Mme Oise")
    CorrespondentFactory(organisation=world.landlord_972, full_name="M. Martinique")
    client.force_login(world.prefect_agent)
    body = client.get(reverse("directory")).content.decode()
    assert "Mme Oise" in body
    assert "M. Martinique" not in body


@pytest.mark.parametrize(
    ("user_attr", "expected"),
    [
        ("landlord_agent", "Mes sites"),
        ("officer", "Mon territoire"),
        ("prefect_agent", "Bailleurs du département"),
        ("mayor", "indicateurs agrégés"),
    ],
)
def test_the_home_page_differs_by_role(world, client, user_attr, expected):
    client.force_login(getattr(world, user_attr))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_the_force_home_lists_the_units_communes(world, client):
    client.force_login(world.officer)
    body = client.get(reverse("home")).content.decode()
    assert "Creil" in body
    assert "60175" in body
    assert "Méru" not in body


def test_the_home_page_asks_for_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_logging_in_with_the_form_and_a_wrong_password_shows_a_french_error(world, client):
    response = client.post(reverse("login"), {"username": world.landlord_agent.email, "password": "faux"})
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect" in response.content.decode()


def test_logging_in_with_the_form_leads_home(world, client):
    from tests.factories import DEFAULT_PASSWORD

    response = client.post(
        reverse("login"), {"username": world.landlord_agent.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("home")
