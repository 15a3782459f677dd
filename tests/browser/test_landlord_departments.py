"""The prefecture's referent says where a landlord operates, from the home page, on a phone as on a
desktop (issue 16, point 2)."""

import pytest

from tests.browser.conftest import PHONE
from tests.factories import DepartmentFactory

WIDE = {"viewport": {"width": 1366, "height": 900}}


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["390px", "1366px"])
def test_the_prefecture_referent_adds_a_departement_to_a_landlord_from_the_home_page(
    world, live_server, new_page, login_as, screenshot, viewport
):
    DepartmentFactory(code="80", name="Somme")
    page = new_page(viewport)
    login_as(page, live_server, world.prefect_agent)
    screenshot(page, "home")

    page.get_by_role("link", name=f"Modifier les départements de {world.landlord.name}").click()
    # DSFR draws the box on the label, which takes the click.
    page.locator("label", has_text="Somme (80)").click()
    assert page.get_by_label("Somme (80)").is_checked()
    screenshot(page, "form")
    page.get_by_role("button", name="Enregistrer").click()

    row = page.get_by_role("row").filter(has_text=world.landlord.name)
    assert "Somme (80)" in row.inner_text()
    assert page.get_by_text("Départements d'intervention enregistrés.").is_visible()
    screenshot(page, "saved")
