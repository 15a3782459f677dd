from django.urls import reverse

from partnerships.models import ImportRun, ImportStatus
from tests.factories import TerritoryFactory

WIDE = {"viewport": {"width": 1366, "height": 800}}


def test_the_import_page_follows_a_running_check_and_shows_its_result_once_over(
    world, live_server, new_page, phone_page, login_as, screenshot
):
    page = new_page(WIDE)
    run = ImportRun.objects.create(
        created_by=world.landlord_manager,
        organisation=world.landlord,
        kind="sites",
        params={"fmt": "rpls", "landlord": world.landlord.pk},
        file="imports/absent.csv",
        original_name="rpls_2025.csv",
        status=ImportStatus.CHECKING,
        rows_total=100_000,
        rows_done=25_000,
    )
    url = f"{live_server.url}{reverse('imports:run', args=[run.pk])}"
    for each in (phone_page, page):
        login_as(each, live_server, world.landlord_manager)
        each.goto(url)
        assert each.locator("[data-testid=import-progress]").is_visible()
        screenshot(each, f"running-{each.viewport_size['width']}")

    # The worker finishes: the page polls its state and reloads on its own.
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportStatus.CHECKED,
        rows_done=100_000,
        summary={"created": 120, "updated": 3, "unchanged": 0, "rejected": 0, "warnings": [], "pending": []},
    )
    page.get_by_text("Vérification réussie").wait_for()
    assert page.locator("[data-testid=created]").inner_text() == "120"
    screenshot(page, "checked-1366")


def test_the_prefecture_chooses_the_force_of_an_estate_of_a_split_commune(
    world, live_server, new_page, phone_page, login_as, screenshot
):
    page = new_page(WIDE)
    TerritoryFactory(unit=world.gendarmerie, commune=world.creil)
    url = f"{live_server.url}{reverse('sites:detail', args=[world.site_creil.pk])}"
    for each in (phone_page, page):
        login_as(each, live_server, world.prefect_agent)
        each.goto(url)
        screenshot(each, f"force-{each.viewport_size['width']}")
    page.locator("label[for=id_force_1]").click()
    page.get_by_role("button", name="Enregistrer la force compétente").click()
    page.get_by_text("Force compétente enregistrée").wait_for()
    world.site_creil.refresh_from_db()
    assert world.site_creil.force == "gendarmerie"
