"""Content-Security-Policy in the real browser: every main page of every role (the accessibility
test's list), the audit trail, the API docs and the admin load without a single violation — Chromium
reports each one on the console as "Refused to …"."""

import pytest
from django.urls import reverse

from tests.browser.test_accessibility import PAGES, contexts, page_as, scene  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

EXTRA_PAGES = {
    "prefect_agent": {
        "audit trail": lambda s: reverse("audit:list"),
        "who saw this fiche": lambda s: reverse("audit:list") + f"?fiche={s.orphan.pk}",
    },
    "admin": {
        "API docs": lambda s: reverse("swagger-ui"),
        "admin index": lambda s: reverse("admin:index"),
        "admin change form": lambda s: reverse("admin:partnerships_user_change", args=[s.admin.pk]),
    },
}


def pages_of(role: str) -> dict:
    return {**PAGES[role], **EXTRA_PAGES.get(role, {})}


def violations_while(page, action) -> list[str]:
    messages = []

    def listen(message):
        if "Content Security Policy" in message.text or message.text.startswith("Refused to"):
            messages.append(message.text)

    page.on("console", listen)
    try:
        action()
        # A loaded CI machine may take more than the default 10 s to go quiet.
        page.wait_for_load_state("networkidle", timeout=30_000)
    finally:
        page.remove_listener("console", listen)
    return messages


@pytest.mark.parametrize("role", list(PAGES))
def test_the_main_pages_of_each_role_break_no_content_security_policy_rule(role, scene, page_as):  # noqa: F811
    page = page_as(role)
    found = {}
    for name, url in pages_of(role).items():
        response = None

        def visit(url=url):
            nonlocal response
            response = page.goto(f"{scene.url}{url(scene)}")

        messages = violations_while(page, visit)
        assert response.status == 200, f"{role} could not open {name}: HTTP {response.status}"
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy, name
        assert "frame-ancestors 'none'" in policy, name
        if messages:
            found[name] = messages
    assert not found, found


def test_an_inline_script_would_be_refused_and_reported(scene, page_as):  # noqa: F811
    page = page_as("landlord_agent")
    page.goto(f"{scene.url}{reverse('home')}")

    def inject():
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "document.body.dataset.injected = 'yes'";
                document.body.appendChild(script);
            }"""
        )

    assert violations_while(page, inject)
    assert page.evaluate("() => document.body.dataset.injected") is None
