"""Issue 20, points 1-5: an organisation runs itself (accounts, invitations, substitutes, directory,
estates, password reset)."""

import datetime
import html
import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alerts.escalation import send_daily_digests
from alerts.models import OutboxEmail
from partnerships.models import (
    AuditEntry,
    Invitation,
    LoginSession,
    Organisation,
    Role,
    SecurityCorrespondent,
    Substitution,
    User,
)
from partnerships.services import accounts
from partnerships.tasks import send_password_reset_task
from tests.factories import DEFAULT_PASSWORD, UserFactory

NEW_PASSWORD = "Un-nouveau-mot-de-passe-2026"


@pytest.fixture
def admin(world):
    return UserFactory(organisation=world.landlord, role=Role.ADMIN, email="admin@bailleur.fr")


def text(response) -> str:
    return html.unescape(response.content.decode())


def link_in(email_key_prefix: str) -> str:
    body = OutboxEmail.objects.get(key__startswith=email_key_prefix).body
    return re.search(r"http://\S+", body).group(0).removeprefix("http://127.0.0.1:8000")


def invite(client, admin, email="nouvelle@bailleur.fr", role=Role.AGENT):
    client.force_login(admin)
    return client.post(reverse("organisation:invite"), {"email": email, "role": role})


# --- 1. The organisation console ---------------------------------------------------------------


