import datetime

import pytest
from django.urls import reverse

from conventions.models import PartnershipProblem
from conventions.problems import (
    problem_create,
    problem_link_alerts,
    problem_set_action_plan,
    problem_transition,
)
from partnerships.errors import ApplicationError
from tests.conventions.factories import make_alert


@pytest.fixture
def problem(world):
    return problem_create(
        actor=world.officer, site=world.site_creil, commune=world.creil, title="Hall occupé chaque soir"
    )


def test_a_force_opens_a_problem_linking_the_fiches_that_document_it(world, login):
    fiche = make_alert(world)
    response = login(world.officer).post(
        reverse("conventions:problem_create"),
        {
            "title": "Point de deal",
            "site": world.site_creil.pk,
            "partners": [world.landlord.pk],
            "action_plan": "Présence renforcée",
            "alert_references": fiche.reference,
        },
    )

    problem = PartnershipProblem.objects.get(title="Point de deal")
    assert response.status_code == 302
    assert problem.commune == world.creil
    assert list(problem.alerts.all()) == [fiche]


def test_a_fiche_the_user_cannot_see_cannot_be_linked(world, login):
    fiche = make_alert(world, site=world.site_meru)  # routed nowhere: not the Creil station's

    response = login(world.officer).post(
        reverse("conventions:problem_create"),
        {"title": "Point de deal", "commune": world.creil.pk, "alert_references": fiche.reference},
    )

    assert "Fiche introuvable" in response.content.decode()
    assert not PartnershipProblem.objects.exists()


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("officer", 200),
        ("prefect_agent", 200),
        ("landlord_agent", 200),
        ("gendarme", 404),
        ("other_landlord_agent", 404),
        ("prefect_972", 404),
        ("mayor", 404),
    ],
)
def test_a_problem_is_visible_to_the_forces_the_prefecture_and_the_landlord_concerned(
    world, login, problem, user, status
):
    response = login(getattr(world, user)).get(reverse("conventions:problem_detail", args=[problem.pk]))

    assert response.status_code == status


def test_the_prefecture_moves_a_problem_forward_and_a_landlord_cannot(world, login, problem):
    url = reverse("conventions:problem_detail", args=[problem.pk])

    login(world.landlord_agent).post(url, {"status": "in_treatment"})
    problem.refresh_from_db()
    assert problem.status == "identified"

    login(world.prefect_agent).post(url, {"status": "in_treatment"})
    problem.refresh_from_db()
    assert problem.status == "in_treatment"
    assert "Résolu" in login(world.prefect_agent).get(url).content.decode()


def test_each_viewer_of_a_problem_sees_the_linked_fiches_it_may_see_and_only_a_count_of_the_others(
    world, login, problem
):
    own = make_alert(world)
    foreign = make_alert(world, site=world.other_site, category="drugs")
    problem.alerts.add(own, foreign)

    landlord_page = login(world.landlord_manager).get(
        reverse("conventions:problem_detail", args=[problem.pk])
    )
    prefecture_page = login(world.prefect_agent).get(reverse("conventions:problem_detail", args=[problem.pk]))

    landlord = landlord_page.content.decode()
    assert own.reference in landlord
    assert foreign.reference not in landlord
    assert "et 1 fiche que vous ne pouvez pas consulter" in landlord
    prefecture = prefecture_page.content.decode()
    assert own.reference in prefecture
    assert foreign.reference in prefecture
    assert "ne pouvez pas consulter" not in prefecture


def test_a_force_opens_a_problem_from_a_fiche_pre_filled_and_the_fiche_page_then_lists_it(world, login):
    alert = make_alert(world)
    client = login(world.officer)
    fiche_page = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    create_url = f"{reverse('conventions:problem_create')}?fiche={alert.reference}"
    assert "Ouvrir un problème à partir de cette fiche" in fiche_page

    form = client.get(create_url).context["form"]
    assert form.initial == {
        "site": world.site_creil.pk,
        "commune": world.creil.pk,
        "alert_references": alert.reference,
    }

    problem = PartnershipProblem.objects.create(
        department=world.oise,
        site=world.site_creil,
        commune=world.creil,
        title="Hall squatté",
        opened_by=world.police,
    )
    problem.alerts.add(alert)
    assert "Hall squatté" in client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()


