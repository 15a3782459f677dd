"""Login throttling (django-axes): the login page and the API's Basic authentication share one lockout
per e-mail and client address."""

import base64

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import RequestFactory

from partnerships.auth.lockout import client_address
from tests.factories import DEFAULT_PASSWORD

LOGIN = "/connexion/"


def login(client, email, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=address)


def basic(email, password):
    token = base64.b64encode(f"{email}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def fail_until_locked(client, email, settings, address="10.0.0.1"):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, email, "mauvais-mot-de-passe", address)


def test_the_limit_of_failed_logins_locks_the_account_out_from_that_address_even_with_the_right_password(
    world, client, settings
):
    email = world.landlord_agent.email
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = login(client, email, "mauvais-mot-de-passe")
        assert response.status_code == 200
        assert "Adresse e-mail ou mot de passe incorrect" in response.content.decode()
    response = login(client, email, "mauvais-mot-de-passe")
    assert response.status_code == 429

    response = login(client, email, DEFAULT_PASSWORD)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Connexion temporairement bloquée" in page
    assert f"Après {settings.AXES_FAILURE_LIMIT} tentatives" in page
    assert "Réessayez dans 30 minutes" in page
    assert "_auth_user_id" not in client.session


def test_the_lockout_counts_the_e_mail_whatever_its_case(world, client, settings):
    fail_until_locked(client, world.landlord_agent.email.upper(), settings)

    assert login(client, world.landlord_agent.email, DEFAULT_PASSWORD).status_code == 429


def test_a_lockout_spares_other_accounts_and_the_same_account_from_another_address(world, client, settings):
    fail_until_locked(client, world.landlord_agent.email, settings)

    assert login(client, world.landlord_manager.email, DEFAULT_PASSWORD).status_code == 302
    client.logout()
    assert login(client, world.landlord_agent.email, DEFAULT_PASSWORD, address="10.0.0.2").status_code == 302


def test_a_successful_login_forgets_the_earlier_failures(world, client, settings):
    email = world.landlord_agent.email
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, email, "mauvais-mot-de-passe")
    assert login(client, email, DEFAULT_PASSWORD).status_code == 302
    client.logout()

    login(client, email, "mauvais-mot-de-passe")

    assert login(client, email, DEFAULT_PASSWORD).status_code == 302


def test_the_api_basic_authentication_is_locked_out_with_a_french_message(world, client, settings):
    email = world.landlord_agent.email
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.get("/api/v1/sites/", **basic(email, "mauvais-mot-de-passe"))
        # Basic is the first authentication class: a 401 with its challenge, as the schema documents.
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic")
        assert response.json()["code"] == "authentication_failed"
    assert client.get("/api/v1/sites/", **basic(email, "mauvais-mot-de-passe")).status_code == 429

    response = client.get("/api/v1/sites/", **basic(email, DEFAULT_PASSWORD))

    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert "Trop de tentatives de connexion échouées" in response.json()["message"]


def test_the_api_and_the_login_page_share_the_lockout(world, client, settings):
    email = world.landlord_agent.email
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.get("/api/v1/sites/", REMOTE_ADDR="10.0.0.1", **basic(email, "mauvais-mot-de-passe"))

    assert login(client, email, DEFAULT_PASSWORD).status_code == 429


def test_the_api_answers_with_the_right_password_before_any_lockout(world, client):
    response = client.get("/api/v1/sites/", **basic(world.landlord_agent.email, DEFAULT_PASSWORD))

    assert response.status_code == 200


def test_the_documented_reset_command_lifts_a_lockout(world, client, settings):
    email = world.landlord_agent.email
    fail_until_locked(client, email, settings)
    assert AccessAttempt.objects.filter(username=email).exists()

    call_command("axes_reset_username", email, verbosity=0)

    assert login(client, email, DEFAULT_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "192.0.2.1"),  # no proxy: a client-written header is ignored
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # the left part was forged by the client
        (2, "198.51.100.7, 203.0.113.9, 10.1.1.1", "203.0.113.9"),
        (2, "203.0.113.9", "192.0.2.1"),  # fewer hops than proxies: the header cannot be trusted
    ],
)
def test_the_client_address_is_taken_from_the_trusted_proxies_only(proxies, forwarded, expected, settings):
    settings.PASSERELLE_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected
