"""Local time in a real browser, on a phone and at 1366 px: a caretaker filing on a Martinique estate
at 02:36 local time sees 02:36 pre-filled; their landlord's manager, in the Oise (Paris time), reads
every time of that fiche said in Martinique's zone, and the Martinique prefecture reads it bare."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from alerts.models import Alert
from partnerships.models import Role
from tests.browser.conftest import PHONE
from tests.factories import HousingSiteFactory, UserFactory

WIDE = {"viewport": {"width": 1366, "height": 900}}
NOW = datetime.datetime(2026, 3, 2, 6, 36, tzinfo=datetime.UTC)  # 02:36 in Fort-de-France, 07:36 in Paris
# A date and time as the pages write them, with the zone's name when there is one.
TIME = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}(?: \([^)]*\))?")


def times_on(page) -> list[str]:
    return TIME.findall(page.locator("main").inner_text())


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["390", "1366"])
def test_a_martinique_fiche_is_typed_in_martinique_time_and_read_in_it_from_paris(
    world, live_server, new_page, login_as, screenshot, viewport
):
    # A landlord of the Oise (Paris time) that also has estates in Martinique.
    world.landlord.departments.add(world.martinique)
    estate = HousingSiteFactory(
        landlord=world.landlord, commune=world.fdf, name="Résidence Bellevue", postal_code="97200"
    )
    caretaker = UserFactory(organisation=world.landlord, role=Role.AGENT, email="gardien@bellevue.mq")
    with time_machine.travel(NOW, tick=True):
        page = new_page(viewport)
        login_as(page, live_server, caretaker)
        page.goto(f"{live_server.url}{reverse('alerts:create')}?site={estate.pk}")
        assert page.input_value("input[name=facts_at]").startswith("2026-03-02T02:3")
        screenshot(page, "1-caretaker-form")
        page.select_option("select[name=category]", "drugs")
        page.select_option("select[name=subcategory]", "deal_point")
        page.select_option("select[name=place_type]", "hall")
        page.fill("input[name=facts_at]", "2026-03-02T02:30")
        page.fill("textarea[name=description]", "Regroupement dans le hall, échanges suspects.")
        page.click("button[value=submit]")
        page.locator("[data-testid=queued] [data-testid=reference]").wait_for()
        alert = Alert.objects.get(site=estate)
        assert alert.facts_at == datetime.datetime(2026, 3, 2, 6, 30, tzinfo=datetime.UTC)
        fiche = f"{live_server.url}{reverse('alerts:detail', args=[alert.pk])}"

        # The landlord's manager, in the Oise: every time of the fiche is Martinique's, and says so.
        manager = new_page(viewport)
        login_as(manager, live_server, world.landlord_manager)
        manager.goto(fiche)
        facts = manager.locator("dt:text('Faits du') + dd")
        assert facts.inner_text() == "02/03/2026 02:30 (heure de la Martinique)"
        times = times_on(manager)
        assert len(times) >= 3, times  # the facts, the filing, the timeline at least
        assert all(time.endswith(" (heure de la Martinique)") for time in times), times
        facts.scroll_into_view_if_needed()
        screenshot(manager, "2-oise-landlord-manager")

        # The Martinique prefecture reads the same times with no zone named.
        local = new_page(viewport)
        login_as(local, live_server, world.prefect_972)
        local.goto(fiche)
        assert local.locator("dt:text('Faits du') + dd").inner_text() == "02/03/2026 02:30"
        times = times_on(local)
        assert len(times) >= 3, times
        assert not [time for time in times if "(" in time], times
        screenshot(local, "3-martinique-prefecture")
