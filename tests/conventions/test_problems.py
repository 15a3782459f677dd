import pytest
from django.urls import reverse

from conventions.models import PartnershipProblem
from conventions.services import problem_create
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
