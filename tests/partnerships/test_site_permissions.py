"""Who sees which estate: pages and API, every role, 404 for the unseen."""

import pytest
from django.urls import reverse

from partnerships.models import AuditEntry
from partnerships.permissions import site_policy


def visible(world, user):
    return set(site_policy.instances(user, "view").values_list("name", flat=True))


def test_a_landlord_agent_sees_only_its_own_estates(world):
    assert visible(world, world.landlord_agent) == {"Les Hauts de Creil", "La Nacre", "Le Moulin"}


def test_a_police_officer_sees_the_estates_of_its_territory_whatever_the_landlord(world):
    assert visible(world, world.officer) == {"Les Hauts de Creil", "Le Plateau"}


def test_a_gendarme_sees_the_estates_of_its_brigade(world):
    assert visible(world, world.gendarme) == {"La Nacre"}


def test_a_force_manager_also_sees_the_units_below(world):
    assert visible(world, world.ddsp_manager) == {"Les Hauts de Creil", "Le Plateau"}


def test_the_prefecture_sees_its_whole_departement_only(world):
    assert visible(world, world.prefect_agent) == {
        "Les Hauts de Creil",
        "La Nacre",
        "Le Moulin",
        "Le Plateau",
    }
    assert visible(world, world.prefect_972) == {"Cité Dillon"}


def test_a_mayor_sees_no_estate(world):
    assert visible(world, world.mayor) == set()


def test_guardian_grants_and_the_list_selector_agree_for_the_owner(world):
    from partnerships.models import HousingSite

    for user in (world.landlord_agent, world.other_landlord_agent):
        by_grant = {s.name for s in HousingSite.objects.all() if site_policy.has_permission(user, "view", s)}
        assert by_grant == visible(world, user)


def test_only_a_landlord_manager_may_change_its_estates(world):
    assert site_policy.has_permission(world.landlord_manager, "change", world.site_creil)
    assert not site_policy.has_permission(world.landlord_agent, "change", world.site_creil)
    assert not site_policy.has_permission(world.landlord_manager, "change", world.other_site)
    assert not site_policy.has_permission(world.prefect_agent, "change", world.site_creil)


@pytest.mark.parametrize(
    ("user_attr", "site_attr", "status"),
    [
        ("landlord_agent", "site_creil", 200),
        ("landlord_agent", "other_site", 404),
        ("landlord_agent", "site_972", 404),
        ("other_landlord_agent", "site_creil", 404),
        ("officer", "site_creil", 200),
        ("officer", "site_meru", 404),
        ("gendarme", "site_meru", 200),
        ("prefect_agent", "other_site", 200),
        ("prefect_agent", "site_972", 404),
        ("mayor", "site_creil", 404),
    ],
)
def test_estate_page_and_api_answer_404_to_whoever_may_not_see_it(
    world, client, user_attr, site_attr, status
):
    client.force_login(getattr(world, user_attr))
    site = getattr(world, site_attr)
    assert client.get(reverse("sites:detail", args=[site.pk])).status_code == status
    assert client.get(f"/api/v1/sites/{site.pk}/").status_code == status


def test_anonymous_users_are_sent_to_login_or_refused(world, client):
    site = world.site_creil
    response = client.get(reverse("sites:detail", args=[site.pk]))
    assert response.status_code == 302
    assert "/connexion/" in response.url
    assert client.get("/api/v1/sites/").status_code in (401, 403)


def test_a_guessed_id_of_a_missing_estate_is_404_like_a_forbidden_one(world, client):
    client.force_login(world.landlord_agent)
    assert client.get(reverse("sites:detail", args=[999999])).status_code == 404
    assert client.get("/api/v1/sites/999999/").status_code == 404
    assert client.get("/api/v1/sites/abc/").status_code == 404


def test_the_api_list_shows_only_visible_estates(world, client):
    client.force_login(world.landlord_agent)
    data = client.get("/api/v1/sites/").json()
    assert {s["name"] for s in data["results"]} == {"Les Hauts de Creil", "La Nacre", "Le Moulin"}
    assert data["count"] == 3


