"""A landlord's manager hears back at each step of a fiche their agent filed: the header's unread
count rises, the newest notification says what happened, and its link opens the fiche (and marks it
read). The force acts through its services; what is under test is what the manager sees."""

from django.urls import reverse

from alerts import services
from alerts.models import Outcome
from tests.alerts.factories import filed_alert
from tests.browser.conftest import PHONE

WIDE = {"viewport": {"width": 1366, "height": 800}}


# The header's notifications link in sight: among the tools on a desktop, beside « Menu » on a phone.
HEADER_LINK = "[data-testid^=unread-count]:visible"


def unread(page) -> int:
    link = page.locator(HEADER_LINK)
    count = int(link.get_attribute("data-unread"))
    assert (str(count) in link.inner_text()) == (count > 0)
    return count


def message(item) -> str:
    """A notification's text, without its « Nouveau » badge."""
    return item.locator("p").first.text_content().strip().removeprefix("Nouveau").strip()


def test_a_landlord_manager_hears_back_at_each_step_of_a_fiche_filed_by_their_agent(
    world, live_server, new_page, login_as, screenshot
):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    fiche_path = reverse("alerts:detail", args=[alert.pk])
    steps = [
        (
            "acknowledged",
            lambda: services.alert_acknowledge(actor=world.officer, alert=alert),
            f"Fiche {alert.reference} prise en compte par Commissariat de Creil",
        ),
        (
            "redirected",
            lambda: services.alert_redirect(
                actor=world.officer, alert=alert, unit=world.gendarmerie, reason="Secteur de la brigade."
            ),
            f"Fiche {alert.reference} réorientée vers Brigade de Méru",
        ),
        (
            "commented",
            lambda: services.alert_comment(
                actor=world.gendarme, alert=alert, message="Le digicode du hall a-t-il changé ?"
            ),
            f"Commentaire de Brigade de Méru sur la fiche {alert.reference} : « Le digicode du hall a-t-il changé ? »",
        ),
        (
            "feedback",
            lambda: services.alert_feedback(
                actor=world.gendarme, alert=alert, message="Patrouille passée à 22 h, groupe dispersé."
            ),
            f"Retour sur la fiche {alert.reference} : « Patrouille passée à 22 h, groupe dispersé. »",
        ),
        (
            "closed",
            lambda: services.alert_close(actor=world.gendarme, alert=alert, outcome=Outcome.PATROL),
            f"Fiche {alert.reference} clôturée",
        ),
    ]

    page = new_page(PHONE)
    login_as(page, live_server, world.landlord_manager)
    home = f"{live_server.url}{reverse('home')}"
    page.goto(home)
    before = unread(page)
    for name, act, text in steps:
        alert.refresh_from_db()
        act()
        page.goto(home)
        assert unread(page) == before + 1, name
        page.click(HEADER_LINK)
        newest = page.locator("[data-testid=notifications] > li").first
        # A routing step also names the site and category: the text begins with what happened.
        assert message(newest).startswith(text), name
        screenshot(page, f"{name}-notifications-390")
        newest.locator("button[name=open]").click()
        page.wait_for_url(f"{live_server.url}{fiche_path}")
        assert alert.reference in page.locator("h1").inner_text(), name
        # Opening it read it: the count is back where it was.
        assert unread(page) == before, name
    screenshot(page, "fiche-closed-390")

    desktop = new_page(WIDE)
    login_as(desktop, live_server, world.landlord_manager)
    desktop.goto(f"{live_server.url}{reverse('alerts:notifications')}")
    texts = [message(item) for item in desktop.locator("[data-testid=notifications] > li").all()]
    newest_first = [text for _name, _act, text in reversed(steps)]
    assert all(t.startswith(e) for t, e in zip(texts, newest_first, strict=False)), texts
    screenshot(desktop, "notifications-1366")
    desktop.goto(f"{live_server.url}{fiche_path}")
    screenshot(desktop, "fiche-1366")
