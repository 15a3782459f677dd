"""The fiche page, its action forms and its attachments, for every role (404 for whoever may not see it)."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from alerts import services
from alerts.models import Alert, Status
from tests.alerts.factories import PNG, alert_data, filed_alert, upload

# Who may see a fiche of the landlord's Creil estate, routed to the Commissariat de Creil.
ROLES = [
    ("landlord_agent", 200),
    ("landlord_manager", 200),
    ("other_landlord_agent", 404),
    ("officer", 200),
    ("police_manager", 200),
    ("ddsp_manager", 200),
    ("gendarme", 404),
    ("prefect_agent", 200),
    ("prefect_972", 404),
    ("mayor", 404),
]


def filed_with_photo(site, reporter, name="hall.png"):
    return services.alert_file(actor=reporter, site=site, data=alert_data(), attachments=[upload(PNG, name)])


@pytest.fixture
def alert(world):
    return filed_with_photo(world.site_creil, world.landlord_agent)


def detail(alert):
    return reverse("alerts:detail", args=[alert.pk])


def transition(alert, action):
    return reverse("alerts:transition", args=[alert.pk, action])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(("user_attr", "status"), ROLES)
def test_the_fiche_and_its_attachments_answer_404_to_whoever_may_not_see_them(
    world, login, alert, user_attr, status
):
    client = login(getattr(world, user_attr))
    attachment = alert.attachments.get()

    assert client.get(detail(alert)).status_code == status
    download = client.get(reverse("alerts:attachment", args=[alert.pk, attachment.pk]))
    assert download.status_code == status
    if status == 200:
        assert b"".join(download.streaming_content) == attachment.file.open("rb").read()


@pytest.mark.parametrize(("user_attr", "status"), [r for r in ROLES if r[1] == 404])
def test_posting_an_action_on_an_unseen_fiche_is_a_404_and_changes_nothing(
    world, login, alert, user_attr, status
):
    client = login(getattr(world, user_attr))

    assert client.post(transition(alert, "comment"), {"comment-message": "Vu."}).status_code == 404
    assert client.post(transition(alert, "acknowledge")).status_code == 404

    alert.refresh_from_db()
    assert alert.status == Status.SUBMITTED
    assert alert.events.filter(kind="comment").count() == 0


def test_anonymous_visitors_never_reach_a_fiche_nor_its_files(world, client, alert):
    attachment = alert.attachments.get()
    for url in (detail(alert), reverse("alerts:attachment", args=[alert.pk, attachment.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert "/connexion/" in response.url


def test_an_attachment_of_another_fiche_is_a_404_even_through_a_visible_fiche(world, login, alert):
    other = filed_with_photo(world.other_site, world.other_landlord_agent, "autre.png")
    url = reverse("alerts:attachment", args=[alert.pk, other.attachments.get().pk])
    assert login(world.landlord_agent).get(url).status_code == 404


def test_the_reporter_is_hidden_from_the_force_unless_they_agreed(world, login, alert):
    officer_page = login(world.officer).get(detail(alert)).content.decode()
    landlord_page = login(world.landlord_agent).get(detail(alert)).content.decode()

    assert world.landlord_agent.email not in officer_page
    assert "Un agent de" in officer_page
    assert world.landlord_agent.email in landlord_page


def test_the_officer_sees_the_force_actions_and_the_landlord_does_not(world, login, alert):
    officer_page = login(world.officer).get(detail(alert)).content.decode()
    landlord_page = login(world.landlord_agent).get(detail(alert)).content.decode()

    for action in ("acknowledge", "feedback", "close", "redirect", "return"):
        assert transition(alert, action) in officer_page
        assert transition(alert, action) not in landlord_page
    assert transition(alert, "comment") in landlord_page


def test_the_officer_acknowledges_then_gives_feedback_that_the_landlord_reads(world, login, alert):
    officer = login(world.officer)

    acknowledged = officer.post(transition(alert, "acknowledge"))
    officer.post(transition(alert, "feedback"), {"feedback-message": "Patrouille passée à 22 h."})

    alert.refresh_from_db()
    assert acknowledged.url == detail(alert)
    assert messages_of(acknowledged) == ["Fiche prise en compte."]
    assert alert.status == Status.ACKNOWLEDGED
    assert alert.first_feedback_at is not None
    landlord_page = login(world.landlord_agent).get(detail(alert)).content.decode()
    assert "Patrouille passée à 22 h." in landlord_page


def test_an_illegal_transition_shows_a_french_error_and_changes_nothing(world, login, alert):
    services.alert_acknowledge(actor=world.officer, alert=alert)
    alert.refresh_from_db()
    version = alert.version

    response = login(world.officer).post(transition(alert, "acknowledge"))

    assert response.status_code == 302
    assert messages_of(response) == [
        "Impossible de prendre en compte une fiche au statut « Prise en compte »."
    ]
    alert.refresh_from_db()
    assert alert.status == Status.ACKNOWLEDGED
    assert alert.version == version


def test_a_landlord_trying_a_force_action_gets_an_error_and_nothing_changes(world, login, alert):
    response = login(world.landlord_agent).post(transition(alert, "acknowledge"))

    assert response.status_code == 302
    assert messages_of(response)[0].startswith("Vous n'êtes pas autorisé")
    alert.refresh_from_db()
    assert alert.status == Status.SUBMITTED


def test_closing_requires_an_outcome(world, login, alert):
    officer = login(world.officer)

    missing = officer.post(transition(alert, "close"), {"close-outcome": ""})
    alert.refresh_from_db()
    assert alert.status == Status.SUBMITTED
    # The fiche again, the close form unfolded with its error tied to the outcome field.
    assert missing.status_code == 200
    page = missing.content.decode()
    assert '<a href="#id_close-outcome">Suite donnée : Ce champ est obligatoire.</a>' in page
    assert 'aria-invalid="true" aria-describedby="id_close-outcome-desc-error"' in page
    assert page.count("fr-collapse--expanded") == 1
    assert "<title>Erreur : " in page

    officer.post(
        transition(alert, "close"), {"close-outcome": "patrol", "close-comment": "Présence renforcée."}
    )
    alert.refresh_from_db()
    assert alert.status == Status.CLOSED
    assert alert.outcome == "patrol"


def test_redirecting_to_the_gendarmerie_hands_the_fiche_over(world, login, alert):
    officer = login(world.officer)

    officer.post(
        transition(alert, "redirect"),
        {"redirect-unit": world.gendarmerie.pk, "redirect-reason": "Faits à Méru."},
    )

    alert.refresh_from_db()
    assert alert.routed_unit == world.gendarmerie
    assert officer.get(detail(alert)).status_code == 404
    assert login(world.gendarme).get(detail(alert)).status_code == 200


def test_internal_comments_stay_inside_the_organisation(world, login, alert):
    login(world.officer).post(
        transition(alert, "comment"), {"comment-message": "Note interne police.", "comment-internal": "on"}
    )
    login(world.landlord_agent).post(
        transition(alert, "comment"), {"comment-message": "Merci de votre passage."}
    )

    officer_page = login(world.officer).get(detail(alert)).content.decode()
    landlord_page = login(world.landlord_agent).get(detail(alert)).content.decode()
    assert "Note interne police." in officer_page
    assert "Merci de votre passage." in officer_page
    assert "Note interne police." not in landlord_page


def test_an_attachment_added_from_the_fiche_is_sniffed_and_refused_in_french_when_wrong(world, login, alert):
    client = login(world.officer)

    ok = client.post(transition(alert, "attach"), {"attach-uploaded_file": upload(PNG, "constat.png")})
    refused = client.post(
        transition(alert, "attach"), {"attach-uploaded_file": upload(b"<html>", "page.jpg")}
    )

    assert messages_of(ok) == ["Pièce jointe ajoutée."]
    assert messages_of(refused)[-1].startswith("Type de fichier non accepté")
    assert alert.attachments.count() == 2


def test_an_officer_merges_a_duplicate_into_a_fiche_by_its_reference(world, login, alert):
    duplicate = filed_alert(site=world.site_creil, reporter=world.landlord_manager)

    login(world.officer).post(transition(duplicate, "merge"), {"merge-into": alert.reference.lower()})

    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED
    assert duplicate.duplicate_of == alert


def test_merging_into_a_fiche_the_officer_cannot_see_is_refused(world, login, alert):
    meru = filed_alert(site=world.site_meru, reporter=world.landlord_agent)

    response = login(world.officer).post(transition(alert, "merge"), {"merge-into": meru.reference})

    assert response.status_code == 200
    assert "Aucune fiche visible" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == Status.SUBMITTED


def test_an_unknown_action_is_a_404(world, login, alert):
    assert login(world.officer).post(transition(alert, "delete")).status_code == 404


def test_the_landlord_reopens_a_closed_fiche(world, login, alert):
    services.alert_close(actor=world.officer, alert=alert, outcome="patrol")

    login(world.landlord_agent).post(transition(alert, "reopen"), {"reopen-reason": "Les faits reprennent."})

    assert Alert.objects.get(pk=alert.pk).status == Status.SUBMITTED


def test_the_prefecture_routes_a_fiche_without_unit_from_the_fiche_page(world, login):
    orphan = filed_alert(site=world.site_nowhere, reporter=world.landlord_agent)
    client = login(world.prefect_agent)

    page = client.get(detail(orphan)).content.decode()
    assert transition(orphan, "route") in page
    assert transition(orphan, "acknowledge") not in page
    client.post(transition(orphan, "route"), {"route-unit": world.gendarmerie.pk})

    orphan.refresh_from_db()
    assert orphan.routed_unit == world.gendarmerie
    assert orphan.status == Status.SUBMITTED


def test_a_draft_page_offers_its_filer_to_complete_and_transmit_it(world, login):
    draft = services.alert_create_draft(actor=world.landlord_agent, site=world.site_creil, data=alert_data())
    page = login(world.landlord_manager).get(detail(draft)).content.decode()
    assert reverse("alerts:edit", args=[draft.pk]) in page


def test_the_fiche_page_runs_a_constant_number_of_queries_whatever_the_timeline(
    world, login, alert, django_assert_max_num_queries
):
    client = login(world.officer)

    def queries():
        with django_assert_max_num_queries(60) as captured:
            assert client.get(detail(alert)).status_code == 200
        return len(captured.captured_queries)

    services.alert_comment(actor=world.officer, alert=alert, message="Premier passage.")
    # The first view reads the estate, its landlord and its unit into the reference cache (three
    # queries), which the next views of any fiche of theirs read without a query.
    assert queries() == 8
    few = queries()
    for n in range(10):
        services.alert_comment(actor=world.landlord_agent, alert=alert, message=f"Relance {n}.")
        services.alert_add_attachment(
            actor=world.officer, alert=alert, uploaded_file=upload(PNG, f"p{n}.png")
        )
    assert queries() == few
    # Pinned: the session with its user, organisation and the header's count of unread notifications
    # (one query, partnerships/auth/session_store.py),
    # the fiche (its estate, landlord and unit from the reference cache; in the same query the
    # guardian grants its buttons ask, whether the reader may open the estate's page, whether it has
    # linked fiches or partnership problems and whether the reader may open one from it:
    # selectors.fiche_get), the units of the redirect form, the audit entry of the view, the
    # timeline.
    assert few == 5


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("redirect", {"redirect-reason": "Faits à Méru."}, "Fiche réorientée."),
        ("return", {"return-reason": "out_of_area"}, "Fiche renvoyée à la préfecture pour routage."),
    ],
)
def test_an_officer_whose_action_hands_the_fiche_away_lands_on_the_dashboard_with_the_message(
    world, login, alert, action, data, message
):
    if action == "redirect":
        data = {**data, "redirect-unit": world.gendarmerie.pk}

    response = login(world.officer).post(transition(alert, action), data)

    assert response.url == reverse("alerts:dashboard")
    assert messages_of(response) == [message]


def test_the_officer_goes_back_to_the_filtered_dashboard_the_fiche_was_opened_from(world, login, alert):
    officer = login(world.officer)
    dashboard = reverse("alerts:dashboard") + "?status=submitted"
    page = officer.get(detail(alert), HTTP_REFERER=f"http://testserver{dashboard}").content.decode()
    assert f'name="back" value="{dashboard}"' in page.replace("&amp;", "&")

    response = officer.post(transition(alert, "return"), {"return-reason": "out_of_area", "back": dashboard})

    assert response.url == dashboard


def test_an_action_that_keeps_the_fiche_visible_stays_on_the_fiche(world, login, alert):
    response = login(world.prefect_agent).post(
        transition(alert, "redirect"), {"redirect-unit": world.gendarmerie.pk, "redirect-reason": "Méru."}
    )

    assert response.url == detail(alert)


def test_the_fiche_page_offers_only_the_allowed_actions_and_above_the_facts_and_timeline(world, login, alert):
    services.alert_acknowledge(actor=world.officer, alert=alert)
    alert.refresh_from_db()

    page = login(world.officer).get(detail(alert)).content.decode()

    assert transition(alert, "acknowledge") not in page
    assert transition(alert, "reopen") not in page
    assert transition(alert, "route") not in page
    assert page.index('data-testid="action-feedback"') < page.index('data-testid="timeline"')
    assert page.index('id="actions-title"') < page.index('class="passerelle-facts"')


def test_the_fiche_page_shows_the_estate_address_its_link_and_its_access_flags(world, login, alert):
    site = alert.site
    site.entry_authorisation = True
    site.video_transmission = False
    site.save()

    page = login(world.officer).get(detail(alert)).content.decode()

    assert site.address in page
    assert reverse("sites:detail", args=[site.pk]) in page
    assert "accès aux parties communes (CSI L272-1)" in page
    assert "Pas de transmission des images (CSI L272-2)" in page