def test_the_page_list_shows_only_visible_estates(world, client):
    client.force_login(world.other_landlord_agent)
    body = client.get(reverse("sites:list")).content.decode()
    assert "Le Plateau" in body
    assert "Les Hauts de Creil" not in body


def test_a_landlord_manager_updates_its_estate_through_the_api(world, client):
    client.force_login(world.landlord_manager)
    response = client.patch(
        f"/api/v1/sites/{world.site_creil.pk}/", {"dwellings": 250}, content_type="application/json"
    )
    assert response.status_code == 200
    world.site_creil.refresh_from_db()
    assert world.site_creil.dwellings == 250


def test_a_landlord_agent_cannot_update_an_estate(world, client):
    client.force_login(world.landlord_agent)
    response = client.patch(
        f"/api/v1/sites/{world.site_creil.pk}/", {"dwellings": 1}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "référent" in response.json()["message"]


def test_another_landlord_cannot_update_an_estate_it_cannot_see(world, client):
    client.force_login(world.other_landlord_agent)
    response = client.patch(
        f"/api/v1/sites/{world.site_creil.pk}/", {"dwellings": 1}, content_type="application/json"
    )
    assert response.status_code == 404


def test_site_list_page_and_api_keep_a_constant_number_of_queries(
    world, client, django_assert_max_num_queries
):
    from tests.factories import HousingSiteFactory

    client.force_login(world.prefect_agent)
    client.get(reverse("sites:list"))
    # 11: the page's header counts the user's unread notifications.
    with django_assert_max_num_queries(11) as few:
        client.get(reverse("sites:list"))
        client.get("/api/v1/sites/")
    HousingSiteFactory.create_batch(15, landlord=world.landlord, commune=world.creil)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("sites:list"))
        client.get("/api/v1/sites/")


def test_the_openapi_schema_documents_the_sites_endpoint(world, client):
    client.force_login(world.landlord_agent)
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert "/api/v1/sites/" in response.json()["paths"]


def test_a_forbidden_estate_shows_the_french_404_page(world, client):
    client.force_login(world.landlord_agent)
    response = client.get(reverse("sites:detail", args=[world.other_site.pk]))
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_an_estate_update_is_audited_with_its_actor_and_the_changed_fields_not_their_values(world, client):
    client.force_login(world.landlord_manager)
    url = f"/api/v1/sites/{world.site_creil.pk}/"
    client.patch(url, {"dwellings": 250, "name": world.site_creil.name}, content_type="application/json")
    client.patch(url, {"dwellings": 250}, content_type="application/json")  # no change, no entry

    [entry] = AuditEntry.objects.filter(object_type="partnerships.housingsite")
    assert (entry.action, entry.actor, entry.object_id) == (
        "change",
        world.landlord_manager,
        str(world.site_creil.pk),
    )
    assert (entry.department_id, entry.detail) == (
        world.oise.pk,
        {"event": "update", "fields": ["dwellings"]},
    )


def admin_form(world, **fields):
    return {
        "landlord": world.landlord.pk,
        "name": "Les Tilleuls",
        "reference": "GRP-0099",
        "address": "1 rue des Tilleuls",
        "commune": world.creil.pk,
        "dwellings": 40,
        "buildings-TOTAL_FORMS": 0,
        "buildings-INITIAL_FORMS": 0,
        **fields,
    }


def test_an_estate_saved_in_the_admin_goes_through_the_services(world, client):
    from partnerships.models import HousingSite
    from tests.factories import UserFactory

    admin = UserFactory(organisation=None, is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.post(reverse("admin:partnerships_housingsite_add"), admin_form(world))
    assert response.status_code == 302
    site = HousingSite.objects.get(reference="GRP-0099")
    assert world.landlord_manager.has_perm("partnerships.change_housingsite", site)
    client.post(
        reverse("admin:partnerships_housingsite_change", args=[site.pk]), admin_form(world, dwellings=42)
    )

    created, changed = AuditEntry.objects.filter(object_type="partnerships.housingsite").order_by("id")
    assert (created.action, created.actor, created.object_id) == ("create", admin, str(site.pk))
    assert (changed.action, changed.actor, changed.detail["fields"]) == ("change", admin, ["dwellings"])