def test_an_admin_invites_a_colleague_who_sets_a_password_and_joins_the_organisation(world, admin, client):
    response = invite(client, admin, role=Role.MANAGER)
    assert response.status_code == 302
    link = link_in("invitation:")

    newcomer = Client()
    form = {"first_name": "Inès", "last_name": "Marie", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = newcomer.post(link, form)

    assert response.status_code == 302
    user = User.objects.get(email="nouvelle@bailleur.fr")
    assert (user.organisation, user.role, user.get_full_name()) == (
        world.landlord,
        Role.MANAGER,
        "Inès Marie",
    )
    assert user.check_password(NEW_PASSWORD)
    assert newcomer.get(reverse("home")).status_code == 200
    assert AuditEntry.objects.filter(object_type="partnerships.invitation", actor=admin).exists()


def test_a_used_invitation_link_shows_a_french_page_and_creates_nothing(world, admin, client):
    invite(client, admin)
    link = link_in("invitation:")
    form = {"first_name": "A", "last_name": "B", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    Client().post(link, form)

    again = Client().post(link, {**form, "first_name": "Intrus"})

    assert again.status_code == 410
    assert "déjà servi ou a expiré" in text(again)
    assert User.objects.filter(email="nouvelle@bailleur.fr").count() == 1
    assert User.objects.get(email="nouvelle@bailleur.fr").first_name == "A"


def test_an_invitation_link_older_than_72_hours_is_refused(world, admin, client):
    invite(client, admin)
    link = link_in("invitation:")
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = Client().get(link)

    assert response.status_code == 410
    assert "72 heures" in text(response)


def test_inviting_an_address_already_in_use_is_refused_and_sends_nothing(world, admin, client):
    response = invite(client, admin, email=world.officer.email.upper())

    assert response.status_code == 200
    assert "déjà celle d'un compte" in text(response)
    assert not Invitation.objects.exists()
    assert not OutboxEmail.objects.exists()


def test_deactivating_an_account_ends_its_sessions_at_once(world, admin, client):
    colleague = Client()
    colleague.post(reverse("login"), {"username": world.landlord_agent.email, "password": DEFAULT_PASSWORD})
    assert colleague.get(reverse("home")).status_code == 200
    assert LoginSession.objects.filter(user=world.landlord_agent).exists()

    client.force_login(admin)
    url = reverse("organisation:account", args=[world.landlord_agent.pk])
    with_commit = client.post(url, {"action": "deactivate"})

    assert with_commit.status_code == 302
    world.landlord_agent.refresh_from_db()
    assert not world.landlord_agent.is_active
    assert colleague.get(reverse("home")).status_code == 302
    assert not LoginSession.objects.filter(user=world.landlord_agent).exists()
    entry = AuditEntry.objects.get(object_type="partnerships.user", object_id=str(world.landlord_agent.pk))
    assert entry.detail["is_active"] is False


def test_an_admin_changes_a_role_and_the_change_is_audited(world, admin, client):
    client.force_login(admin)
    url = reverse("organisation:account", args=[world.landlord_agent.pk])

    client.post(url, {"action": "role", "role": Role.MANAGER})

    world.landlord_agent.refresh_from_db()
    assert world.landlord_agent.role == Role.MANAGER
    assert AuditEntry.objects.get(object_id=str(world.landlord_agent.pk)).detail["role"] == [
        "agent",
        "manager",
    ]


def test_the_last_admin_cannot_demote_themselves(world, admin, client):
    client.force_login(admin)

    response = client.post(
        reverse("organisation:account", args=[admin.pk]), {"action": "role", "role": "agent"}
    )

    admin.refresh_from_db()
    assert admin.role == Role.ADMIN
    assert "au moins un administrateur" in text(response)


def test_the_accounts_list_shows_own_members_with_their_last_login_and_nobody_elses(world, admin, client):
    User.objects.filter(pk=world.landlord_agent.pk).update(last_login=timezone.now())
    client.force_login(admin)

    page = text(client.get(reverse("organisation:accounts")))

    assert world.landlord_agent.email in page
    assert world.landlord_manager.email in page
    assert world.other_landlord_agent.email not in page
    assert page.count("jamais") >= 1


def test_the_console_leads_its_admin_to_the_api_tokens_and_webhooks_and_back(world, admin, client):
    client.force_login(admin)
    tokens, webhooks = reverse("tokens:list"), reverse("webhooks:list")

    console = client.get(reverse("organisation:accounts")).content.decode()

    assert f'href="{tokens}"' in console
    assert f'href="{webhooks}"' in console
    for page in (tokens, webhooks):
        assert f'href="{reverse("organisation:accounts")}"' in client.get(page).content.decode()


def test_a_manager_and_another_organisations_admin_cannot_reach_the_console(world, admin, client):
    client.force_login(world.landlord_manager)
    assert client.get(reverse("organisation:accounts")).status_code == 404
    other_admin = UserFactory(organisation=world.other_landlord, role=Role.ADMIN)
    client.force_login(other_admin)
    url = reverse("organisation:account", args=[world.landlord_agent.pk])
    assert client.post(url, {"action": "deactivate"}).status_code == 404
    world.landlord_agent.refresh_from_db()
    assert world.landlord_agent.is_active


def test_the_platform_admin_creates_an_organisation_and_invites_its_first_admin(world, client):
    client.force_login(UserFactory(organisation=None, is_superuser=True, is_staff=True))
    data = {
        "name": "Oise Habitat",
        "kind": "landlord",
        "department": "60",
        "admin_email": "dg@oise-habitat.fr",
    }

    response = client.post(reverse("organisation:create"), data)

    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Oise Habitat")
    invitation = Invitation.objects.get(organisation=organisation)
    assert (invitation.email, invitation.role) == ("dg@oise-habitat.fr", Role.ADMIN)
    client.force_login(world.prefect_agent)
    assert client.get(reverse("organisation:create")).status_code == 404


def test_an_invitation_accepted_through_proconnect_needs_the_invited_address(world, admin, client, rf):
    from partnerships.auth.oidc import INVITATION_SESSION_KEY, OidcBackend

    invitation = accounts.invitation_create(
        actor=admin, organisation=world.landlord, email="proconnect@bailleur.fr", role=Role.AGENT
    )
    token = "jeton-connu"
    Invitation.objects.filter(pk=invitation.pk).update(token_digest=accounts.token_digest(token))
    backend = OidcBackend()
    backend.request = rf.get("/")
    backend.request.session = {INVITATION_SESSION_KEY: token}
    assert backend.create_user({"email": "autre@ailleurs.fr"}) is None

    backend.request.session = {INVITATION_SESSION_KEY: token}
    user = backend.create_user({"email": "ProConnect@bailleur.fr", "given_name": "Léa"})

    assert (user.organisation, user.first_name, user.has_usable_password()) == (world.landlord, "Léa", False)


# --- 2. Substitutes ----------------------------------------------------------------------------


def absence(client, manager, substitute, start, end):
    client.force_login(manager)
    data = {"starts_on": start.isoformat(), "ends_on": end.isoformat(), "substitute": substitute.pk}
    return client.post(reverse("organisation:absences"), data)


def test_a_manager_declares_an_absence_and_the_directory_names_the_substitute(world, client):
    today = timezone.localdate()
    SecurityCorrespondent.objects.create(
        organisation=world.police, full_name="Commandant Creil", function="Chef", user=world.police_manager
    )

    response = absence(client, world.police_manager, world.officer, today, today + datetime.timedelta(days=5))

    assert response.status_code == 302
    assert Substitution.objects.get(user=world.police_manager).substitute == world.officer
    page = text(client.get(reverse("directory")))
    assert f"suppléant : {world.officer}" in page


def test_a_substitute_from_another_organisation_is_refused(world, client):
    today = timezone.localdate()

    response = absence(client, world.police_manager, world.gendarme, today, today)

    assert response.status_code == 200
    assert not Substitution.objects.exists()
    with pytest.raises(accounts.ApplicationError, match="même organisation"):
        accounts.substitution_declare(
            actor=world.police_manager,
            user=world.police_manager,
            substitute=world.gendarme,
            starts_on=today,
            ends_on=today,
        )


def test_an_absence_overlapping_another_is_refused_with_a_french_message(world, client):
    today = timezone.localdate()
    absence(client, world.police_manager, world.officer, today, today + datetime.timedelta(days=5))

    response = absence(
        client,
        world.police_manager,
        world.officer,
        today + datetime.timedelta(days=3),
        today + datetime.timedelta(days=9),
    )

    assert "déjà déclarée" in text(response)
    assert Substitution.objects.count() == 1


def test_the_daily_digest_of_a_manager_on_leave_goes_to_the_substitute(world):
    from tests.alerts.factories import filed_alert

    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    # The next 07:30 in Paris after the fiche fell due: the digest goes at 07:xx local time.
    now = timezone.localtime(alert.ack_due_at + datetime.timedelta(days=1)).replace(hour=7, minute=30)
    day = timezone.localdate(now)
    Substitution.objects.create(
        user=world.police_manager, substitute=world.officer, starts_on=day, ends_on=day
    )

    send_daily_digests(now=now)

    mail = OutboxEmail.objects.get(key=f"digest:{world.police_manager.pk}:{day.isoformat()}")
    assert mail.to == [world.officer.email]
    assert "suppléance" in mail.subject


def test_an_agent_has_no_absence_page(world, client):
    client.force_login(world.officer)
    assert client.get(reverse("organisation:absences")).status_code == 404


# --- 3. The correspondents' directory ------------------------------------------------------------


def test_an_admin_adds_edits_and_removes_its_own_correspondents_only(world, admin, client):
    client.force_login(admin)
    client.post(
        reverse("organisation:correspondent_create"), {"full_name": "Jean Gardien", "function": "Gardien"}
    )
    entry = SecurityCorrespondent.objects.get(full_name="Jean Gardien")
    assert entry.organisation == world.landlord

    client.post(
        reverse("organisation:correspondent_edit", args=[entry.pk]),
        {"full_name": "Jean Gardien", "function": "Chargé de sécurité"},
    )
    entry.refresh_from_db()
    assert entry.function == "Chargé de sécurité"

    foreign = SecurityCorrespondent.objects.create(
        organisation=world.other_landlord, full_name="X", function="Y"
    )
    assert client.get(reverse("organisation:correspondent_edit", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("organisation:correspondent_delete", args=[foreign.pk])).status_code == 404
    client.post(reverse("organisation:correspondent_delete", args=[entry.pk]))
    assert list(SecurityCorrespondent.objects.values_list("full_name", flat=True)) == ["X"]
    assert AuditEntry.objects.filter(object_type="partnerships.securitycorrespondent").count() == 3


# --- 4. The estate page ------------------------------------------------------------------------


def site_form(site, **changes):
    data = {
        "name": site.name,
        "address": site.address,
        "commune": site.commune.insee_code,
        "dwellings": site.dwellings,
        "postal_code": site.postal_code,
    }
    return {**data, **changes}


def test_a_landlord_manager_edits_an_estate_through_the_page(world, client):
    client.force_login(world.landlord_manager)
    url = reverse("sites:edit", args=[world.site_creil.pk])

    response = client.post(
        url, site_form(world.site_creil, name="Les Hauts rénovés", dwellings=120, zsp="on")
    )

    assert response.status_code == 302
    world.site_creil.refresh_from_db()
    assert (world.site_creil.name, world.site_creil.dwellings, world.site_creil.zsp) == (
        "Les Hauts rénovés",
        120,
        True,
    )


def test_an_estate_edit_breaking_a_rule_is_refused_and_changes_nothing(world, client):
    client.force_login(world.landlord_manager)
    url = reverse("sites:edit", args=[world.site_creil.pk])

    # The date of an authorisation that is not given: the model's constraint, checked by site_update.
    response = client.post(
        url, site_form(world.site_creil, name="Autre", entry_authorisation_date="2026-01-01")
    )

    assert response.status_code == 200
    assert "fr-error-text" in text(response) or "fr-alert" in text(response)
    world.site_creil.refresh_from_db()
    assert world.site_creil.name == "Les Hauts de Creil"


def test_an_agent_and_another_landlord_cannot_edit_the_estate(world, client):
    url = reverse("sites:edit", args=[world.site_creil.pk])
    for user in (world.landlord_agent, world.other_landlord_agent, world.officer):
        client.force_login(user)
        assert client.post(url, site_form(world.site_creil, name="Piraté")).status_code == 404
    world.site_creil.refresh_from_db()
    assert world.site_creil.name == "Les Hauts de Creil"


# --- 5. Password reset -------------------------------------------------------------------------


def request_reset(client, email, address="10.0.0.9"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_the_reset_page_answers_the_same_whether_the_address_exists_or_not(world, client, monkeypatch):
    published = []
    monkeypatch.setattr(send_password_reset_task, "apply_async", lambda args, **kw: published.append(args))

    known = request_reset(client, world.landlord_agent.email)
    unknown = request_reset(client, "personne@nulle-part.fr")

    assert known.status_code == unknown.status_code == 200
    strip = lambda r: re.sub(r'csrfmiddlewaretoken" value="[^"]+"|nonce="[^"]+"', "", text(r))  # noqa: E731
    assert strip(known) == strip(unknown)
    assert published == [[world.landlord_agent.email], ["personne@nulle-part.fr"]]
    assert not OutboxEmail.objects.exists()  # the worker queues the e-mail, not the request


def test_the_reset_request_runs_the_same_queries_whether_the_address_exists_or_not(world, monkeypatch):
    """No lookup of the account on the request path (the task does it): a known and an unknown address
    make the same statements, so neither their number nor their timing tells one from the other."""
    monkeypatch.setattr(send_password_reset_task, "apply_async", lambda args, **kw: None)

    def statements(email: str, address: str) -> list[str]:
        client = Client()
        client.get(reverse("password_reset"))  # the session and CSRF cookie, outside the capture
        with CaptureQueriesContext(connection) as queries:
            assert request_reset(client, email, address=address).status_code == 200
        # Shapes: the values (the address tried, times, ids, savepoint names) replaced by a placeholder.
        shape = r"'[^']*'|\b\d+\b|\"s\d+_x\d+\""
        return [re.sub(shape, "?", query["sql"]) for query in queries.captured_queries]

    known = statements(world.landlord_agent.email, "10.0.0.7")
    unknown = statements("personne@nulle-part.fr", "10.0.0.8")

    assert known == unknown
    assert not any('"partnerships_user"' in sql for sql in known)


def test_the_reset_link_sets_a_password_once_and_ends_the_other_sessions(world, client):
    other_session = Client()
    other_session.force_login(world.landlord_agent)
    assert send_password_reset_task(world.landlord_agent.email) is True
    assert send_password_reset_task("personne@nulle-part.fr") is False
    link = link_in("password-reset:")

    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done.status_code == 302
    world.landlord_agent.refresh_from_db()
    assert world.landlord_agent.check_password(NEW_PASSWORD)
    assert other_session.get(reverse("home")).status_code == 302
    reused = Client().get(link, follow=True)
    assert "n'est plus valable" in text(reused)


def test_a_reset_link_older_than_an_hour_is_refused(world, client, settings, monkeypatch):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    send_password_reset_task(world.landlord_agent.email)
    link = link_in("password-reset:")
    later = datetime.datetime.now() + datetime.timedelta(seconds=3601)  # noqa: DTZ005 - Django's token clock is naive
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)

    response = client.get(link, follow=True)

    assert "n'est plus valable" in text(response)


def test_reset_requests_count_against_the_lockout(world, client, settings, monkeypatch):
    monkeypatch.setattr(send_password_reset_task, "apply_async", lambda args, **kw: None)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        request_reset(client, world.landlord_agent.email)

    assert request_reset(client, world.landlord_agent.email).status_code == 429
    login = client.post(
        reverse("login"),
        {"username": world.landlord_agent.email, "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="10.0.0.9",
    )
    assert login.status_code == 429


def test_changing_ones_password_keeps_the_current_session_and_ends_the_others(world, client):
    other_session = Client()
    other_session.force_login(world.landlord_agent)
    client.force_login(world.landlord_agent)
    data = {"old_password": DEFAULT_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}

    response = client.post(reverse("password_change"), data)

    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert other_session.get(reverse("home")).status_code == 302
