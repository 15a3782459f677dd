"""The fiche alerte journey in a real browser: a caretaker files from a phone with a photo, the Creil
officer acknowledges and answers, the caretaker reads the answer, the Méru gendarme never sees it."""

from django.urls import reverse

from alerts.models import Alert, Status
from tests.alerts.factories import PNG


def test_a_fiche_goes_from_the_caretakers_phone_to_the_right_officer_and_back(
    world, live_server, phone_page, new_page, login_as, screenshot, tmp_path
):
    photo = tmp_path / "hall.png"
    photo.write_bytes(PNG)

    # The landlord's agent files from a phone.
    page = phone_page
    login_as(page, live_server, world.landlord_agent)
    page.goto(f"{live_server.url}{reverse('alerts:create')}")
    page.fill("#site-search", "Creil")
    page.click("form[role=search] button")
    screenshot(page, "1-pick-site-phone")
    page.click("text=Les Hauts de Creil")
    page.select_option("select[name=category]", "drugs")
    page.select_option("select[name=subcategory]", "deal_point")
    page.select_option("select[name=place_type]", "hall")
    page.select_option("select[name=urgency]", "high")
    page.fill("textarea[name=description]", "Regroupement dans le hall B tous les soirs, échanges suspects.")
    page.set_input_files("input[name=attachments]", str(photo))
    screenshot(page, "2-form-phone")
    page.click("button[value=submit]")
    # Sent through the device's queue: the confirmation turns into the reference once the server has it.
    page.locator("[data-testid=queued] [data-testid=reference]").wait_for()
    reference = page.locator("[data-testid=reference]").inner_text()
    screenshot(page, "3-confirmation-phone")
    alert = Alert.objects.get(reference=reference)
    assert alert.routed_unit == world.police
    assert alert.attachments.count() == 1

    # The Creil officer triages on a desktop.
    officer = new_page()
    login_as(officer, live_server, world.officer)
    officer.goto(f"{live_server.url}{reverse('alerts:dashboard')}")
    assert reference in officer.locator("[data-testid=alert-table]").inner_text()
    screenshot(officer, "4-dashboard-officer")
    officer.click(f'[data-testid=alert-table] a:text-is("{reference}")')
    assert "Un agent de" in officer.locator("[data-testid=reporter]").inner_text()
    # The photo: once in the history, once in the gallery (whose preview waits for the worker).
    assert officer.locator("[data-testid=timeline] a[href*='/pieces/']").count() == 1
    assert officer.locator("[data-testid=gallery] a[href*='/pieces/']").count() == 1
    officer.click("[data-testid=action-acknowledge] button[type=submit]")
    assert "Fiche prise en compte." in officer.locator(".fr-alert").first.inner_text()
    officer.click("button[aria-controls=action-feedback]")
    officer.fill("textarea[name=feedback-message]", "Patrouille renforcée ce soir, contrôle effectué.")
    officer.click("[data-testid=action-feedback] button[type=submit]")
    assert "Retour d'information envoyé." in officer.content()
    screenshot(officer, "5-fiche-officer")
    alert.refresh_from_db()
    assert alert.status == Status.ACKNOWLEDGED

    # The caretaker reads the answer on the phone.
    page.goto(f"{live_server.url}{reverse('alerts:detail', args=[alert.pk])}")
    assert (
        "Patrouille renforcée ce soir, contrôle effectué."
        in page.locator("[data-testid=timeline]").inner_text()
    )
    assert page.locator("[data-testid=status]").text_content() == "Prise en compte"
    screenshot(page, "6-fiche-landlord-phone")
    page.goto(f"{live_server.url}{reverse('alerts:list')}")
    assert "Patrouille renforcée" in page.locator("[data-testid=latest-feedback]").first.inner_text()
    screenshot(page, "6b-list-landlord-phone")
    page.goto(f"{live_server.url}{reverse('home')}")
    assert reference in page.locator("[data-testid=alert-panel]").inner_text()
    screenshot(page, "6c-home-landlord-phone")

    # The Méru gendarme never sees it.
    gendarme = new_page()
    login_as(gendarme, live_server, world.gendarme)
    gendarme.goto(f"{live_server.url}{reverse('alerts:dashboard')}")
    assert reference not in gendarme.content()
    response = gendarme.goto(f"{live_server.url}{reverse('alerts:detail', args=[alert.pk])}")
    assert response.status == 404
    assert reference not in gendarme.content()
    screenshot(gendarme, "7-gendarme-404")


def test_choosing_immediate_urgency_on_a_phone_tells_to_call_17_first(
    world, live_server, phone_page, login_as, screenshot
):
    login_as(phone_page, live_server, world.landlord_agent)
    phone_page.goto(f"{live_server.url}{reverse('alerts:create')}?site={world.site_creil.pk}")
    danger = (
        phone_page.locator("form[data-testid=alert-form]")
        .locator("xpath=..")
        .locator("[data-testid=danger-call]")
    )
    assert not danger.is_visible()

    phone_page.select_option("select[name=urgency]", "immediate")

    assert danger.is_visible()
    assert "appelez d'abord le 17 (ou le 112)" in danger.inner_text()
    # One column that fits the phone: nothing wider than the viewport.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "immediate-phone")


def test_the_prefecture_routes_a_fiche_of_a_commune_without_unit_from_its_queue(
    world, live_server, page, login_as, screenshot
):
    from tests.alerts.factories import filed_alert

    orphan = filed_alert(site=world.site_nowhere, reporter=world.landlord_agent)
    login_as(page, live_server, world.prefect_agent)
    page.goto(f"{live_server.url}{reverse('alerts:routing_queue')}")
    row = page.locator("[data-testid=routing-table] tbody tr", has_text=orphan.reference)
    screenshot(page, "queue")

    row.locator("select").select_option(label=world.gendarmerie.name)
    row.locator("button[type=submit]").click()

    assert "Fiche routée." in page.locator(".fr-alert").first.inner_text()
    assert orphan.reference not in page.locator("[data-testid=routing-table]").inner_text()
    orphan.refresh_from_db()
    assert orphan.routed_unit == world.gendarmerie
