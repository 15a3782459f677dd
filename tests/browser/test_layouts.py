"""Layouts at a phone's width (390 × 844) and a laptop's (1366 × 768): the header keeps the
« République française » block whole, lists stack instead of scrolling sideways, the filing form
shows sub-questions only when they apply, and the officer's fiche page and dashboard put the allowed
actions first and never end on a page the officer may no longer open."""

import re

import pytest
from django.urls import reverse

from alerts.models import Status
from tests.alerts.factories import filed_alert
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.django_db

LAPTOP = {"viewport": {"width": 1366, "height": 768}}
WIDTHS = {"phone": PHONE, "laptop": LAPTOP}


@pytest.fixture(params=list(WIDTHS))
def width(request):
    return request.param


@pytest.fixture
def sized_page(new_page, width):
    return new_page(WIDTHS[width])


def overflows_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")


def clipped(page, selector) -> bool:
    """The element's content is wider or taller than its box (cut text)."""
    return page.eval_on_selector(
        selector, "e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1"
    )


def test_a_long_account_label_never_cuts_the_republique_francaise_block(
    world, live_server, sized_page, width, login_as, screenshot
):
    world.officer.first_name, world.officer.last_name = "Jean-Baptiste-Marie", "de La Rochefoucauld-Montbel"
    world.officer.save()
    world.police.name = "Commissariat de police nationale de Creil — circonscription de Creil-Nogent"
    world.police.save()

    login_as(sized_page, live_server, world.officer)
    sized_page.goto(f"{live_server.url}{reverse('home')}")
    screenshot(sized_page, f"header-{width}")

    logo = sized_page.locator(".fr-header__logo .fr-logo")
    assert logo.inner_text().upper().split() == ["RÉPUBLIQUE", "FRANÇAISE"]
    assert not clipped(sized_page, ".fr-header__logo .fr-logo")
    assert not clipped(sized_page, ".fr-header__brand")
    assert not overflows_sideways(sized_page)
    account = sized_page.locator("[data-testid=current-user]")
    assert "La Rochefoucauld-Montbel" in account.get_attribute("title")
    if width == "laptop":
        # Shortened on one line beside the brand, not wrapped under it nor pushing it.
        assert account.is_visible()
        assert account.bounding_box()["x"] > logo.bounding_box()["x"] + logo.bounding_box()["width"]


def test_the_landlords_list_and_estates_read_without_scrolling_sideways(
    world, live_server, sized_page, width, login_as, screenshot
):
    for _ in range(3):
        filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    login_as(sized_page, live_server, world.landlord_agent)

    for name, url in (("list", reverse("alerts:list")), ("sites", reverse("sites:list"))):
        sized_page.goto(f"{live_server.url}{url}")
        screenshot(sized_page, f"{name}-{width}")
        assert not overflows_sideways(sized_page), name
        assert not clipped(sized_page, ".passerelle-stack table"), name

    sized_page.goto(f"{live_server.url}{reverse('alerts:list')}")
    row = sized_page.locator("[data-testid=alert-table] tbody tr").first
    category = row.locator("td[data-label='Catégorie']")
    status = row.locator("td[data-label='Statut']")
    for cell in (category, status):
        box = cell.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= WIDTHS[width]["viewport"]["width"]
    if width == "phone":
        # A card: the cells are stacked (one under the other), each with its column's name.
        assert status.bounding_box()["y"] > category.bounding_box()["y"]
        label = category.evaluate("e => getComputedStyle(e, '::before').content")
        assert label == '"Catégorie"'


def test_the_prefectures_comparison_table_scrolls_in_its_own_focusable_region_at_phone_width(
    world, live_server, sized_page, width, login_as, screenshot
):
    for site in (world.site_creil, world.site_creil, world.site_meru):
        filed_alert(site=site, reporter=world.landlord_agent)
    filed_alert(site=world.other_site, reporter=world.other_landlord_agent)
    login_as(sized_page, live_server, world.prefect_agent)

    sized_page.goto(f"{live_server.url}{reverse('conventions:comparison')}")
    screenshot(sized_page, f"comparison-{width}")

    assert not overflows_sideways(sized_page)
    region = sized_page.locator("[data-testid=unit] [role=region]")
    assert region.get_attribute("tabindex") == "0"
    assert region.get_attribute("aria-label") == "Unités"
    assert sized_page.locator("[data-testid=unit] [data-testid=small-sample]").count() >= 1
    region.focus()
    sized_page.keyboard.press("ArrowRight")  # a keyboard user scrolls the region, not the page
    assert not overflows_sideways(sized_page)


