from django.urls import reverse


def site_names(page):
    return page.locator("[data-testid=site-table] tbody td:first-child").all_inner_texts()


def test_a_landlord_agent_logs_in_and_sees_only_the_estates_of_their_organisation(
    world, live_server, page, login_as, screenshot
):
    login_as(page, live_server, world.landlord_agent)

    assert page.url == f"{live_server.url}{reverse('home')}"
    assert page.locator("h1").inner_text() == world.landlord.name
    # The État's design system really loaded: without its CSS the page falls back to the browser's serif.
    assert "Marianne" in page.evaluate("getComputedStyle(document.body).fontFamily")
    own = {world.site_creil.name, world.site_meru.name, world.site_nowhere.name}
    assert set(site_names(page)) == own
    screenshot(page, "home")

    page.goto(f"{live_server.url}{reverse('sites:list')}")
    assert set(site_names(page)) == own
    assert "Le Plateau" not in page.content()
    screenshot(page, "sites")


def test_a_landlord_agent_on_a_phone_guessing_the_url_of_another_landlords_estate_gets_a_404(
    world, live_server, phone_page, login_as, screenshot
):
    login_as(phone_page, live_server, world.landlord_agent)

    response = phone_page.goto(f"{live_server.url}{reverse('sites:detail', args=[world.other_site.pk])}")

    assert response.status == 404
    assert "Le Plateau" not in phone_page.content()
    screenshot(phone_page, "other-landlord-site")
