import datetime

from django.urls import reverse
from django.utils import timezone

from conventions.services import action_item_create, commitment_create, meeting_create
from tests.browser.conftest import SCREENSHOTS
from tests.conventions.factories import make_alert, make_convention


def square(x, y, size=0.05):
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]],
    }


def total_fiches(page) -> str:
    return page.locator("[data-testid=key-figures] tbody tr").first.locator("td").last.inner_text().strip()


def test_a_prefecture_user_opens_a_convention_filters_its_indicators_for_a_landlord_and_downloads_the_bilan(
    world, live_server, page, login_as, screenshot
):
    for commune, (x, y) in (
        (world.creil, (2.45, 49.25)),
        (world.meru, (2.13, 49.23)),
        (world.nowhere, (2.30, 49.40)),
    ):
        commune.outline = square(x, y, 0.08)
        commune.save()
    for site, dwellings in ((world.site_creil, 400), (world.site_meru, 250), (world.other_site, 300)):
        site.dwellings = dwellings
        site.save()
    convention = make_convention(world, periodic_review_months=6)
    commitment_create(
        actor=None,
        convention=convention,
        text="Protection des personnels de proximité",
        responsible=[world.landlord, world.ddsp],
        status="in_progress",
    )
    meeting = meeting_create(
        actor=None,
        convention=convention,
        kind="periodic",
        date=datetime.date(2025, 3, 4),
        attendees=[world.landlord, world.ddsp],
        minutes="Point sur les halls de Creil.",
    )
    action_item_create(
        actor=None, meeting=meeting, text="Diagnostic de sûreté des halls", owner=world.landlord
    )
    now = timezone.now()
    hours = datetime.timedelta(hours=1)
    for days, site, ack in (
        (2, world.site_creil, 2),
        (20, world.site_creil, 5),
        (40, world.site_creil, 30),
        (70, world.site_meru, 1),
        (75, world.other_site, 8),
        (100, world.other_site, None),
    ):
        make_alert(
            world,
            convention=convention,
            site=site,
            submitted_at=now - datetime.timedelta(days=days),
            ack_after=ack * hours if ack else None,
        )

    login_as(page, live_server, world.prefect_agent)
    page.goto(f"{live_server.url}{reverse('conventions:list')}")
    page.click(f"text={convention.title}")
    assert page.locator("h1").inner_text() == convention.title
    assert "en retard" in page.locator("[data-testid=periodic-reviews]").inner_text().lower()
    screenshot(page, "convention")
    page.click("main a:has-text('Indicateurs')")  # the convention's, not the menu's (département)

    assert total_fiches(page) == "6"
    page.select_option("select[name=landlord]", label=world.landlord.name)
    page.click("button:has-text('Filtrer')")
    page.wait_for_url(lambda url: "landlord=" in url)
    assert total_fiches(page) == "4"
    assert page.locator("[data-testid=hotspots]").inner_text().count("Les Hauts de Creil") == 1
    assert page.locator("[data-testid=commune-map] path.pa-commune").count() == 3
    screenshot(page, "indicators")
    page.locator("[data-testid=commune-map]").screenshot(path=str(SCREENSHOTS / "prefecture-map.png"))

    with page.expect_download() as download:
        page.click("a:has-text('Bilan (PDF)')")
    assert download.value.suggested_filename.startswith(f"bilan-convention-{convention.pk}-")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    with page.expect_download() as download:
        page.click("a:has-text('Fiches (CSV)')")
    assert download.value.suggested_filename == f"fiches-convention-{convention.pk}.csv"
