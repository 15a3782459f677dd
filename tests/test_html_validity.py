"""RGAA 8.2: every main page of every role, and the forms sent back with errors, is valid HTML for
the Nu Html Checker (npm's vnu-jar, installed by `make test`). The pages are rendered through the
test client and checked in one run of the validator, which costs a Java start-up."""

import json
import shutil
import subprocess

import pytest
from django.conf import settings
from django.urls import reverse

from tests.browser.conftest import browser_required
from tests.browser.test_accessibility import PAGES, Scene

pytestmark = pytest.mark.django_db

VNU = settings.BASE_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def validator() -> list[str]:
    java = shutil.which("java")
    if java and VNU.exists():
        return [java, "-jar", str(VNU), "--format", "json", "--stdout"]
    reason = "java is not installed" if not java else f"{VNU} is missing (run `npm ci`)"
    if browser_required():
        pytest.fail(f"{reason} (PASSERELLE_REQUIRE_BROWSER is set)", pytrace=False)
    pytest.skip(reason)


def html_errors(pages: dict[str, str], tmp_path) -> list[str]:
    """Each error as « page, line N: message », for every page at once."""
    files = {}
    for index, (name, html) in enumerate(pages.items()):
        path = tmp_path / f"page-{index}.html"
        path.write_text(html)
        files[path.as_uri().replace("file:///", "file:/")] = name
    result = subprocess.run(  # noqa: S603 - our own command line, no user input
        [*validator(), *map(str, (tmp_path / f"page-{i}.html" for i in range(len(pages))))],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stdout)["messages"]
    return [
        f"{files.get(message.get('url'), message.get('url'))}, line {message.get('lastLine')}: "
        f"{message['message']}"
        for message in messages
        if message["type"] in ("error", "non-document-error")
    ]


def main_pages(client, scene) -> dict[str, str]:
    pages = {}
    for role, named in PAGES.items():
        client.logout()
        if role != "anonymous":
            client.force_login(scene.user(role), backend="django.contrib.auth.backends.ModelBackend")
        for name, url in named.items():
            # follow: the password-reset link moves its token to the session, then shows the form.
            response = client.get(url(scene), follow=True)
            assert response.status_code == 200, f"{role} — {name}: HTTP {response.status_code}"
            pages[f"{role} — {name}"] = response.content.decode()
    client.logout()
    pages["anonymous — login sent empty"] = client.post(reverse("login"), {}).content.decode()
    client.force_login(scene.world.landlord_agent, backend="django.contrib.auth.backends.ModelBackend")
    filing = PAGES["landlord_agent"]["filing, form step"](scene)
    pages["landlord_agent — filing sent empty"] = client.post(filing, {"action": "submit"}).content.decode()
    return pages


def test_every_main_page_is_valid_html(client, tmp_path):
    validator()
    errors = html_errors(main_pages(client, Scene()), tmp_path)

    assert not errors, "\n".join(errors)


def test_the_check_reports_an_error_with_its_page_and_line(tmp_path):
    page = "<!DOCTYPE html><html lang=fr><head><title>t</title></head><body>\n<p dsfr></p></body></html>"

    errors = html_errors({"broken page": page}, tmp_path)

    assert len(errors) == 1
    assert errors[0].startswith("broken page, line 2: ")
    assert "dsfr" in errors[0]
