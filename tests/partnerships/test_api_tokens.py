"""API tokens: created by the organisation's administrator, shown once, stored
as a digest, acting as a service account of the organisation within a scope; revocation, expiry,
last use and throttling."""

import datetime
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from alerts.models import Alert, Status
from partnerships.models import ApiToken, Role, TokenScope, User
from partnerships.tokens import api as token_api
from partnerships.tokens.services import api_token_create, api_token_revoke
from tests.alerts.factories import alert_data, filed_alert
from tests.factories import UserFactory


def soon() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=30)


@pytest.fixture
def landlord_admin(world):
    return UserFactory(organisation=world.landlord, role=Role.ADMIN, email="admin@bailleur.fr")


@pytest.fixture
def police_admin(world):
    return UserFactory(organisation=world.police, role=Role.ADMIN, email="admin@creil.fr")


def bearer(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def token_for(admin, scope=TokenScope.READ, role=Role.AGENT):
    return api_token_create(
        actor=admin, name="Logiciel de gestion", role=role, scope=scope, expires_on=soon()
    )


def file_payload(site) -> str:
    data = alert_data(site=site.pk)
    data["facts_at"] = data["facts_at"].isoformat()
    return json.dumps(data)


def test_the_administrator_creates_a_token_shown_once_and_stored_as_a_digest(world, landlord_admin, login):
    client = login(landlord_admin)
    response = client.post(
        reverse("tokens:list"),
        {"name": "Logiciel de gestion", "role": "manager", "scope": "file", "expires_on": soon().isoformat()},
    )
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("psr_")
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert token.digest == token_api.digest(secret)
    assert secret not in (token.digest, token.prefix)
    account = token.account
    assert (account.organisation, account.role, account.is_service_account) == (
        world.landlord,
        "manager",
        True,
    )
    assert not account.has_usable_password()
    listing = client.get(reverse("tokens:list")).content.decode()
    assert token.prefix in listing
    assert secret not in listing


def test_a_token_with_a_past_expiry_is_refused_with_a_french_message_and_nothing_is_created(
    landlord_admin, login
):
    response = login(landlord_admin).post(
        reverse("tokens:list"),
        {"name": "Logiciel", "role": "agent", "scope": "read", "expires_on": "2020-01-01"},
    )
    assert "La date d&#x27;expiration doit être dans l&#x27;avenir" in response.content.decode()
    assert not ApiToken.objects.exists()
    assert not User.objects.filter(is_service_account=True).exists()


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_only_the_organisations_administrator_reaches_the_token_pages(world, login, role):
    user = UserFactory(organisation=world.landlord, role=role)
    assert login(user).get(reverse("tokens:list")).status_code == 404


def test_a_token_reads_what_a_person_of_its_organisation_and_role_reads(world, landlord_admin):
    own = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    filed_alert(site=world.other_site, reporter=world.other_landlord_agent)
    token, secret = token_for(landlord_admin)
    response = bearer(secret).get("/api/v1/alerts/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [own.pk]
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"revoked_at": timezone.now()}, "token_revoked"),
        ({"expires_at": timezone.now() - datetime.timedelta(minutes=1)}, "token_expired"),
    ],
)
def test_a_revoked_or_expired_token_gets_401_json_in_french(world, landlord_admin, change, code):
    token, secret = token_for(landlord_admin)
    ApiToken.objects.filter(pk=token.pk).update(**change)
    response = bearer(secret).get("/api/v1/alerts/")
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert "jeton" in response.json()["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_forged_token_gets_401_and_revoking_through_the_page_takes_effect_at_once(
    world, landlord_admin, login
):
    token, secret = token_for(landlord_admin)
    assert bearer(secret[:-2] + "xx").get("/api/v1/alerts/").status_code == 401
    assert bearer("psr_nothing").get("/api/v1/alerts/").status_code == 401
    login(landlord_admin).post(reverse("tokens:revoke", args=[token.pk]))
    assert bearer(secret).get("/api/v1/alerts/").json()["code"] == "token_revoked"
    assert api_token_revoke(actor=landlord_admin, token=token).revoked_at is not None  # twice: harmless


def test_a_read_only_token_cannot_file_and_a_filing_token_can(world, landlord_admin):
    _token, read_secret = token_for(landlord_admin, TokenScope.READ)
    refused = bearer(read_secret).post(
        "/api/v1/alerts/", file_payload(world.site_creil), content_type="application/json"
    )
    assert refused.status_code == 403
    assert "portée" in refused.json()["message"]
    assert not Alert.objects.exists()
    _token, file_secret = token_for(landlord_admin, TokenScope.FILE)
    filed = bearer(file_secret).post(
        "/api/v1/alerts/", file_payload(world.site_creil), content_type="application/json"
    )
    assert filed.status_code == 201
    assert Alert.objects.get().reporter.is_service_account


def test_only_a_triage_token_acknowledges_and_the_policy_still_decides(world, police_admin):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    url = f"/api/v1/alerts/{alert.pk}/acknowledge/"
    _token, file_secret = token_for(police_admin, TokenScope.FILE)
    assert bearer(file_secret).post(url).status_code == 403
    _token, triage_secret = token_for(police_admin, TokenScope.TRIAGE)
    assert bearer(triage_secret).post(url).status_code == 200
    alert.refresh_from_db()
    assert alert.status == Status.ACKNOWLEDGED
    # The other landlord's fiche does not exist for the police token either.
    foreign = filed_alert(site=world.site_972, reporter=UserFactory(organisation=world.landlord_972))
    assert bearer(triage_secret).get(f"/api/v1/alerts/{foreign.pk}/").status_code == 404


def test_each_token_is_throttled_on_its_own(world, landlord_admin, monkeypatch):
    monkeypatch.setattr(token_api.TokenRateThrottle, "THROTTLE_RATES", {"api_token": "2/min"})
    from django.core.cache import cache

    cache.clear()
    _token, first = token_for(landlord_admin)
    _token, second = token_for(landlord_admin)
    statuses = [bearer(first).get("/api/v1/sites/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert bearer(second).get("/api/v1/sites/").status_code == 200


def test_a_service_account_cannot_log_in_to_the_pages(world, landlord_admin, client):
    token, _secret = token_for(landlord_admin)
    response = client.post(reverse("login"), {"username": token.account.email, "password": ""})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


def test_the_openapi_schema_documents_the_bearer_token():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    scheme = schema["components"]["securitySchemes"]["jetonApi"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert {"jetonApi": []} in schema["paths"]["/api/v1/alerts/"]["get"]["security"]
