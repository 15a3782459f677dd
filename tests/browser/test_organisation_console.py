"""Issue 20 journeys: an admin invites a colleague who then logs in, a manager declares a substitute,
someone resets a forgotten password. Each at 390 px (phone) and 1366 px (laptop)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.models import OutboxEmail
from partnerships.models import Role, Substitution, User
from partnerships.tasks import send_password_reset_task
from tests.browser.conftest import PHONE
from tests.factories import UserFactory

LAPTOP = {"viewport": {"width": 1366, "height": 900}}
WIDTHS = pytest.mark.parametrize("options", [PHONE, LAPTOP], ids=["390", "1366"])
PASSWORD = "Un-nouveau-mot-de-passe-2026"


def link_in(prefix: str, live_server) -> str:
    body = OutboxEmail.objects.filter(key__startswith=prefix).latest("pk").body
    return live_server.url + re.search(r"http://\S+?(/\S+)", body).group(1)


def log_in(page, live_server, email, password):
    page.goto(f"{live_server.url}/connexion/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("main form [type=submit]")
    page.wait_for_url(lambda url: "/connexion/" not in url)


@WIDTHS
def test_an_admin_invites_a_colleague_who_then_logs_in(
    world, live_server, new_page, login_as, screenshot, options
):
    admin = UserFactory(organisation=world.landlord, role=Role.ADMIN, email="admin@bailleur.fr")
    page = new_page(options)
    login_as(page, live_server, admin)
    page.goto(f"{live_server.url}{reverse('organisation:accounts')}")
    screenshot(page, "accounts")
    page.click("text=Inviter une personne")
    page.fill("input[name=email]", "collegue@bailleur.fr")
    page.select_option("select[name=role]", Role.MANAGER)
    page.click("main form [type=submit]")
    assert "Invitation envoyée" in page.content()

    newcomer = new_page(options)
    newcomer.goto(link_in("invitation:", live_server))
    assert world.landlord.name in newcomer.content()
    newcomer.fill("input[name=first_name]", "Inès")
    newcomer.fill("input[name=last_name]", "Marie")
    newcomer.fill("input[name=password1]", PASSWORD)
    newcomer.fill("input[name=password2]", PASSWORD)
    screenshot(newcomer, "invitation")
    newcomer.click("main form [type=submit]")
    newcomer.wait_for_url(f"{live_server.url}/")
    assert "Bienvenue sur Passerelle" in newcomer.content()

    again = new_page(options)
    log_in(again, live_server, "collegue@bailleur.fr", PASSWORD)
    assert "Inès Marie" in again.locator("[data-testid=current-user]").inner_text()
    assert User.objects.get(email="collegue@bailleur.fr").role == Role.MANAGER


@WIDTHS
def test_a_manager_declares_a_substitute(world, live_server, new_page, login_as, screenshot, options):
    page = new_page(options)
    login_as(page, live_server, world.police_manager)
    page.goto(f"{live_server.url}{reverse('organisation:absences')}")
    start = timezone.localdate() + datetime.timedelta(days=1)
    page.fill("input[name=starts_on]", start.isoformat())
    page.fill("input[name=ends_on]", (start + datetime.timedelta(days=6)).isoformat())
    page.select_option("select[name=substitute]", str(world.officer.pk))
    page.click("form:has(select[name=substitute]) [type=submit]")

    assert "Absence enregistrée" in page.content()
    assert str(world.officer) in page.locator("[data-testid=absences]").inner_text()
    screenshot(page, "absences")
    assert Substitution.objects.get(user=world.police_manager).substitute == world.officer


@WIDTHS
def test_a_forgotten_password_is_reset_by_e_mail(
    world, live_server, new_page, screenshot, options, monkeypatch
):
    # The worker's part, run at once: the task queues the e-mail in the outbox.
    monkeypatch.setattr(
        send_password_reset_task, "apply_async", lambda args, **kw: send_password_reset_task(*args)
    )
    page = new_page(options)
    page.goto(f"{live_server.url}/connexion/")
    page.click("text=Mot de passe oublié ?")
    page.fill("input[name=email]", world.landlord_agent.email)
    page.click("main form [type=submit]")
    assert "Si cette adresse correspond à un compte actif" in page.content()
    screenshot(page, "requested")

    page.goto(link_in("password-reset:", live_server))
    page.fill("input[name=new_password1]", PASSWORD)
    page.fill("input[name=new_password2]", PASSWORD)
    screenshot(page, "new-password")
    page.click("main form [type=submit]")
    assert "Mot de passe modifié" in page.content()

    log_in(page, live_server, world.landlord_agent.email, PASSWORD)
    assert page.url == f"{live_server.url}/"
