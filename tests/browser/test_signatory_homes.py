"""A mayor and the parquet each open their home: figures, conventions, meetings (the parquet's
without nominative fiches while its convention keeps them closed)."""

import datetime

import pytest
from django.urls import reverse

from conventions.models import Meeting, MeetingKind
from partnerships.models import OrganisationKind, Role
from tests.browser.conftest import PHONE
from tests.conventions.factories import make_alert, make_convention
from tests.factories import OrganisationFactory, UserFactory

WIDE = {"viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def signed(world):
    parquet = OrganisationFactory(
        kind=OrganisationKind.PARQUET, department=world.oise, name="Parquet de Senlis"
    )
    convention = make_convention(
        world,
        title="Convention de Creil",
        organisations=[world.prefecture, world.landlord, world.ddsp, world.mairie, parquet],
    )
    make_alert(world, convention=convention)
    Meeting.objects.create(
        convention=convention,
        kind=MeetingKind.STEERING,
        date=datetime.date(2026, 6, 1),
        minutes="Bilan partagé",
    )
    world.mayor.role = Role.MANAGER
    world.mayor.save()
    return UserFactory(organisation=parquet, role=Role.MANAGER, email="substitut@justice.fr")


@pytest.mark.parametrize("options", [WIDE, "phone"], ids=["1366", "390"])
def test_a_mayor_opens_a_home_with_its_communes_figures_its_conventions_and_the_map(
    world, signed, live_server, new_page, login_as, screenshot, options
):
    page = new_page(PHONE if options == "phone" else options)
    login_as(page, live_server, world.mayor)

    assert page.url == f"{live_server.url}{reverse('home')}"
    assert page.locator("[data-testid=home-figures]").is_visible()
    assert page.locator("[data-testid=home-map]").is_visible()
    assert "Convention de Creil" in page.locator("[data-testid=home-conventions]").inner_text()
    screenshot(page, "mayor-home")


@pytest.mark.parametrize("options", [WIDE, "phone"], ids=["1366", "390"])
def test_the_parquet_opens_a_home_with_its_conventions_figures_and_minutes_but_no_fiche(
    world, signed, live_server, new_page, login_as, screenshot, options
):
    page = new_page(PHONE if options == "phone" else options)
    login_as(page, live_server, signed)

    assert page.locator("[data-testid=home-figures]").is_visible()
    assert "Bilan partagé" in page.locator("[data-testid=home-meetings]").inner_text()
    assert page.locator("[data-testid=home-no-fiches]").is_visible()
    assert "/admin/" not in page.content()
    screenshot(page, "parquet-home")


@pytest.mark.parametrize("options", [WIDE, "phone"], ids=["1366", "390"])
def test_a_force_manager_opens_its_next_periodic_point_s_agenda_from_its_convention(
    world, live_server, new_page, login_as, screenshot, options
):
    convention = make_convention(
        world,
        title="Convention de Creil",
        organisations=[world.prefecture, world.landlord, world.police],
        periodic_review_months=6,
        effective_from=datetime.date(2026, 1, 1),
    )
    make_alert(world, convention=convention)
    page = new_page(PHONE if options == "phone" else options)
    login_as(page, live_server, world.police_manager)

    page.goto(f"{live_server.url}{reverse('conventions:detail', args=[convention.pk])}")
    page.get_by_role("link", name="Ce que mon organisation doit faire").click()

    agenda = page.locator("[data-testid=periodic-agenda]")
    assert world.landlord.name in agenda.inner_text()
    assert "1 fiche transmise" in agenda.inner_text()
    screenshot(page, "partner-page")