def test_a_landlord_sees_its_fiche_s_problem_but_is_not_offered_to_open_one(world, login):
    alert = make_alert(world)
    problem = PartnershipProblem.objects.create(
        department=world.oise,
        site=world.site_creil,
        commune=world.creil,
        title="Hall squatté",
        opened_by=world.police,
    )
    problem.alerts.add(alert)

    page = login(world.landlord_agent).get(reverse("alerts:detail", args=[alert.pk])).content.decode()

    assert "Hall squatté" in page
    assert "Ouvrir un problème à partir de cette fiche" not in page


# --- Partners use the problems: landlords open them, fiches are linked and unlinked, the action plan
# and the status move forward with their history (issue 19, point 4). ---


def test_a_landlord_manager_opens_a_problem_from_its_fiche_and_sees_it_on_the_fiche_page(world, login):
    alert = make_alert(world)
    client = login(world.landlord_manager)
    fiche_page = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert "Ouvrir un problème à partir de cette fiche" in fiche_page

    response = client.post(
        f"{reverse('conventions:problem_create')}?fiche={alert.reference}",
        {"title": "Hall squatté", "site": world.site_creil.pk, "alert_references": alert.reference},
    )

    problem = PartnershipProblem.objects.get(title="Hall squatté")
    assert response.status_code == 302
    assert problem.opened_by == world.landlord
    assert list(problem.alerts.all()) == [alert]
    assert "Hall squatté" in client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert problem.events.get().action == "create"


def test_a_landlord_links_only_its_own_fiches_so_a_problem_never_groups_two_landlords_fiches_by_it(
    world, login
):
    own = make_alert(world)
    foreign = make_alert(world, site=world.other_site)  # the other landlord's estate, in Creil too
    problem = problem_create(
        actor=world.landlord_manager, site=world.site_creil, commune=world.creil, title="T"
    )

    response = login(world.landlord_manager).post(
        reverse("conventions:problem_link", args=[problem.pk]),
        {"alert_references": f"{own.reference}, {foreign.reference}"},
    )

    assert response.status_code == 200
    assert f"Fiche introuvable : {foreign.reference}" in response.content.decode()
    assert not problem.alerts.exists()
    with pytest.raises(ApplicationError):
        problem_link_alerts(actor=world.landlord_manager, problem=problem, alerts=[foreign])


def test_a_force_links_a_second_landlord_s_fiche_and_each_landlord_sees_only_its_own_in_page_and_history(
    world, login
):
    own = make_alert(world)
    foreign = make_alert(world, site=world.other_site)
    problem = problem_create(
        actor=world.landlord_manager, site=world.site_creil, commune=world.creil, title="T", alerts=[own]
    )

    response = login(world.police_manager).post(
        reverse("conventions:problem_link", args=[problem.pk]), {"alert_references": foreign.reference}
    )

    assert response.status_code == 302
    assert set(problem.alerts.all()) == {own, foreign}
    page = login(world.landlord_manager).get(reverse("conventions:problem_detail", args=[problem.pk]))
    body = page.content.decode()
    assert own.reference in body
    assert foreign.reference not in body  # neither in the linked fiches nor in the history
    assert "et 1 fiche que vous ne pouvez pas consulter" in body
    assert (
        foreign.reference
        in login(world.police_manager)
        .get(reverse("conventions:problem_detail", args=[problem.pk]))
        .content.decode()
    )


def test_a_fiche_is_unlinked_only_by_who_may_link_it(world, login):
    own = make_alert(world)
    foreign = make_alert(world, site=world.other_site)
    problem = problem_create(
        actor=world.officer, site=world.site_creil, commune=world.creil, title="T", alerts=[own, foreign]
    )

    refused = login(world.landlord_manager).post(
        reverse("conventions:problem_unlink", args=[problem.pk, foreign.pk])
    )
    done = login(world.landlord_manager).post(
        reverse("conventions:problem_unlink", args=[problem.pk, own.pk])
    )

    assert refused.status_code == 404
    assert done.status_code == 302
    assert list(problem.alerts.all()) == [foreign]
    assert problem.events.filter(action="unlink").get().data == {"alerts": [own.pk]}


