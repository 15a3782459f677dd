"""Filing a fiche in the browser pages: estate picker, form, drafts, idempotency, duplicates, files."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.models import Alert, Status
from tests.alerts.factories import PNG, draft_alert, filed_alert, upload
from tests.factories import BuildingFactory

CREATE = reverse("alerts:create")


def form_data(**overrides):
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "category": "drugs",
        "subcategory": "deal_point",
        "place_type": "hall",
        "facts_at": (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "urgency": "normal",
        "description": "Regroupement dans le hall, échanges suspects.",
        "people_count": "3",
        "complaint": "no",
        "action": "submit",
    }
    data.update(overrides)
    return data


def create_url(site):
    return f"{CREATE}?site={site.pk}"


def test_the_estate_picker_lists_only_the_landlords_own_estates_matching_the_search(world, login):
    client = login(world.landlord_agent)

    everything = client.get(CREATE).content.decode()
    searched = client.get(CREATE, {"q": "creil"}).content.decode()

    assert "Les Hauts de Creil" in everything
    assert "La Nacre" in everything
    assert "Le Plateau" not in everything  # another landlord's estate in the same commune
    assert "Les Hauts de Creil" in searched
    assert "La Nacre" not in searched


@pytest.mark.parametrize("user_attr", ["officer", "prefect_agent", "mayor"])
def test_only_landlord_staff_may_open_the_filing_page(world, login, user_attr):
    assert login(getattr(world, user_attr)).get(CREATE).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(world, client):
    response = client.get(create_url(world.site_creil))
    assert response.status_code == 302
    assert "/connexion/" in response.url


def test_the_form_of_another_landlords_estate_is_a_404(world, login):
    client = login(world.landlord_agent)
    assert client.get(create_url(world.other_site)).status_code == 404
    assert client.post(create_url(world.other_site), form_data()).status_code == 404
    assert not Alert.objects.exists()


def test_the_form_warns_against_naming_suspects_and_leaves_the_reporter_hidden_by_default(world, login):
    page = login(world.landlord_agent).get(create_url(world.site_creil)).content.decode()

    assert "Ne nommez pas de suspect ; décrivez les faits." in page
    assert "protection des personnels de proximité" in page
    assert 'name="reporter_visible"' in page
    assert 'name="reporter_visible" checked' not in page
    assert 'name="idempotency_key"' in page


def test_transmitting_files_the_fiche_and_shows_its_reference(world, login):
    client = login(world.landlord_agent)

    response = client.post(create_url(world.site_creil), form_data(), follow=True)

    alert = Alert.objects.get()
    assert alert.status == Status.SUBMITTED
    assert alert.routed_unit == world.police
    assert alert.reporter == world.landlord_agent
    assert not alert.reporter_visible
    assert response.redirect_chain[-1][0] == reverse("alerts:confirmation", args=[alert.pk])
    assert alert.reference in response.content.decode()


def test_the_same_post_sent_twice_files_exactly_one_fiche(world, login):
    client = login(world.landlord_agent)
    data = form_data()

    first = client.post(create_url(world.site_creil), data)
    second = client.post(create_url(world.site_creil), data)

    assert Alert.objects.count() == 1
    assert first.url == second.url == reverse("alerts:confirmation", args=[Alert.objects.get().pk])


def test_a_photo_is_attached_and_a_file_of_another_type_is_refused_in_french(world, login):
    client = login(world.landlord_agent)

    client.post(create_url(world.site_creil), {**form_data(), "attachments": [upload(PNG, "hall.png")]})
    refused = client.post(
        create_url(world.site_creil),
        {
            **form_data(category="dumping", subcategory=""),
            "attachments": [upload(b"MZ\x90\x00 not an image", "photo.jpg")],
        },
    )

    assert Alert.objects.get().attachments.get().content_type == "image/png"
    assert refused.status_code == 200
    assert "Type de fichier non accepté" in refused.content.decode()
    assert Alert.objects.count() == 1  # the refused filing left nothing behind


def test_a_subcategory_of_another_category_is_refused(world, login):
    response = login(world.landlord_agent).post(
        create_url(world.site_creil), form_data(category="dumping", subcategory="deal_point")
    )

    assert response.status_code == 200
    assert "ne correspond pas à la catégorie" in response.content.decode()
    assert not Alert.objects.exists()


def test_an_immediate_danger_tells_to_call_17_first_on_the_confirmation(world, login):
    client = login(world.landlord_agent)

    response = client.post(create_url(world.site_creil), form_data(urgency="immediate"), follow=True)

    assert "appelez d'abord le 17 (ou le 112)" in response.content.decode().replace("&#x27;", "'")


def test_a_draft_is_saved_then_completed_and_transmitted(world, login):
    client = login(world.landlord_agent)

    client.post(create_url(world.site_creil), form_data(action="draft", description="Premier jet."))
    draft = Alert.objects.get()
    assert draft.status == Status.DRAFT
    assert draft.reference is None

    edit = reverse("alerts:edit", args=[draft.pk])
    assert "Premier jet." in client.get(edit).content.decode()
    response = client.post(edit, form_data(description="Version complète."))

    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert draft.description == "Version complète."
    assert response.url == reverse("alerts:confirmation", args=[draft.pk])


@pytest.mark.parametrize("user_attr", ["other_landlord_agent", "officer", "prefect_agent"])
def test_a_draft_is_a_404_outside_the_filing_organisation(world, login, user_attr):
    draft = draft_alert(site=world.site_creil, reporter=world.landlord_agent)
    client = login(getattr(world, user_attr))
    assert client.get(reverse("alerts:edit", args=[draft.pk])).status_code == 404
    assert client.get(reverse("alerts:detail", args=[draft.pk])).status_code == 404


def test_a_recent_fiche_of_the_same_estate_and_category_is_offered_before_filing_a_duplicate(world, login):
    existing = filed_alert(site=world.site_creil, reporter=world.landlord_manager)
    client = login(world.landlord_agent)
    data = form_data()

    asked = client.post(create_url(world.site_creil), data)
    assert asked.status_code == 200
    assert Alert.objects.count() == 1
    page = asked.content.decode()
    assert f"Rattacher à la fiche {existing.reference}" in page
    assert "Créer une fiche distincte" in page

    client.post(create_url(world.site_creil), {**data, "duplicate_decision": str(existing.pk)})

    new = Alert.objects.exclude(pk=existing.pk).get()
    assert new.linked_to == existing
    assert new.status == Status.SUBMITTED


def test_choosing_a_separate_fiche_files_it_without_a_link(world, login):
    filed_alert(site=world.site_creil, reporter=world.landlord_manager)
    client = login(world.landlord_agent)

    client.post(create_url(world.site_creil), {**form_data(), "duplicate_decision": "new"})

    assert Alert.objects.count() == 2
    assert Alert.objects.filter(linked_to__isnull=False).count() == 0


def test_the_picker_offers_the_agents_recent_estates_first_and_their_coordinates_on_demand(world, login):
    world.site_creil.latitude, world.site_creil.longitude = Decimal("49.2580"), Decimal("2.4750")
    world.site_creil.save()
    filed_alert(site=world.site_meru, reporter=world.landlord_agent)
    client = login(world.landlord_agent)

    page = client.get(reverse("alerts:create"))
    assert [site.pk for site in page.context["recent_sites"]] == [world.site_meru.pk]
    assert 'data-testid="near-me"' in page.content.decode()

    sites = client.get(reverse("alerts:site_positions")).json()["sites"]
    # Only the agent's landlord's estates that have a position; never another landlord's.
    assert sites == [
        {
            "url": f"?site={world.site_creil.pk}",
            "name": "Les Hauts de Creil — Creil",
            "latitude": 49.258,
            "longitude": 2.475,
        }
    ]
    assert login(world.officer).get(reverse("alerts:site_positions")).status_code == 403


def test_the_form_asks_how_many_similar_fiches_its_estate_has_before_filing_through_the_queue(world, login):
    filed_alert(site=world.site_creil, reporter=world.landlord_agent, category="drugs")
    client = login(world.landlord_agent)
    url = reverse("alerts:similar_count")

    page = client.get(reverse("alerts:create"), {"site": world.site_creil.pk}).content.decode()
    assert f'data-similar-url="{url}"' in page
    assert client.get(url, {"site": world.site_creil.pk, "category": "drugs"}).json() == {"similar": 1}
    assert client.get(url, {"site": world.site_creil.pk, "category": "squat"}).json() == {"similar": 0}
    # Another landlord's estate says nothing, not even that it exists.
    assert client.get(url, {"site": world.other_site.pk, "category": "drugs"}).status_code == 404
    assert client.get(url, {"site": "x", "category": "drugs"}).status_code == 404
    assert login(world.officer).get(url, {"site": world.site_creil.pk}).status_code == 403


def test_the_form_offers_the_building_of_the_last_fiche_on_that_estate(world, login):
    BuildingFactory(site=world.site_creil, reference="A")
    tower = BuildingFactory(site=world.site_creil, reference="T")
    filed_alert(site=world.site_creil, reporter=world.landlord_agent, building=tower)
    page = login(world.landlord_agent).get(create_url(world.site_creil))
    assert page.context["form"]["building"].value() == tower.pk
