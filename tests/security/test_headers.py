"""Security headers and cookies of every response, and the production settings' deployment check.
(The browser side of the Content-Security-Policy is tests/browser/test_csp.py.)"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.alerts.factories import filed_alert

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.django_db


def test_the_headers_forbid_framing_sniffing_inline_scripts_and_limit_the_referrer(client):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "img-src 'self' data:",
    ):
        assert directive in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    # The page's scripts carry the nonce announced by the header.
    nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'nonce="{nonce}"' in response.content.decode()


def test_the_session_cookie_is_out_of_reach_of_scripts_and_the_csrf_cookie_readable_by_them(client, world):
    from tests.factories import DEFAULT_PASSWORD

    response = client.post(reverse("login"), {"username": world.officer.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response.cookies[settings.SESSION_COOKIE_NAME]["httponly"]
    # The offline queue reads the current token (the form may be the service worker's older copy).
    assert not response.cookies[settings.CSRF_COOKIE_NAME]["httponly"]


def test_the_api_docs_run_without_inline_script(client, world):
    client.force_login(world.officer)
    page = client.get(reverse("swagger-ui")).content.decode()
    assert "<script>" not in page
    assert "?script=" in page or "&amp;script=" in page


def test_the_production_settings_pass_the_deployment_check_without_any_warning():
    # Not the test process's environment as is: the browser tests' conftest sets
    # DJANGO_ALLOW_ASYNC_UNSAFE, which the deployment check rightly refuses.
    env = {
        **{key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "partnerships.settings.production",
        "DJANGO_SECRET_KEY": "a-long-random-production-key-" + "x7Kq9zP2mW4nR8tY" * 4,
        "DJANGO_ALLOWED_HOSTS": "passerelle.example.fr",
        "DATABASE_URL": "postgres://passerelle:secret@db.example.fr:5432/passerelle",
        "REDIS_URL": "redis://redis.example.fr:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Cache-Control",
    "ETag",
)


@pytest.mark.parametrize("url", [reverse("alerts:dashboard"), "/api/v1/alerts/"])
def test_an_unchanged_queues_304_carries_the_security_headers_of_its_200(world, login, url):
    # The 304 is answered by the same middleware as the page (no shortcut around them): the same
    # headers, but for the nonce of a page's own scripts, which a 304 has none of.
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    client = login(world.officer)
    page = client.get(url)
    again = client.get(url, HTTP_IF_NONE_MATCH=page["ETag"])

    assert (page.status_code, again.status_code) == (200, 304)

    def headers(response):
        found = {name: response.get(name) for name in SECURITY_HEADERS}
        if found["Content-Security-Policy"]:
            found["Content-Security-Policy"] = re.sub(r" 'nonce-[^']+'", "", found["Content-Security-Policy"])
        return found

    assert headers(again) == headers(page)
    assert headers(page)["Content-Security-Policy"]
    assert headers(page)["X-Frame-Options"] == "DENY"
