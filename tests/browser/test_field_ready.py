"""The landlord's agent on site: the app installs (manifest, service worker), a fiche typed without
network waits on the phone and leaves once, with its photo, when the network returns."""

import json

from django.urls import reverse
from PIL import Image

from alerts.models import Alert
from tests.alerts.factories import HEIC, image_bytes

PENDING = "[data-testid=pending-count]"


def controlled(page):
    """Waits until the service worker controls the page (it claims its clients when activated)."""
    # Functions, not expressions: the page's CSP forbids eval, which an expression would go through.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def test_the_app_is_installable_with_a_french_manifest_and_a_controlling_service_worker(
    world, live_server, page, login_as
):
    login_as(page, live_server, world.landlord_agent)
    page.goto(f"{live_server.url}/")
    href = page.locator("link[rel=manifest]").get_attribute("href")
    manifest = json.loads(page.request.get(f"{live_server.url}{href}").text())
    assert manifest["lang"] == "fr"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    assert manifest["name"].startswith("Passerelle")
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert page.request.get(f"{live_server.url}{icon['src']}").headers["content-type"] == "image/png"
    controlled(page)
    scope = page.evaluate("() => navigator.serviceWorker.getRegistration().then(r => r.scope)")
    assert scope == f"{live_server.url}/"


