"""Issue 16, point 2: a landlord operates in an explicit list of départements, kept on the organisation
and set by its prefecture's managers or a platform administrator (its own département always kept)."""

import html

import pytest
from django.urls import reverse

from partnerships.errors import ApplicationError
from partnerships.models import AuditEntry, Role, User
from partnerships.permissions import organisation_policy
from partnerships.services.organisations import organisation_set_departments
from tests.factories import CommuneFactory, DepartmentFactory, HousingSiteFactory, UserFactory


@pytest.fixture
def somme(db):
    return DepartmentFactory(code="80", name="Somme")


def codes(organisation) -> set[str]:
    return set(organisation.departments.values_list("code", flat=True))


def departments_url(organisation) -> str:
    return reverse("organisation:departments", args=[organisation.pk])


def test_setting_departments_keeps_the_own_one_implicit_and_writes_an_audit_entry(world, somme):
    landlord = world.landlord

    organisation_set_departments(
        actor=world.prefect_agent, organisation=landlord, departments=[world.oise, somme, world.martinique]
    )

    assert codes(landlord) == {"80", "972"}
    assert landlord.operating_department_ids() == {"60", "80", "972"}
    entry = AuditEntry.objects.get(object_type="partnerships.organisation", object_id=str(landlord.pk))
    assert entry.actor == world.prefect_agent
    assert entry.department_id == "60"
    assert entry.detail == {"departments": [[], ["80", "972"]]}


def test_an_unchanged_list_writes_nothing(world, somme):
    organisation_set_departments(actor=world.prefect_agent, organisation=world.landlord, departments=[somme])

    organisation_set_departments(actor=world.prefect_agent, organisation=world.landlord, departments=[somme])

    assert AuditEntry.objects.filter(object_type="partnerships.organisation").count() == 1


def test_a_department_where_the_landlord_still_has_estates_cannot_be_removed(world, somme):
    organisation_set_departments(actor=world.prefect_agent, organisation=world.landlord, departments=[somme])
    amiens = CommuneFactory(insee_code="80021", name="Amiens", department=somme)
    HousingSiteFactory(landlord=world.landlord, commune=amiens)

    with pytest.raises(ApplicationError) as refused:
        organisation_set_departments(actor=world.prefect_agent, organisation=world.landlord, departments=[])

    assert refused.value.code == "departments_with_sites"
    assert codes(world.landlord) == {"80"}


def test_only_a_landlord_has_departments(world, somme):
    with pytest.raises(ApplicationError):
        organisation_set_departments(actor=None, organisation=world.police, departments=[somme])


def test_the_prefecture_manager_sets_a_landlords_departments_from_the_home_page(world, somme, client):
    client.force_login(world.prefect_agent)
    home = html.unescape(client.get(reverse("home")).content.decode())
    assert departments_url(world.landlord) in home
    assert departments_url(world.landlord_972) not in home  # another département's landlord

    page = client.get(departments_url(world.landlord))
    assert page.status_code == 200
    assert 'value="80"' in page.content.decode()
    assert 'value="60"' not in page.content.decode()  # its own: always kept, not offered
    assert "Son propre département, Oise (60), en fait toujours partie." in html.unescape(
        page.content.decode()
    )

    response = client.post(departments_url(world.landlord), {"departments": ["80"]}, follow=True)

    assert codes(world.landlord) == {"80"}
    assert "Somme (80)" in html.unescape(response.content.decode())  # back home, in the landlords' table


def test_a_refused_change_is_shown_on_the_form(world, somme, client):
    organisation_set_departments(actor=world.prefect_agent, organisation=world.landlord, departments=[somme])
    amiens = CommuneFactory(insee_code="80021", name="Amiens", department=somme)
    HousingSiteFactory(landlord=world.landlord, commune=amiens)
    client.force_login(world.prefect_agent)

    response = client.post(departments_url(world.landlord), {})

    assert response.status_code == 200
    assert "encore des sites" in html.unescape(response.content.decode())
    assert codes(world.landlord) == {"80"}


def test_a_platform_administrator_sets_any_landlords_departments(world, somme, client):
    admin = User.objects.create_superuser(email="admin@plateforme.fr", password="x")
    client.force_login(admin)

    client.post(departments_url(world.landlord_972), {"departments": ["80"]})

    assert codes(world.landlord_972) == {"80"}
    assert set(organisation_policy.instances(admin)) == {
        world.landlord,
        world.other_landlord,
        world.landlord_972,
    }


@pytest.mark.parametrize(
    "role",
    ["landlord_manager", "landlord_agent", "police_manager", "mayor", "prefect_972", "agent_of_prefecture"],
)
def test_other_roles_meet_404_and_change_nothing(world, somme, client, role):
    if role == "agent_of_prefecture":
        user = UserFactory(organisation=world.prefecture, role=Role.AGENT)
    else:
        user = getattr(world, role)
    client.force_login(user)

    assert client.get(departments_url(world.landlord)).status_code == 404
    assert client.post(departments_url(world.landlord), {"departments": ["80"]}).status_code == 404
    assert codes(world.landlord) == set()
    assert departments_url(world.landlord) not in client.get(reverse("home")).content.decode()


def test_the_page_of_an_organisation_that_is_not_a_landlord_does_not_exist(world, client):
    client.force_login(world.prefect_agent)

    assert client.get(departments_url(world.police)).status_code == 404
