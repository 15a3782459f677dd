"""What the fiche page reads in the fiche's own query (selectors.fiche_get) gives the answers the
separate reads give, for every role; the blank action forms come from their rendered HTML; the
timeline is built in Python and escapes what users wrote."""

import pytest
from django.urls import reverse

from alerts import selectors, services
from alerts.forms import CloseForm, CommentForm
from alerts.models import Alert
from alerts.permissions import alert_policy
from alerts.services.common import revoke_unit
from alerts.views import fiche as fiche_views
from conventions import selectors as conventions_selectors
from partnerships.permissions import site_policy
from tests.alerts.factories import PNG, alert_data, upload

SEEING = ["landlord_agent", "landlord_manager", "officer", "police_manager", "ddsp_manager", "prefect_agent"]
ASKED = ["view", "change", "file", "route"]


@pytest.fixture
def alert(world):
    return services.alert_file(
        actor=world.landlord_agent,
        site=world.site_creil,
        data=alert_data(),
        attachments=[upload(PNG, "hall.png")],
    )


def page_read(user, alert):
    return selectors.fiche_get(
        user=user, pk=alert.pk, extra=conventions_selectors.fiche_problems_annotations(user)
    )


@pytest.mark.parametrize("user_attr", SEEING)
def test_the_fiche_read_with_its_answers_agrees_with_the_separate_checks_for_every_role(
    world, alert, user_attr
):
    user = getattr(world, user_attr)
    fiche = page_read(user, alert)

    for action in ASKED:
        plain = Alert.objects.get(pk=alert.pk)
        assert alert_policy.has_permission(user, action, fiche) == alert_policy.has_permission(
            user, action, plain
        ), action
    assert selectors.can_open_site(user, fiche) == site_policy.has_permission(user, "view", alert.site)
    assert conventions_selectors.fiche_problems(
        user=user, alert=fiche
    ) == conventions_selectors.fiche_problems(user=user, alert=Alert.objects.get(pk=alert.pk))


def test_a_revoked_grant_is_read_at_once_with_the_fiche(world, alert):
    fiche = page_read(world.officer, alert)
    assert alert_policy.can(world.officer, "acknowledge", fiche)

    revoke_unit(alert, world.police)

    # The routed unit keeps its row (routed_unit) but lost its guardian grant: the page must say no.
    assert not alert_policy.can(world.officer, "acknowledge", page_read(world.officer, alert))


def test_a_fiche_read_for_one_user_never_answers_the_grants_of_another(world, alert):
    revoke_unit(alert, world.police)
    fiche = page_read(world.landlord_agent, alert)
    assert alert_policy.has_permission(world.landlord_agent, "file", fiche)

    # The landlord's grant was read with the fiche; the officer's (revoked) is not the landlord's.
    assert not alert_policy.has_permission(world.officer, "change", fiche)


def test_the_links_and_problems_of_a_fiche_are_read_only_when_it_has_some(
    world, alert, django_assert_num_queries
):
    fiche = page_read(world.officer, alert)
    with django_assert_num_queries(0):
        assert list(selectors.alert_links(user=world.officer, alert=fiche)) == []
        assert conventions_selectors.fiche_problems(user=world.officer, alert=fiche)["problems"] == []

    other = services.alert_file(actor=world.landlord_agent, site=world.site_creil, data=alert_data())
    services.alert_link(actor=world.officer, alert=alert, other=other)
    assert [
        a.pk for a in selectors.alert_links(user=world.officer, alert=page_read(world.officer, alert))
    ] == [other.pk]


def test_blank_action_forms_come_from_their_rendered_html_and_a_sent_form_never_does(
    world, login, alert, monkeypatch
):
    monkeypatch.setattr(fiche_views, "BLANK_FORM_HTML", {})
    client = login(world.officer)
    client.get(reverse("alerts:detail", args=[alert.pk]))
    key = (CommentForm, "comment", "fr")
    assert fiche_views.BLANK_FORM_HTML[key] == str(CommentForm(prefix="comment"))

    fiche_views.BLANK_FORM_HTML[key] = "<p>rendu en cache</p>"
    fiche_views.BLANK_FORM_HTML[(CloseForm, "close", "fr")] = "<p>clôture en cache</p>"
    assert "rendu en cache" in client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()

    services.alert_acknowledge(actor=world.officer, alert=alert)
    alert.refresh_from_db()
    sent = client.post(
        reverse("alerts:transition", args=[alert.pk, "close"]),
        {"version": alert.version, "close-comment": "x"},
    )
    page = sent.content.decode()
    assert sent.status_code == 200
    assert "clôture en cache" not in page
    assert 'id="id_close-outcome"' in page


def test_the_timeline_escapes_what_users_wrote(world, login, alert):
    services.alert_comment(actor=world.officer, alert=alert, message="<script>alert(1)</script> & co")

    page = login(world.officer).get(reverse("alerts:detail", args=[alert.pk])).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page


def test_the_fiche_page_shows_its_estate_landlord_unit_and_convention_as_they_are_now(world, login, alert):
    client = login(world.officer)
    client.get(reverse("alerts:detail", args=[alert.pk]))  # read into the reference cache

    site = alert.site
    site.name, site.address = "Résidence des Tilleuls", "4 rue Neuve"
    site.save()
    world.police.name = "Commissariat de Creil-Nogent"
    world.police.save()
    landlord = alert.landlord
    landlord.name = "Oise Habitat renommé"
    landlord.save()

    page = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert "Résidence des Tilleuls" in page
    assert "4 rue Neuve" in page
    assert "Commissariat de Creil-Nogent" in page
    assert "Oise Habitat renommé" in page