def test_the_filing_form_asks_complaint_and_victim_details_only_when_answered_yes(
    world, live_server, sized_page, width, login_as, screenshot
):
    login_as(sized_page, live_server, world.landlord_agent)
    sized_page.goto(f"{live_server.url}{reverse('alerts:create')}?site={world.site_creil.pk}")
    sized_page.wait_for_selector("[data-testid=alert-form]")
    screenshot(sized_page, f"form-common-case-{width}")

    details = ("complaint_by", "complaint_reference", "staff_victim_function", "work_stoppage")
    for name in details:
        assert not sized_page.locator(f"[name={name}]").first.is_visible(), name
    height = sized_page.evaluate("document.documentElement.scrollHeight")
    if width == "phone":
        # The common case (no victim, no complaint) within two screens of the form's own content.
        form_height = sized_page.eval_on_selector("[data-testid=alert-form]", "e => e.offsetHeight")
        assert form_height <= 2 * 844, form_height

    sized_page.click("button:has-text('Plainte et main courante')")
    sized_page.click("label[for=id_complaint_0]")  # « Oui »
    sized_page.click("label[for=id_staff_victim]")
    for name in details:
        assert sized_page.locator(f"[name={name}]").first.is_visible(), name
    assert sized_page.evaluate("document.documentElement.scrollHeight") > height
    screenshot(sized_page, f"form-complaint-and-victim-{width}")

    sized_page.click("label[for=id_complaint_2]")  # « Non »
    assert not sized_page.locator("[name=complaint_reference]").is_visible()


def test_the_officer_acknowledges_from_the_dashboard_then_finds_the_actions_first_and_lands_back_after_returning(
    world, live_server, sized_page, width, login_as, screenshot
):
    first = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    second = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    page = sized_page
    login_as(page, live_server, world.officer)
    dashboard = f"{live_server.url}{reverse('alerts:dashboard')}"

    # One tap from the dashboard, and still on the dashboard.
    page.goto(dashboard)
    screenshot(page, f"dashboard-{width}")
    assert not overflows_sideways(page)
    page.click(f"[data-testid=acknowledge-{first.pk}]")
    page.wait_for_url(re.compile(r"/fiches/file/"))
    assert "Fiche prise en compte." in page.locator(".fr-alert").first.inner_text()
    first.refresh_from_db()
    assert first.status == Status.ACKNOWLEDGED
    screenshot(page, f"dashboard-acknowledged-{width}")

    # The fiche page: allowed actions only, above the facts; the estate and its access rights.
    page.click(f'[data-testid=alert-table] a:text-is("{second.reference}")')
    page.wait_for_selector("#actions-title")
    screenshot(page, f"fiche-{width}")
    actions = page.locator("#actions-title").bounding_box()
    assert actions["y"] < page.locator(".passerelle-facts").bounding_box()["y"]
    assert actions["y"] < page.locator("[data-testid=timeline]").bounding_box()["y"]
    assert actions["y"] < 844, "the actions are on the first screen"
    assert page.locator("[data-testid=action-acknowledge]").is_visible()
    for absent in ("reopen", "route"):
        # Not offered: the status (not closed) or the officer's role (routing is the prefecture's).
        assert page.locator(f"[data-testid=action-{absent}]").count() == 0
    site = page.locator("[data-testid=site]")
    assert world.site_creil.address in site.inner_text()
    assert "CSI L272-1" in site.inner_text()
    assert "CSI L272-2" in site.inner_text()
    assert site.locator("a").get_attribute("href") == reverse("sites:detail", args=[world.site_creil.pk])
    assert not overflows_sideways(page)

    page.emulate_media(media="print")
    screenshot(page, f"fiche-print-{width}")
    assert not page.locator("#actions-title").is_visible()
    assert not page.locator(".fr-header__tools").is_visible()
    assert page.locator("[data-testid=timeline]").is_visible()
    page.emulate_media(media="screen")

    # Returning the fiche takes it away: back on the dashboard, with the message, not on a 404.
    page.click("button[aria-controls=action-return]")
    page.select_option("select[name=return-reason]", "out_of_area")
    page.click("[data-testid=action-return] button[type=submit]")
    page.wait_for_url(re.compile(r"/fiches/file/"))
    assert "Fiche renvoyée à la préfecture pour routage." in page.locator(".fr-alert").first.inner_text()
    assert second.reference not in page.locator("[data-testid=alert-table]").inner_text()
    screenshot(page, f"after-return-{width}")
