"""Linking two fiches of two landlords (issue 16, point 4): the unit or the prefecture handling both
links them, both stay open, and each reader is shown only the linked fiches it may see."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from alerts import services
from alerts.models import Alert, AlertEvent, AlertLink, EventKind, Status
from partnerships.errors import ApplicationError
from partnerships.models import AuditEntry
from tests.alerts.factories import filed_alert


@pytest.fixture
def pair(world):
    """Two fiches on the same facts at Creil, one per landlord, both routed to the Commissariat."""
    ours = filed_alert(site=world.site_creil, reporter=world.landlord_agent, description="Squat hall A")
    theirs = filed_alert(
        site=world.other_site, reporter=world.other_landlord_agent, description="Squat hall B"
    )
    assert ours.routed_unit_id == theirs.routed_unit_id == world.police.pk
    return ours, theirs


def linked_references(client, alert):
    response = client.get(reverse("alerts:detail", args=[alert.pk]))
    assert response.status_code == 200
    return [linked.reference for linked in response.context["links"]]


def test_the_unit_links_fiches_of_two_landlords_and_both_stay_open(world, pair):
    ours, theirs = pair
    audited = AuditEntry.objects.count()

    services.alert_link(actor=world.officer, alert=ours, other=theirs)

    assert AlertLink.objects.filter(from_alert=ours, to_alert=theirs, created_by=world.officer).exists()
    assert {a.status for a in Alert.objects.filter(pk__in=[ours.pk, theirs.pk])} == {Status.SUBMITTED}
    for alert in (ours, theirs):
        event = AlertEvent.objects.get(alert=alert, kind=EventKind.LINK)
        # Each landlord reads its own timeline: it must not learn the other's reference.
        assert ours.reference not in event.message
        assert theirs.reference not in event.message
        assert not event.data
    assert AuditEntry.objects.count() == audited + 2


def test_the_prefecture_of_the_departement_may_link_too(world, pair):
    services.alert_link(actor=world.prefect_agent, alert=pair[0], other=pair[1])
    assert AlertLink.objects.count() == 1


@pytest.mark.parametrize("role", ["landlord_agent", "landlord_manager", "gendarme", "prefect_972", "mayor"])
def test_whoever_does_not_handle_both_fiches_cannot_link_them(world, pair, role):
    ours, theirs = pair
    with pytest.raises(PermissionDenied):
        services.alert_link(actor=getattr(world, role), alert=ours, other=theirs)
    assert not AlertLink.objects.exists()


def test_a_fiche_the_unit_does_not_handle_is_refused_like_a_missing_one(world, pair):
    elsewhere = filed_alert(site=world.site_meru, reporter=world.landlord_agent)  # the gendarmerie's
    with pytest.raises(ApplicationError, match="Aucune fiche visible ne porte cette référence") as caught:
        services.alert_link(actor=world.officer, alert=pair[0], other=elsewhere)
    assert caught.value.code == "invalid_link"
    with pytest.raises(ApplicationError, match="Aucune fiche visible"):
        services.alert_link(actor=world.officer, alert=pair[0], other=pair[0])


def test_a_pair_is_linked_once_whichever_way_round(world, pair):
    ours, theirs = pair
    services.alert_link(actor=world.officer, alert=ours, other=theirs)
    with pytest.raises(ApplicationError, match="déjà liées"):
        services.alert_link(actor=world.officer, alert=theirs, other=ours)
    # The database guards it too, and a fiche is never linked to itself.
    for from_alert, to_alert in ((theirs, ours), (ours, ours)):
        with pytest.raises(IntegrityError), transaction.atomic():
            AlertLink.objects.create(from_alert=from_alert, to_alert=to_alert)


def test_the_fiche_page_links_by_reference_and_shows_each_reader_only_what_it_may_see(world, pair, login):
    ours, theirs = pair
    client = login(world.officer)
    response = client.post(
        reverse("alerts:transition", args=[ours.pk, "link"]), {"link-other": theirs.reference.lower()}
    )
    assert response.status_code == 302
    assert AlertLink.objects.filter(from_alert=ours, to_alert=theirs).exists()
    assert linked_references(client, ours) == [theirs.reference]
    assert linked_references(client, theirs) == [ours.reference]

    for role, alert, other in (("landlord_agent", ours, theirs), ("other_landlord_agent", theirs, ours)):
        reader = login(getattr(world, role))
        assert linked_references(reader, alert) == []
        page = reader.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
        assert other.reference not in page
        assert "Lier à une autre fiche" not in page


def test_a_missing_and_a_foreign_reference_get_the_same_message_on_the_page(world, pair, login):
    foreign = filed_alert(site=world.site_meru, reporter=world.landlord_agent)  # the gendarmerie's
    client = login(world.officer)
    said = []
    for reference in (foreign.reference, "FA-60-2099-999999"):
        response = client.post(
            reverse("alerts:transition", args=[pair[0].pk, "link"]),
            {"link-other": reference},
        )
        # The fiche again, the link form unfolded with its error tied to the reference field.
        forms = {action["name"]: action["form"] for action in response.context["form_actions"]}
        said.append(forms["link"].errors["other"])
        assert "Aucune fiche visible ne porte cette référence." in response.content.decode()
    assert said[0] == said[1] == ["Aucune fiche visible ne porte cette référence."]
    assert not AlertLink.objects.exists()


def test_the_api_links_and_its_detail_lists_only_the_visible_linked_fiches(world, pair):
    ours, theirs = pair
    api = APIClient()
    api.force_authenticate(world.officer)
    foreign = filed_alert(site=world.site_meru, reporter=world.landlord_agent)
    missing = api.post(f"/api/v1/alerts/{ours.pk}/link/", {"other": "FA-60-2099-999999"}, format="json")
    hidden = api.post(f"/api/v1/alerts/{ours.pk}/link/", {"other": foreign.reference}, format="json")
    assert missing.status_code == hidden.status_code == 400
    assert missing.json() == hidden.json()

    response = api.post(f"/api/v1/alerts/{ours.pk}/link/", {"other": theirs.reference}, format="json")
    assert response.status_code == 200
    assert response.json()["links"] == [{"id": theirs.pk, "reference": theirs.reference}]

    api.force_authenticate(world.other_landlord_agent)
    detail = api.get(f"/api/v1/alerts/{theirs.pk}/")
    assert detail.json()["links"] == []
    assert ours.reference not in detail.content.decode()
    events = api.get(f"/api/v1/alerts/{theirs.pk}/events/").json()
    assert [e["data"] for e in events if e["kind"] == EventKind.LINK] == [{}]
    assert ours.reference not in str(events)
