"""A force manager hears of an action item due soon (the header's unread count, the notification's
text and link), opens it, then opens its next periodic point's agenda from « Mes conventions »."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conventions.models import ActionItem, Meeting, MeetingKind
from conventions.reminders import reminders_send
from conventions.services import add_months
from tests.browser.conftest import PHONE
from tests.conventions.factories import make_alert, make_convention

WIDE = {"viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def reminded(world):
    """A convention whose action item, owned by the Creil police, is due in three days, and whose
    landlord-police periodic point falls due within the month; the reminders have run."""
    today = timezone.localdate()
    convention = make_convention(
        world,
        title="Convention de Creil",
        organisations=[world.prefecture, world.landlord, world.police],
        periodic_review_months=6,
        effective_from=add_months(today, -6) + datetime.timedelta(days=10),
    )
    make_alert(world, convention=convention, submitted_at=timezone.now() - datetime.timedelta(days=1))
    meeting = Meeting.objects.create(convention=convention, kind=MeetingKind.STEERING, date=today)
    ActionItem.objects.create(
        meeting=meeting,
        text="Réparer la porte du hall B",
        owner=world.police,
        due_date=today + datetime.timedelta(days=3),
    )
    reminders_send(now=timezone.now().replace(hour=12))
    return convention


def visible(page, selector):
    """The header's quick links and the main menu sit in the menu on a phone (DSFR copies the quick
    links there, suffixing their data-testid with « -mobile »): open it first."""
    if not page.locator(selector).filter(visible=True).count():
        page.locator("button.fr-btn--menu").click()
    return page.locator(selector).filter(visible=True).first


@pytest.mark.parametrize("options", [WIDE, "phone"], ids=["1366", "390"])
def test_a_force_manager_opens_an_action_items_reminder_then_the_periodic_points_agenda(
    world, reminded, live_server, new_page, login_as, screenshot, options
):
    page = new_page(PHONE if options == "phone" else options)
    login_as(page, live_server, world.police_manager)

    # Two reminders: the action item and the periodic point, both the police's.
    unread = visible(page, "[data-testid^=unread-count]")
    assert "2 non lues" in unread.inner_text().lower()
    unread.click()

    reminder = page.locator("[data-testid=notifications] > li").filter(has_text="Réparer la porte du hall B")
    assert "est à mener d'ici le" in reminder.inner_text()
    assert "Convention de Creil" in reminder.inner_text()
    screenshot(page, "notifications")
    reminder.get_by_role("button", name="Ouvrir").click()

    page.wait_for_url(f"{live_server.url}{reverse('conventions:partner', args=[reminded.pk])}")
    assert "Réparer la porte du hall B" in page.locator("[data-testid=partner-actions]").inner_text()

    visible(page, "a[href='/conventions/']:has-text('Mes conventions')").click()
    page.get_by_role("link", name="Convention de Creil").click()
    page.get_by_role("link", name="Ce que mon organisation doit faire").click()
    agenda = page.locator("[data-testid=periodic-agenda]")
    assert world.landlord.name in agenda.inner_text()
    assert "1 fiche transmise" in agenda.inner_text()
    screenshot(page, "agenda")
