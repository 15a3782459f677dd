"""Local time in a real browser, on a phone and at 1366 px: a Martinique caretaker filing at 02:36
local time sees 02:36 pre-filled, and a reader in Paris sees that time said in Martinique's zone."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from alerts.models import Alert
from partnerships.models import Role, User
from tests.browser.conftest import PHONE
from tests.factories import DEFAULT_PASSWORD, UserFactory

WIDE = {"viewport": {"width": 1366, "height": 900}}
NOW = datetime.datetime(2026, 3, 2, 6, 36, tzinfo=datetime.UTC)  # 02:36 in Fort-de-France, 07:36 in Paris


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["390", "1366"])
def test_a_martinique_fiche_is_typed_in_martinique_time_and_read_in_it_from_paris(
    world, live_server, new_page, login_as, screenshot, viewport
):
    caretaker = UserFactory(organisation=world.landlord_972, role=Role.AGENT, email="gardien@simar.mq")
    # The platform admin reads in Paris's zone (no département of their own).
    admin = User.objects.create_superuser(email="admin@passerelle.fr", password=DEFAULT_PASSWORD)
    with time_machine.travel(NOW, tick=True):
        page = new_page(viewport)
        login_as(page, live_server, caretaker)
        page.goto(f"{live_server.url}{reverse('alerts:create')}?site={world.site_972.pk}")
        assert page.input_value("input[name=facts_at]").startswith("2026-03-02T02:3")
        screenshot(page, "1-caretaker-form")
        page.select_option("select[name=category]", "drugs")
        page.select_option("select[name=subcategory]", "deal_point")
        page.select_option("select[name=place_type]", "hall")
        page.fill("input[name=facts_at]", "2026-03-02T02:30")
        page.fill("textarea[name=description]", "Regroupement dans le hall, échanges suspects.")
        page.click("button[value=submit]")
        page.locator("[data-testid=queued] [data-testid=reference]").wait_for()
        alert = Alert.objects.get(site=world.site_972)
        assert alert.facts_at == datetime.datetime(2026, 3, 2, 6, 30, tzinfo=datetime.UTC)

        reader = new_page(viewport)
        login_as(reader, live_server, admin)
        reader.goto(f"{live_server.url}{reverse('alerts:detail', args=[alert.pk])}")
        facts = reader.locator("dt:text('Faits du') + dd")
        assert facts.inner_text() == "02/03/2026 02:30 (heure de la Martinique)"
        facts.scroll_into_view_if_needed()
        screenshot(reader, "2-paris-reader")
