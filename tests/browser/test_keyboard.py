"""Keyboard only (Tab, Shift+Tab, Enter, Space, typing; never a click): a caretaker files a fiche and
an officer takes it in hand from the triage dashboard. At every stop the focus must be visible (RGAA
10.7) and the stops must follow the reading order (RGAA 12.8)."""

import re

from django.urls import reverse

from alerts.models import Alert, Status
from tests.alerts.factories import filed_alert
from tests.factories import DEFAULT_PASSWORD

# What identifies a tab stop in failure messages and order checks: radios of one group are one stop.
STOP_KEY = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  if (e.type === "radio") return "radio:" + e.name;
  if (e.name) return e.name + (e.tagName === "BUTTON" && e.value ? "=" + e.value : "");
  return e.id || (e.tagName.toLowerCase() + ":" + e.textContent.trim().slice(0, 40));
}"""

# DSFR draws a 2px outline on :focus-visible, on the element or, for a link enlarged to its card or
# block (fr-enlarge-link), on its ::before; a box-shadow ring is the other usual way.
FOCUS_VISIBLE = """() => {
  const shows = style => (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
    || style.boxShadow !== "none";
  const e = document.activeElement;
  return [null, "::before", "::after"].some(pseudo => shows(getComputedStyle(e, pseudo)));
}"""


def tab_to(page, selector: str, *, key: str = "Tab", limit: int = 80) -> list[str]:
    """Presses Tab (or Shift+Tab) until the focus is on `selector`; returns the stops passed through,
    having checked that each one shows its focus."""
    stops = []
    for _ in range(limit):
        page.keyboard.press(key)
        stop = page.evaluate(STOP_KEY)
        assert stop is not None, f"the focus left the page after {stops}"
        if not stops or stops[-1] != stop:  # a date input takes one Tab per segment
            stops.append(stop)
        assert page.evaluate(FOCUS_VISIBLE), f"no visible focus on {stop} ({page.url})"
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return stops
    raise AssertionError(f"{selector} not reached with {key} after {stops}")


def assert_in_order(stops: list[str], expected: list[str]):
    positions = [stops.index(stop) for stop in expected]
    assert positions == sorted(positions), f"tab order {stops} does not follow {expected}"


def keyboard_login(page, live_server, user):
    page.goto(f"{live_server.url}{reverse('login')}")
    tab_to(page, "input[name=username]")
    page.keyboard.type(user.email)
    tab_to(page, "input[name=password]")
    page.keyboard.type(DEFAULT_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/connexion/" not in url)


def test_the_skip_link_is_the_first_stop_and_takes_the_focus_to_the_content(
    world, live_server, page, screenshot
):
    keyboard_login(page, live_server, world.officer)
    page.goto(f"{live_server.url}{reverse('alerts:dashboard')}")

    page.keyboard.press("Tab")

    skip = page.locator(":focus")
    assert skip.get_attribute("href") == "#content"
    assert skip.is_visible()
    assert page.evaluate(FOCUS_VISIBLE)
    screenshot(page, "skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#content"
    page.keyboard.press("Tab")
    # The next stop is in the main content, past the header and its menu.
    assert page.evaluate("document.querySelector('#content').contains(document.activeElement)")


def test_a_caretaker_files_a_fiche_with_the_keyboard_only(world, live_server, page, screenshot):
    keyboard_login(page, live_server, world.landlord_agent)
    page.goto(f"{live_server.url}{reverse('alerts:create')}")

    # Step 1: search the estate, then follow its link.
    tab_to(page, "#site-search")
    page.keyboard.type("Creil")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Creil"))
    tab_to(page, f"a[href='?site={world.site_creil.pk}']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"site={world.site_creil.pk}"))

    # Step 2: the form's tab order is its reading order, fieldset after fieldset, then the buttons.
    form = "form[data-testid=alert-form]"
    reading_order = page.evaluate(
        """form => {
          const stops = [];
          for (const e of document.querySelector(form).querySelectorAll("input, select, textarea, button")) {
            // A folded section's fields are reached through its button (the stop), not tabbed through.
            if (e.type === "hidden" || e.disabled || !e.checkVisibility()
                || e.closest(".fr-collapse:not(.fr-collapse--expanded)")) continue;
            const key = e.type === "radio" ? "radio:" + e.name
              : e.name ? e.name + (e.tagName === "BUTTON" && e.value ? "=" + e.value : "")
              : e.id || (e.tagName.toLowerCase() + ":" + e.textContent.trim().slice(0, 40));
            if (!stops.includes(key)) stops.push(key);
          }
          return stops;
        }""",
        form,
    )
    tab_to(page, "select[name=category]")
    page.keyboard.type("Trafic")  # type-ahead picks « Trafic de stupéfiants »
    stops = tab_to(page, "textarea[name=description]")
    page.keyboard.type("Regroupement dans le hall B tous les soirs.")
    stops += tab_to(page, "button[value=submit]")
    screenshot(page, "focus-on-submit")
    assert [stop for stop in stops if stop in reading_order] == reading_order[
        reading_order.index("subcategory") :
    ]
    # Shift+Tab walks back the same way.
    assert tab_to(page, "button[value=draft]", key="Shift+Tab") == ["action=draft"]
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    # The confirmation takes the focus, then shows the reference once the server has the fiche.
    reference = page.locator("[data-testid=queued] [data-testid=reference]")
    reference.wait_for()
    assert page.evaluate("() => document.activeElement.dataset.testid") == "queued"
    alert = Alert.objects.get(reference=reference.inner_text())
    assert alert.category == "drugs"
    assert alert.status == Status.SUBMITTED
    assert alert.routed_unit == world.police


def test_an_officer_takes_a_fiche_in_hand_from_the_dashboard_with_the_keyboard_only(
    world, live_server, page, screenshot
):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    keyboard_login(page, live_server, world.officer)
    page.goto(f"{live_server.url}{reverse('alerts:dashboard')}")

    # Select the row with Space, then acknowledge the selection with Enter.
    stops = tab_to(page, f"#select-{alert.pk}")
    page.keyboard.press("Space")
    assert page.locator(f"#select-{alert.pk}").is_checked()
    screenshot(page, "focus-on-row")
    stops += tab_to(page, "[data-testid=bulk-acknowledge]")
    assert_in_order(
        stops,
        [
            "button:Filtrer les fiches",
            "alerts",
            f"a:{alert.reference}",
            "button:Prendre en compte la sélection",
        ],
    )
    with page.expect_navigation():
        page.keyboard.press("Enter")
    alert.refresh_from_db()
    assert alert.status == Status.ACKNOWLEDGED

    # Open the fiche from its reference and send a feedback to the landlord.
    tab_to(page, f"[data-testid=alert-table] a[href='{reverse('alerts:detail', args=[alert.pk])}']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/fiches/{alert.pk}/$"))
    tab_to(page, "button[aria-controls=action-feedback]")
    # The DSFR script drives the accordion: a key pressed before it has started is lost.
    page.locator("button[aria-controls=action-feedback][data-fr-js-collapse-button]").wait_for(
        state="attached"
    )
    if page.locator(":focus").get_attribute("aria-expanded") == "false":
        page.keyboard.press("Enter")
    page.locator("textarea[name=feedback-message]").wait_for(state="visible")
    tab_to(page, "textarea[name=feedback-message]")
    page.keyboard.type("Patrouille renforcée ce soir.")
    tab_to(page, "[data-testid=action-feedback] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert "Retour d'information envoyé." in page.locator(".fr-alert").first.inner_text()
    assert alert.events.filter(kind="feedback", message="Patrouille renforcée ce soir.").exists()