def test_the_action_plan_is_edited_and_each_version_is_in_the_problem_s_history(world, login):
    problem = problem_create(
        actor=world.landlord_manager, site=world.site_creil, commune=world.creil, title="T"
    )
    url = reverse("conventions:problem_action_plan", args=[problem.pk])

    login(world.police_manager).post(url, {"action_plan": "Rondes le soir"})
    login(world.landlord_manager).post(url, {"action_plan": "Rondes le soir, badge changé"})
    invalid = login(world.landlord_manager).post(url, {"action_plan": ""})

    problem.refresh_from_db()
    assert problem.action_plan == "Rondes le soir, badge changé"
    assert invalid.status_code == 200
    assert [e.message for e in problem.events.filter(action="action_plan").order_by("id")] == [
        "Plan d'action modifié : « Rondes le soir »",
        "Plan d'action modifié : « Rondes le soir, badge changé »",
    ]
    page = login(world.prefect_agent).get(reverse("conventions:problem_detail", args=[problem.pk]))
    assert "badge changé" in page.content.decode()


def test_a_landlord_agent_and_an_uninvolved_force_cannot_change_a_problem(world, login):
    problem = problem_create(
        actor=world.landlord_manager, site=world.site_creil, commune=world.creil, title="T"
    )

    for user in (world.landlord_agent, world.gendarme, world.other_landlord_agent):
        response = login(user).post(
            reverse("conventions:problem_action_plan", args=[problem.pk]), {"action_plan": "x"}
        )
        assert response.status_code == 404
    with pytest.raises(ApplicationError):
        problem_set_action_plan(actor=world.landlord_agent, problem=problem, action_plan="x")
    problem.refresh_from_db()
    assert problem.action_plan == ""


def test_each_status_transition_stores_its_date_and_the_page_shows_them(world, login, time_machine):
    time_machine.move_to("2026-03-02 10:00:00+00:00")
    problem = problem_create(
        actor=world.landlord_manager, site=world.site_creil, commune=world.creil, title="T"
    )
    time_machine.move_to("2026-03-09 10:00:00+00:00")
    problem_transition(actor=world.police_manager, problem=problem, to_status="in_treatment")
    time_machine.move_to("2026-04-20 10:00:00+00:00")
    problem = problem_transition(actor=world.police_manager, problem=problem, to_status="resolved")

    assert (problem.opened_at.date(), problem.in_treatment_at.date(), problem.resolved_at.date()) == (
        datetime.date(2026, 3, 2),
        datetime.date(2026, 3, 9),
        datetime.date(2026, 4, 20),
    )
    page = login(world.landlord_manager).get(reverse("conventions:problem_detail", args=[problem.pk]))
    body = page.content.decode()
    assert "02/03/2026" in body
    assert "09/03/2026" in body
    assert "20/04/2026" in body
    with pytest.raises(ApplicationError):
        problem_transition(actor=world.police_manager, problem=problem, to_status="identified")


def test_the_estate_page_links_to_its_problems_and_offers_to_open_one(world, login):
    problem_create(actor=world.officer, site=world.site_creil, commune=world.creil, title="Hall squatté")
    problem_create(actor=world.officer, site=None, commune=world.creil, title="Rodéos")
    client = login(world.landlord_manager)

    page = client.get(reverse("sites:detail", args=[world.site_creil.pk])).content.decode()
    listed = client.get(reverse("conventions:problems"), {"site": world.site_creil.pk}).content.decode()
    form = client.get(reverse("conventions:problem_create"), {"site": world.site_creil.pk}).context["form"]

    assert "Problèmes sur cette résidence (1)" in page
    assert f"{reverse('conventions:problem_create')}?site={world.site_creil.pk}" in page
    assert "Hall squatté" in listed
    assert "Rodéos" not in listed
    assert form.initial == {"site": world.site_creil.pk, "commune": world.creil.pk}


def test_another_landlord_s_estate_cannot_filter_the_problem_list_nor_pre_fill_the_form(world, login):
    client = login(world.landlord_manager)

    listed = client.get(reverse("conventions:problems"), {"site": world.other_site.pk})
    form = client.get(reverse("conventions:problem_create"), {"site": world.other_site.pk}).context["form"]

    assert listed.status_code == 404
    assert form.initial == {}


def test_the_platform_itself_works_a_problem_through_the_same_services_for_demo_data(world):
    alert = make_alert(world)
    problem = problem_create(actor=world.officer, site=world.site_creil, commune=world.creil, title="T")

    problem_link_alerts(actor=None, problem=problem, alerts=[alert])
    problem_set_action_plan(actor=None, problem=problem, action_plan="Rondes")
    problem_transition(actor=None, problem=problem, to_status="in_treatment")

    problem.refresh_from_db()
    assert (problem.status, problem.action_plan, list(problem.alerts.all())) == (
        "in_treatment",
        "Rondes",
        [alert],
    )
    assert [e.action for e in problem.events.order_by("id")] == ["create", "link", "action_plan", "status"]