def test_a_fiche_filed_offline_is_sent_once_with_its_photo_when_the_network_returns(
    world, live_server, phone_page, login_as, screenshot, tmp_path
):
    photo = tmp_path / "hall.jpg"
    photo.write_bytes(image_bytes("JPEG", size=(3000, 2000)))
    page = phone_page
    login_as(page, live_server, world.landlord_agent)
    form_url = f"{live_server.url}{reverse('alerts:create')}?site={world.site_creil.pk}"
    page.goto(form_url)
    controlled(page)
    page.reload()  # now through the worker, which keeps a copy of the page

    page.context.set_offline(True)
    page.reload()  # the filing page opens from the cache
    assert page.locator("[data-testid=offline-banner]").is_visible()
    page.select_option("select[name=category]", "drugs")
    page.select_option("select[name=subcategory]", "deal_point")
    page.select_option("select[name=place_type]", "hall")
    page.select_option("select[name=urgency]", "high")
    page.fill("textarea[name=description]", "Regroupement dans le hall B, échanges suspects.")
    page.set_input_files("input[name=attachments]", str(photo))
    page.locator("[data-testid=photo-previews] img").wait_for()
    page.click("button[value=submit]")
    page.locator("[data-testid=queued]").wait_for()
    assert page.locator(PENDING).inner_text() == "1"
    screenshot(page, "1-queued-offline-phone")
    assert not Alert.objects.exists()

    page.context.set_offline(False)
    page.wait_for_function(f"() => document.querySelector('{PENDING}').textContent === '0'")
    reference = page.locator("[data-testid=queued] [data-testid=reference]")
    reference.wait_for()
    alert = Alert.objects.get()
    assert reference.inner_text() == alert.reference
    assert reference.get_attribute("href") == reverse("alerts:detail", args=[alert.pk])
    assert alert.site == world.site_creil
    assert alert.reporter == world.landlord_agent
    attachment = alert.attachments.get()
    # Resized on the phone: the longest side is at most 2,048 px.
    with Image.open(attachment.file) as image:
        assert max(image.size) == 2048
    assert page.locator("[data-testid=pending]").is_hidden()
    assert page.evaluate("() => PasserelleQueue.list().then(items => items.length)") == 0

    # Logging out leaves nothing of the fiches nor of the pages on the phone.
    page.evaluate("() => PasserelleQueue.add({key: 'k', site: 1, data: {}, files: []})")
    page.locator("form[data-logout] button").first.dispatch_event("click")
    page.wait_for_url(lambda url: "/connexion/" in url)
    assert "passerelle" not in page.evaluate(
        "() => indexedDB.databases().then(dbs => dbs.map(db => db.name))"
    )
    page.wait_for_function("() => caches.keys().then(names => names.length === 0)")
    assert page.evaluate("() => navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0


def test_a_fiche_refused_by_the_server_comes_back_to_its_author_with_the_french_error(
    world, live_server, page, login_as
):
    login_as(page, live_server, world.landlord_agent)
    page.goto(f"{live_server.url}/")
    page.wait_for_function("() => window.PasserelleQueue !== undefined")
    # A fiche queued without its mandatory fields (as an older form would have kept it).
    page.evaluate(
        "site => PasserelleQueue.add({key: crypto.randomUUID(), site, data: {description: 'Hall B'}, files: []})",
        world.site_creil.pk,
    )
    page.reload()
    page.locator("[data-testid=refused] li").wait_for()
    assert "Données invalides." in page.locator("[data-testid=refused]").inner_text()
    assert page.locator(PENDING).inner_text() == "0"
    assert not Alert.objects.exists()


def test_a_heic_photo_filed_from_a_phone_arrives_as_a_jpeg(
    world, live_server, phone_page, login_as, screenshot, tmp_path
):
    photo = tmp_path / "IMG_0001.HEIC"
    photo.write_bytes(HEIC)
    page = phone_page
    login_as(page, live_server, world.landlord_agent)
    page.goto(f"{live_server.url}{reverse('alerts:create')}?site={world.site_creil.pk}")
    page.select_option("select[name=category]", "drugs")
    page.select_option("select[name=subcategory]", "deal_point")
    page.select_option("select[name=place_type]", "hall")
    page.select_option("select[name=urgency]", "high")
    page.fill("textarea[name=description]", "Tags dans la cage d'escalier C.")
    page.set_input_files("input[name=attachments]", str(photo))
    screenshot(page, "1-form-heic-phone")
    page.click("button[value=submit]")
    # Through the device's queue: the confirmation at once, then the fiche's reference once sent.
    page.locator("[data-testid=queued] [data-testid=reference]").wait_for()
    screenshot(page, "2-confirmation-phone")
    attachment = Alert.objects.get().attachments.get()
    assert attachment.content_type == "image/jpeg"


def fill_the_form(page, description="Regroupement dans le hall B, échanges suspects."):
    page.select_option("select[name=category]", "drugs")
    page.select_option("select[name=subcategory]", "deal_point")
    page.select_option("select[name=place_type]", "hall")
    page.select_option("select[name=urgency]", "high")
    page.fill("textarea[name=description]", description)


def test_online_the_form_files_through_the_api_and_shows_the_confirmation_before_the_server_answers(
    world, live_server, new_page, login_as, screenshot, tmp_path
):
    from tests.browser.conftest import PHONE

    photo = tmp_path / "hall.jpg"
    photo.write_bytes(image_bytes("JPEG", size=(1200, 900)))
    # No worker: the page's own sender, whose requests the test can hold.
    page = new_page({**PHONE, "service_workers": "block"})
    login_as(page, live_server, world.landlord_agent)
    page.goto(f"{live_server.url}{reverse('alerts:create')}?site={world.site_creil.pk}")
    fill_the_form(page)
    page.set_input_files("input[name=attachments]", str(photo))
    page.locator("[data-testid=photo-previews] img").wait_for()
    held = []
    page.route("**/api/v1/alerts/", lambda route: held.append(route))  # the server answers late
    with page.expect_request("**/api/v1/alerts/"):
        page.click("button[value=submit]")
    notice = page.locator("[data-testid=queued]")
    assert "Fiche enregistrée sur l'appareil — envoi en cours" in notice.inner_text()
    assert page.locator("[data-testid=queued-count]").inner_text() == "1"
    assert not Alert.objects.exists()
    screenshot(page, "1-confirmation-at-once-phone")
    while not held:
        page.wait_for_timeout(50)
    held[0].continue_()

    reference = notice.locator("[data-testid=reference]")
    reference.wait_for()
    screenshot(page, "2-reference-phone")
    alert = Alert.objects.get()
    assert reference.inner_text() == alert.reference
    assert alert.attachments.count() == 1
    assert page.locator("[data-testid=queued-count]").inner_text() == "0"
    # The form is ready for the next fiche, under a new key.
    assert page.input_value("textarea[name=description]") == ""
    assert page.input_value("input[name=idempotency_key]") != str(alert.idempotency_key)


def test_a_filing_form_opened_from_the_cache_after_a_new_login_still_files(
    world, live_server, page, login_as
):
    form = f"{live_server.url}{reverse('alerts:create')}?site={world.site_creil.pk}"
    login_as(page, live_server, world.landlord_agent)
    page.goto(form)
    controlled(page)
    page.goto(form)  # now through the worker, which keeps a copy
    page.wait_for_function(
        "() => caches.open('forms').then(cache => cache.match(location.href)).then(Boolean)"
    )
    # The session ends without logging out (expiry, another day); the next login rotates the CSRF
    # token, and the form comes from the worker's copy with the token of the day before.
    page.context.clear_cookies()
    login_as(page, live_server, world.landlord_agent)
    page.goto(form)
    fill_the_form(page)
    page.click("button[value=submit]")

    page.locator("[data-testid=queued] [data-testid=reference]").wait_for()
    assert Alert.objects.get().reference in page.locator("[data-testid=queued]").inner_text()


def test_online_a_fiche_like_a_recent_one_goes_through_the_duplicate_step(world, live_server, page, login_as):
    from tests.alerts.factories import filed_alert

    earlier = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    login_as(page, live_server, world.landlord_agent)
    page.goto(f"{live_server.url}{reverse('alerts:create')}?site={world.site_creil.pk}")
    fill_the_form(page)  # the same category as the earlier fiche, on the same estate
    page.click("button[value=submit]")

    duplicates = page.locator("[data-testid=duplicates]")
    duplicates.wait_for()
    assert earlier.reference in duplicates.inner_text()
    assert Alert.objects.count() == 1
    # DSFR draws the radio under its label: a user taps the label.
    page.locator("label", has_text=f"Rattacher à la fiche {earlier.reference}").click()
    page.click("button[value=submit]")
    page.wait_for_url("**/confirmation/")
    filed = Alert.objects.exclude(pk=earlier.pk).get()
    assert filed.linked_to == earlier


def test_online_a_refusal_turns_the_confirmation_into_the_french_error(world, live_server, page, login_as):
    login_as(page, live_server, world.landlord_agent)
    page.goto(f"{live_server.url}{reverse('alerts:create')}?site={world.site_creil.pk}")
    fill_the_form(page)
    # The estate changed hands between the opening of the form and its sending.
    world.site_creil.landlord = world.other_landlord
    world.site_creil.save()
    page.click("button[value=submit]")
    error = page.locator("[data-testid=queued-error]")
    error.wait_for()
    assert "Fiche refusée" in page.locator("[data-testid=queued]").inner_text()
    assert error.inner_text()
    assert not Alert.objects.exists()


def test_without_javascript_the_form_still_posts_and_files(world, live_server, new_page, login_as):
    from tests.browser.conftest import PHONE

    page = new_page({**PHONE, "java_script_enabled": False})
    login_as(page, live_server, world.landlord_agent)
    page.goto(f"{live_server.url}{reverse('alerts:create')}?site={world.site_creil.pk}")
    fill_the_form(page)
    page.click("button[value=submit]")
    page.wait_for_url(lambda url: "/confirmation/" in url)
    assert Alert.objects.get().reference == page.locator("[data-testid=reference]").inner_text()


def test_near_me_lists_the_landlords_closest_estates_from_the_phones_position(
    world, live_server, new_page, login_as, screenshot
):
    from tests.browser.conftest import PHONE

    for site, (latitude, longitude) in {
        world.site_creil: ("49.2580", "2.4750"),
        world.site_meru: ("49.2370", "2.1350"),
    }.items():
        site.latitude, site.longitude = latitude, longitude
        site.save()
    # Standing in Méru, a few hundred metres from La Nacre.
    page = new_page(
        {**PHONE, "geolocation": {"latitude": 49.2400, "longitude": 2.1360}, "permissions": ["geolocation"]}
    )
    login_as(page, live_server, world.landlord_agent)
    page.goto(f"{live_server.url}{reverse('alerts:create')}")
    page.click("[data-testid=near-me] button")
    nearest = page.locator("[data-testid=nearest] a")
    nearest.first.wait_for()
    assert nearest.all_inner_texts() == [
        "La Nacre — Méru (à 340 m)",
        "Les Hauts de Creil — Creil (à 24,7 km)",
    ]
    screenshot(page, "1-near-me-phone")
    nearest.first.click()
    page.wait_for_url(lambda url: f"site={world.site_meru.pk}" in url)
