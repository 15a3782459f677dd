"""OpenID Connect login against a real provider (django-oauth-toolkit in OIDC mode, run as its own
process from tests/oidc_provider/), both with a JSON userinfo and with ProConnect's signed-JWT one."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from partnerships.auth.oidc import OidcBackend, check_configuration, organisation_for_identity
from partnerships.models import IdentityMapping, IdentityMappingKind, Role, User
from tests.net import free_port

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "passerelle-test"
CLIENT_SECRET = "secret-du-client-de-test"  # noqa: S105
PASSWORD = "mot-de-passe-du-fournisseur"  # noqa: S105
LANDLORD_SIRET = "38012986600053"
NEW_AGENT = {
    "username": "nouvel-agent",
    "email": "Nouvel.Agent@habitat-picard.fr",
    "siret": LANDLORD_SIRET,
    "given_name": "Camille",
    "usual_name": "Martin",
}
OFFICER = {"username": "officier", "email": "officier@creil.fr", "siret": ""}
STRANGER = {"username": "inconnu", "email": "inconnu@nulle-part.example", "siret": "99999999999999"}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory):
    """The provider process on a free loopback port, its RSA key generated for this run."""
    folder = tmp_path_factory.mktemp("oidc_provider")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
        "OIDC_PROVIDER_DB": str(folder / "provider.sqlite3"),
        "OIDC_PROVIDER_KEY": str(folder / "key.pem"),
    }
    command = [sys.executable, "-m", "tests.oidc_provider"]
    subprocess.run([*command, "migrate", "--verbosity=0"], cwd=ROOT, env=env, check=True)
    spec = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": f"{live_server.url}/oidc/callback/",
        "post_logout_redirect_uri": f"{live_server.url}/connexion/",
        "users": [{**person, "password": PASSWORD} for person in (NEW_AGENT, OFFICER, STRANGER)],
    }
    subprocess.run([*command, "seed", json.dumps(spec)], cwd=ROOT, env=env, check=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [*command, "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/o/.well-known/openid-configuration", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"the OpenID provider did not start: {(folder / 'server.log').read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(params=["json", "jwt"])
def relying_party(request, settings, oidc_provider):
    """Passerelle configured for the provider as the README says; the userinfo endpoint is the plain
    JSON one or the signed-JWT one (ProConnect)."""
    discovery = requests.get(f"{oidc_provider}/o/.well-known/openid-configuration", timeout=5).json()
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = discovery["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = discovery["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = (
        discovery["userinfo_endpoint"] if request.param == "json" else f"{oidc_provider}/o/userinfo-jwt/"
    )
    settings.OIDC_OP_JWKS_ENDPOINT = discovery["jwks_uri"]
    settings.OIDC_OP_LOGOUT_ENDPOINT = discovery["end_session_endpoint"]
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "partnerships.auth.oidc.OidcBackend",
    ]
    return request.param


def provider_login(live_server, person) -> requests.Response:
    """Passerelle's button, the provider's login form, and every redirect after it."""
    browser = requests.Session()
    form = browser.get(f"{live_server.url}/oidc/authenticate/", timeout=10)
    assert "Test OpenID provider" in form.text
    response = browser.post(
        form.url,
        data={
            "username": person["username"],
            "password": PASSWORD,
            "next": parse_qs(urlparse(form.url).query)["next"][0],
            "csrfmiddlewaretoken": CSRF.search(form.text).group(1),
        },
        timeout=20,
    )
    response.browser = browser
    return response


@pytest.fixture
def landlord_with_siret(world):
    world.landlord.siret = LANDLORD_SIRET
    world.landlord.save(update_fields=["siret"])
    return world.landlord


def test_a_new_agent_logs_in_through_the_provider_and_joins_the_organisation_of_their_siret(
    relying_party, landlord_with_siret, live_server
):
    response = provider_login(live_server, NEW_AGENT)

    assert response.url == f"{live_server.url}/"
    assert response.status_code == 200
    user = User.objects.get(email="nouvel.agent@habitat-picard.fr")
    assert (user.organisation, user.role) == (landlord_with_siret, Role.AGENT)
    assert (user.first_name, user.last_name) == ("Camille", "Martin")
    assert not user.has_usable_password()
    assert landlord_with_siret.group in user.groups.all()
    assert "Camille Martin — Habitat Picard (fictif)" in response.text  # the header names the account
    assert response.browser.get(f"{live_server.url}/sites/", timeout=10).status_code == 200


def test_an_existing_account_is_found_by_its_e_mail(relying_party, world, live_server):
    response = provider_login(live_server, OFFICER)

    assert response.url == f"{live_server.url}/"
    assert f"{world.officer} — {world.police}" in response.text
    assert User.objects.filter(email=world.officer.email).count() == 1


def test_logout_ends_the_session_at_the_provider_with_the_id_token(
    relying_party, world, live_server, oidc_provider
):
    browser = provider_login(live_server, OFFICER).browser
    token = CSRF.search(browser.get(f"{live_server.url}/", timeout=10).text).group(1)

    response = browser.post(
        f"{live_server.url}/deconnexion/",
        data={"csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=10,
    )

    end_session = urlparse(response.headers["Location"])
    assert f"{end_session.scheme}://{end_session.netloc}" == oidc_provider
    assert end_session.path == "/o/logout/"
    query = parse_qs(end_session.query)
    assert query["post_logout_redirect_uri"] == [f"{live_server.url}/connexion/"]
    assert query["id_token_hint"][0].count(".") == 2
    # The provider accepts the hint (it signed it), logs out and sends the browser back to Passerelle.
    back = browser.get(response.headers["Location"], timeout=10)
    assert back.url.startswith(f"{live_server.url}/connexion/?state=")
    assert "Connexion à Passerelle" in back.text
    assert browser.get(f"{live_server.url}/sites/", allow_redirects=False, timeout=10).status_code == 302


def test_a_person_of_no_known_organisation_is_refused_and_gets_no_account(relying_party, world, live_server):
    response = provider_login(live_server, STRANGER)

    assert response.url == f"{live_server.url}/oidc/refus/"
    assert "ne correspond à aucune organisation partenaire" in response.text
    assert not User.objects.filter(email=STRANGER["email"]).exists()
    assert (
        response.browser.get(f"{live_server.url}/sites/", allow_redirects=False, timeout=10).status_code
        == 302
    )


def test_the_login_page_offers_the_provider_only_when_configured(client, settings, db):
    assert "Se connecter avec" not in client.get("/connexion/").content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/").status_code == 404

    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "ProConnect"

    page = client.get("/connexion/?next=/sites/").content.decode()
    assert "Se connecter avec ProConnect" in page
    assert "/oidc/authenticate/?next=/sites/" in page


def test_the_local_table_comes_before_the_organisations_own_siret(world, landlord_with_siret):
    IdentityMapping.objects.create(
        kind=IdentityMappingKind.SIRET,
        value=LANDLORD_SIRET,
        organisation=world.other_landlord,
        role=Role.MANAGER,
    )

    assert organisation_for_identity(email="a@b.fr", siret=LANDLORD_SIRET) == (
        world.other_landlord,
        Role.MANAGER,
    )


def test_an_e_mail_domain_in_the_local_table_maps_whatever_the_case(world):
    mapping = IdentityMapping(
        kind=IdentityMappingKind.EMAIL_DOMAIN, value=" @Interieur.Gouv.FR", organisation=world.police
    )
    mapping.full_clean()
    mapping.save()

    assert organisation_for_identity(email="jean@interieur.gouv.fr", siret="") == (world.police, Role.AGENT)


def test_the_domain_of_one_organisations_contact_address_maps_new_accounts(world):
    world.mairie.email = "accueil@mairie-creil.fr"
    world.mairie.save(update_fields=["email"])

    assert organisation_for_identity(email="agent@mairie-creil.fr", siret="") == (world.mairie, Role.AGENT)


def test_a_siret_or_domain_shared_by_two_organisations_maps_nobody(world):
    for organisation in (world.police, world.gendarmerie):
        organisation.siret = "11000000000000"
        organisation.email = f"contact{organisation.pk}@interieur.gouv.fr"
        organisation.save(update_fields=["siret", "email"])

    assert organisation_for_identity(email="x@interieur.gouv.fr", siret="11000000000000") is None


def test_a_siret_mapping_must_be_fourteen_digits(world):
    mapping = IdentityMapping(kind=IdentityMappingKind.SIRET, value="1234", organisation=world.landlord)

    with pytest.raises(Exception, match="identity_mapping_siret_digits"):
        mapping.full_clean()


@pytest.fixture
def backend(settings):
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    return OidcBackend()


@pytest.mark.parametrize(
    ("audience", "expires_in", "accepted"),
    [
        (CLIENT_ID, 600, True),
        ([CLIENT_ID, "autre"], 600, True),
        ("un-autre-client", 600, False),
        (CLIENT_ID, -1, False),
    ],
    ids=["ours", "ours among others", "another client's", "expired"],
)
def test_a_token_must_be_for_passerelle_and_unexpired(backend, monkeypatch, audience, expires_in, accepted):
    payload = {"aud": audience, "exp": time.time() + expires_in}
    monkeypatch.setattr(OIDCAuthenticationBackend, "verify_token", lambda self, token, **kwargs: payload)

    if accepted:
        assert backend.verify_token("jeton") == payload
    else:
        with pytest.raises(SuspiciousOperation):
            backend.verify_token("jeton")


def test_a_userinfo_about_another_subject_is_refused(backend, monkeypatch):
    monkeypatch.setattr(
        OIDCAuthenticationBackend,
        "get_userinfo",
        lambda self, *args: {"sub": "quelqu-un-d-autre", "email": "a@b.fr"},
    )

    with pytest.raises(SuspiciousOperation):
        backend.get_userinfo("access", "id", {"sub": "la-personne"})


def test_the_mapping_table_is_managed_in_the_admin(world, client):
    admin = User.objects.create_superuser(email="admin@passerelle.example", password="x")
    client.force_login(admin)

    assert client.get("/admin/partnerships/identitymapping/").status_code == 200
    response = client.post(
        "/admin/partnerships/identitymapping/add/",
        {"kind": "email_domain", "value": "@Bailleur.FR", "organisation": world.landlord.pk, "role": "agent"},
    )

    assert response.status_code == 302
    assert IdentityMapping.objects.get().value == "bailleur.fr"


def test_a_client_id_without_the_endpoints_is_a_system_check_error(settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET

    errors = check_configuration(None)

    assert [error.id for error in errors] == ["passerelle.E002"]
    assert "OIDC_OP_TOKEN_ENDPOINT" in errors[0].msg
    settings.OIDC_ENABLED = False
    assert check_configuration(None) == []
