"""A partnership problem worked by the partners (issue 19, point 4): a landlord's manager opens it
from its fiche, the police manager links a second fiche, writes the action plan and moves it to « En
traitement » then « Résolu »; the convention's indicators count it identified and resolved."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser.conftest import PHONE
from tests.conventions.factories import make_alert, make_convention

WIDE = {"viewport": {"width": 1366, "height": 900}}


@pytest.mark.parametrize("options", [WIDE, "phone"], ids=["1366", "390"])
def test_a_landlord_opens_a_problem_from_its_fiche_and_the_police_links_plans_and_resolves_it(
    world, live_server, new_page, login_as, screenshot, options
):
    convention = make_convention(
        world, title="Convention de Creil", organisations=[world.prefecture, world.landlord, world.police]
    )
    now = timezone.now()
    first = make_alert(world, convention=convention, submitted_at=now)
    second = make_alert(world, convention=convention, submitted_at=now)
    viewport = PHONE if options == "phone" else options

    landlord = new_page(viewport)
    login_as(landlord, live_server, world.landlord_manager)
    landlord.goto(f"{live_server.url}{reverse('alerts:detail', args=[first.pk])}")
    landlord.get_by_role("link", name="Ouvrir un problème à partir de cette fiche").click()
    landlord.fill("#id_title", "Hall B occupé chaque soir")
    landlord.fill("#id_description", "Regroupements dans le hall, boîtes aux lettres forcées.")
    screenshot(landlord, "problem-form")
    landlord.get_by_role("button", name="Enregistrer").click()
    landlord.wait_for_url("**/problemes/*/")
    assert first.reference in landlord.locator("[data-testid=linked-fiches]").inner_text()
    problem_url = landlord.url

    police = new_page(viewport)
    login_as(police, live_server, world.police_manager)
    police.goto(f"{live_server.url}{reverse('conventions:problems')}")
    police.get_by_role("link", name="Hall B occupé chaque soir").click()
    police.fill("#id_alert_references", second.reference)
    police.get_by_role("button", name="Lier les fiches").click()
    assert second.reference in police.locator("[data-testid=linked-fiches]").inner_text()
    police.get_by_role("link", name="Modifier le plan d'action").click()
    police.fill("#id_action_plan", "Patrouilles à 21 h ; serrure du hall changée par le bailleur.")
    police.get_by_role("button", name="Enregistrer").click()
    police.get_by_role("button", name="Passer à « En traitement »").click()
    police.get_by_role("button", name="Passer à « Résolu »").click()

    assert police.locator("[data-testid=problem-status]").text_content().strip() == "Résolu"
    assert "Patrouilles à 21 h" in police.locator("[data-testid=action-plan]").inner_text()
    timeline = police.locator("[data-testid=timeline]").inner_text()
    for line in ("Problème ouvert", "1 fiche liée", "Plan d'action modifié", "En traitement → Résolu"):
        assert line in timeline
    screenshot(police, "problem-resolved")

    # The landlord reads the same history, and the dates of each step.
    landlord.goto(problem_url)
    steps = landlord.locator("[data-testid=problem-steps]").inner_text()
    assert steps.count(timezone.localdate().strftime("%d/%m/%Y")) == 3

    police.goto(f"{live_server.url}{reverse('conventions:convention_indicators', args=[convention.pk])}")
    figures = police.locator("[data-testid=key-figures]")
    assert (
        figures.locator("tr", has_text="Problèmes partenariaux identifiés").locator("td").last.inner_text()
        == "1"
    )
    assert (
        figures.locator("tr", has_text="Problèmes partenariaux résolus").locator("td").last.inner_text()
        == "1"
    )
    screenshot(police, "indicators")
