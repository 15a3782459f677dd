"""Real-browser journeys: Playwright's sync API driving Debian's Chromium against pytest-django's
live server. The browser comes from the system (apt), never from `playwright install`, which
downloads builds this project cannot fetch."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import DEFAULT_PASSWORD

# Playwright's sync API keeps an asyncio loop running in the main thread for the whole session,
# so Django would refuse every ORM call made by test code (fixtures, assertions) in this process.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
# A landlord's caretaker or a patrol files and reads fiches on a phone.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


def browser_required() -> bool:
    # CI sets it: a journey that silently skips there would be a green build that tested nothing.
    return bool(getattr(settings, "PASSERELLE_REQUIRE_BROWSER", False)) or os.environ.get(
        "PASSERELLE_REQUIRE_BROWSER", ""
    ).lower() in ("1", "true", "yes")


def no_browser(reason: str):
    if browser_required():
        pytest.fail(f"{reason} (PASSERELLE_REQUIRE_BROWSER is set)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    executable = os.environ.get("PASSERELLE_CHROMIUM", "/usr/bin/chromium")
    if not shutil.which(executable):
        no_browser(f"Chromium not found at {executable}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        no_browser("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Opens a page in a fresh context (own cookies) with the given viewport options."""
    contexts = []

    def _new_page(options=DESKTOP):
        context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page(DESKTOP)


@pytest.fixture
def phone_page(new_page):
    return new_page(PHONE)


@pytest.fixture
def login_as():
    """Logs in through the real form, as a person would: CSRF, session cookie and redirect included."""

    def _login_as(page, live_server, user):
        page.goto(f"{live_server.url}/connexion/")
        page.fill("input[name=username]", user.email)
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        page.click("form [type=submit]")
        page.wait_for_url(lambda url: "/connexion/" not in url)

    return _login_as


@pytest.fixture
def screenshot(request):
    """Saves a full-page PNG under tests/browser/screenshots/ (gitignored) to look at the pages."""

    def _screenshot(page, name):
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _screenshot
