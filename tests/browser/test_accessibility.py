"""axe-core in the real browser on every main page of every role (RGAA 4.1 relies on WCAG 2.1): no
serious or critical violation. The world is built once for the module and each role keeps one
logged-in browser context, so forty pages cost forty page loads, not forty worlds and logins."""

import datetime
import os
import re
from html import unescape

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from pytest_django.live_server_helper import LiveServer

from alerts import services as alert_services
from alerts.outbox import delivery_paused
from alerts.webhooks.services import webhook_create
from conventions.problems import problem_create
from conventions.services import action_item_create, commitment_create, meeting_create
from partnerships.models import Invitation, OrganisationKind, Role, User, token_digest
from partnerships.tokens.services import api_token_create
from tests.alerts.factories import draft_alert, filed_alert
from tests.browser.conftest import PHONE
from tests.conftest import World
from tests.conventions.factories import make_convention
from tests.factories import (
    DEFAULT_PASSWORD,
    BuildingFactory,
    CorrespondentFactory,
    OrganisationFactory,
    UserFactory,
)

# The module's data is committed once by the `scene` fixture; the django_db mark only makes
# pytest-django create the test database and wrap each test in a transaction that the page views
# cannot outlive. One xdist worker runs the whole module (`make test` uses --dist loadgroup), so the
# scene is built once rather than each time a worker comes back to the module.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("accessibility")]

BLOCKING_IMPACTS = {"serious", "critical"}
# The phone of a caretaker or a patrol, and an office screen.
WIDTHS = {"phone": PHONE, "desktop": {"viewport": {"width": 1366, "height": 768}}}


class Scene:
    """The conftest world plus one object of each kind a main page shows."""

    def __init__(self):
        self.world = world = World()
        self.admin = User.objects.create_superuser(email="admin@plateforme.fr", password=DEFAULT_PASSWORD)
        self.parquet = UserFactory(
            organisation=OrganisationFactory(
                kind=OrganisationKind.PARQUET, department=world.oise, name="Parquet de Senlis"
            ),
            role=Role.MANAGER,
        )
        BuildingFactory(site=world.site_creil, reference="B1", name="Bâtiment Pégase")
        CorrespondentFactory(organisation=world.landlord, full_name="Claire Dumont")
        CorrespondentFactory(organisation=world.police, full_name="Capitaine Bernard")
        self.convention = make_convention(world, periodic_review_months=6)
        commitment_create(
            actor=None,
            convention=self.convention,
            text="Protection des personnels de proximité",
            responsible=[world.landlord, world.ddsp],
            status="in_progress",
        )
        meeting = meeting_create(
            actor=None,
            convention=self.convention,
            kind="periodic",
            date=datetime.date(2025, 3, 4),
            attendees=[world.landlord, world.ddsp],
            minutes="Point sur les halls de Creil.",
        )
        action_item_create(
            actor=None, meeting=meeting, text="Diagnostic de sûreté des halls", owner=world.landlord
        )
        # A fresh fiche (every action form of the officer) and one with a timeline.
        self.alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
        answered = filed_alert(site=world.site_creil, reporter=world.landlord_agent, urgency="high")
        alert_services.alert_acknowledge(actor=world.officer, alert=answered)
        alert_services.alert_feedback(
            actor=world.officer, alert=answered, message="Patrouille renforcée ce soir."
        )
        alert_services.alert_comment(actor=world.landlord_agent, alert=answered, message="Merci, c'est noté.")
        self.orphan = filed_alert(site=world.site_nowhere, reporter=world.landlord_agent)
        self.draft = draft_alert(site=world.site_meru, reporter=world.landlord_agent)
        self.problem = problem_create(
            actor=world.prefect_agent,
            site=world.site_creil,
            commune=world.creil,
            title="Occupation récurrente du hall B",
            description="Regroupements chaque soir.",
            partners=[world.landlord, world.police],
            action_plan="Passages renforcés, éclairage du hall.",
            alerts=[answered],
        )
        # Just opened by the landlord: no action plan yet (its form sent empty comes back in error).
        self.new_problem = problem_create(
            actor=world.landlord_manager,
            site=world.site_creil,
            commune=world.creil,
            title="Tags dans le hall A",
        )

        # The landlord's organisation administrator, with an API token and a webhook to list.
        self.org_admin = UserFactory(organisation=world.landlord, role=Role.ADMIN, email="admin@bailleur.fr")
        api_token_create(
            actor=self.org_admin,
            name="Logiciel de gestion locative",
            role="agent",
            scope="read",
            expires_on=timezone.localdate() + datetime.timedelta(days=30),
        )
        self.webhook = webhook_create(
            actor=self.org_admin, url="https://93.184.215.14/hook", events=["alert.filed"]
        )

        # A pending invitation and a password-reset link, for the anonymous visitor's forms.
        self.invitation_token = "jeton-invitation-accessibilite"
        Invitation.objects.create(
            organisation=world.landlord,
            email="nouvelle@bailleur.fr",
            role=Role.AGENT,
            token_digest=token_digest(self.invitation_token),
            invited_by=self.org_admin,
            created_at=timezone.now(),
            expires_at=timezone.now() + datetime.timedelta(days=3),
        )
        # Nobody logs in as this one: a login would change the hash the reset token is made from.
        resetting = UserFactory(organisation=world.mairie, email="oubli@creil.fr")
        self.reset_link = [
            urlsafe_base64_encode(force_bytes(resetting.pk)),
            default_token_generator.make_token(resetting),
        ]

    def user(self, role: str) -> User:
        return getattr(self, role) if role in ("admin", "parquet", "org_admin") else getattr(self.world, role)


# role -> page name -> URL built from the scene. The roles are the permission matrix's plus the
# anonymous visitor and the platform administrator (superuser without organisation).
PAGES = {
    "anonymous": {
        "login": lambda s: reverse("login"),
        "password reset": lambda s: reverse("password_reset"),
        "new password": lambda s: reverse("password_reset_confirm", args=s.reset_link),
        "invitation": lambda s: reverse("invitation_accept", args=[s.invitation_token]),
        "accessibility statement": lambda s: reverse("accessibility"),
    },
    "landlord_agent": {
        "home": lambda s: reverse("home"),
        "filing, site step": lambda s: reverse("alerts:create"),
        "filing, site search": lambda s: reverse("alerts:create") + "?q=Creil",
        "filing, form step": lambda s: reverse("alerts:create") + f"?site={s.world.site_creil.pk}",
        "draft edit": lambda s: reverse("alerts:edit", args=[s.draft.pk]),
        "confirmation": lambda s: reverse("alerts:confirmation", args=[s.alert.pk]),
        "own fiches": lambda s: reverse("alerts:list"),
        "fiche": lambda s: reverse("alerts:detail", args=[s.alert.pk]),
        "sites": lambda s: reverse("sites:list"),
        "site": lambda s: reverse("sites:detail", args=[s.world.site_creil.pk]),
        "directory": lambda s: reverse("directory"),
        "notifications": lambda s: reverse("alerts:notifications"),
        "password change": lambda s: reverse("password_change"),
    },
    "landlord_manager": {
        "home": lambda s: reverse("home"),
        "site": lambda s: reverse("sites:detail", args=[s.world.site_creil.pk]),
        "indicators": lambda s: reverse("conventions:indicators"),
        "my convention": lambda s: reverse("conventions:partner", args=[s.convention.pk]),
        "imports": lambda s: reverse("imports:index"),
        "sites import": lambda s: reverse("imports:upload", args=["sites"]),
        "problems": lambda s: reverse("conventions:problems") + f"?site={s.world.site_creil.pk}",
        "problem": lambda s: reverse("conventions:problem_detail", args=[s.problem.pk]),
        "new problem": lambda s: reverse("conventions:problem_create") + f"?fiche={s.alert.reference}",
        "problem action plan": lambda s: reverse("conventions:problem_action_plan", args=[s.new_problem.pk]),
        "problem fiches": lambda s: reverse("conventions:problem_link", args=[s.problem.pk]),
    },
    "officer": {
        "home": lambda s: reverse("home"),
        "dashboard": lambda s: reverse("alerts:dashboard"),
        "fiche with action forms": lambda s: reverse("alerts:detail", args=[s.alert.pk]),
        "notifications": lambda s: reverse("alerts:notifications"),
        "sites": lambda s: reverse("sites:list"),
        "problems": lambda s: reverse("conventions:problems"),
        "second factor": lambda s: reverse("otp_enrol"),
    },
    "gendarme": {
        "home": lambda s: reverse("home"),
        "dashboard": lambda s: reverse("alerts:dashboard"),
        "problems": lambda s: reverse("conventions:problems"),
    },
    "police_manager": {
        "dashboard": lambda s: reverse("alerts:dashboard"),
        "fiche": lambda s: reverse("alerts:detail", args=[s.alert.pk]),
        "indicators": lambda s: reverse("conventions:indicators"),
    },
    "prefect_agent": {
        "home": lambda s: reverse("home"),
        "fiches": lambda s: reverse("alerts:list"),
        "fiche": lambda s: reverse("alerts:detail", args=[s.orphan.pk]),
        "routing queue": lambda s: reverse("alerts:routing_queue"),
        "conventions": lambda s: reverse("conventions:list"),
        "convention": lambda s: reverse("conventions:detail", args=[s.convention.pk]),
        "new convention": lambda s: reverse("conventions:create"),
        "convention form": lambda s: reverse("conventions:edit", args=[s.convention.pk]),
        "new meeting": lambda s: reverse("conventions:follow_up_create", args=[s.convention.pk, "reunion"]),
        "convention indicators": lambda s: reverse(
            "conventions:convention_indicators", args=[s.convention.pk]
        ),
        "department indicators": lambda s: reverse("conventions:indicators"),
        "convention comparison": lambda s: reverse(
            "conventions:convention_comparison", args=[s.convention.pk]
        ),
        "response delays": lambda s: reverse("conventions:response_policy"),
        "convention response delays": lambda s: reverse(
            "conventions:convention_response_policy", args=[s.convention.pk]
        ),
        "problems": lambda s: reverse("conventions:problems"),
        "problem": lambda s: reverse("conventions:problem_detail", args=[s.problem.pk]),
        "new problem": lambda s: reverse("conventions:problem_create"),
        "imports": lambda s: reverse("imports:index"),
        "territories import": lambda s: reverse("imports:upload", args=["territories"]),
        "directory": lambda s: reverse("directory"),
        "audit trail": lambda s: reverse("audit:list"),
        "landlord départements": lambda s: reverse("organisation:departments", args=[s.world.landlord.pk]),
    },
    "org_admin": {
        "accounts": lambda s: reverse("organisation:accounts"),
        "account": lambda s: reverse("organisation:account", args=[s.world.landlord_agent.pk]),
        "invitation": lambda s: reverse("organisation:invite"),
        "directory entries": lambda s: reverse("organisation:correspondents"),
        "new directory entry": lambda s: reverse("organisation:correspondent_create"),
        "absences": lambda s: reverse("organisation:absences"),
        "API tokens": lambda s: reverse("tokens:list"),
        "webhooks": lambda s: reverse("webhooks:list"),
        "webhook": lambda s: reverse("webhooks:detail", args=[s.webhook.pk]),
    },
    "mayor": {
        "home": lambda s: reverse("home"),
        "indicators": lambda s: reverse("conventions:indicators"),
    },
    "parquet": {
        "home": lambda s: reverse("home"),
        "directory": lambda s: reverse("directory"),
        "indicators": lambda s: reverse("conventions:indicators"),
    },
    "admin": {
        "home": lambda s: reverse("home"),
        "sites": lambda s: reverse("sites:list"),
        "conventions": lambda s: reverse("conventions:list"),
        "audit trail": lambda s: reverse("audit:list"),
        "imports": lambda s: reverse("imports:index"),
        "sites import": lambda s: reverse("imports:upload", args=["sites"]),
        "new organisation": lambda s: reverse("organisation:create"),
    },
}


@pytest.fixture(scope="module")
def scene(browser, django_db_setup, django_db_blocker):
    """A live server over data committed once for the module. pytest-django's `live_server` would
    flush the database after every test; this one flushes once, when the module is done."""
    with django_db_blocker.unblock():
        server = LiveServer(os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost")
        server._live_server_modified_settings.enable()
        try:
            # Committed for real: without this, filing would publish e-mail tasks to the broker.
            with delivery_paused():
                scene = Scene()
            scene.url = server.url
            yield scene
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def contexts(browser, scene, django_db_blocker):
    """One browser context per role and width, its session opened before any test: one opened
    inside a test would be rolled back with the test's transaction on SQLite, where the server
    shares the connection. One session per role serves both widths."""
    pages = {}
    with django_db_blocker.unblock():
        for role in PAGES:
            cookies = []
            if role != "anonymous":
                # The login form has its own tests (conftest's login_as journeys, and below).
                client = Client()
                client.force_login(scene.user(role), backend="django.contrib.auth.backends.ModelBackend")
                session = client.cookies[settings.SESSION_COOKIE_NAME].value
                cookies = [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": scene.url}]
            for width, options in WIDTHS.items():
                context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", **options)
                context.set_default_timeout(10_000)
                context.add_cookies(cookies)
                pages[role, width] = context.new_page()
    yield pages
    for page in pages.values():
        page.context.close()


@pytest.fixture(scope="module")
def page_as(contexts):
    """The role's page at desktop width."""
    return lambda role: contexts[role, "desktop"]


def describe(violations) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} — {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            summary = node["failureSummary"].replace("\n", " ")
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
    return "\n".join(lines)


def blocking_violations(page, context=None) -> list[dict]:
    violations = Axe().run(page, context=context).response["violations"]
    return [violation for violation in violations if violation["impact"] in BLOCKING_IMPACTS]


def assert_accessible(page, what: str, *, unfold: bool = True):
    """The page as shown, then each folded accordion (the fiche's action forms) once unfolded:
    axe skips hidden content, which a keyboard or screen reader user unfolds."""
    blocking = blocking_violations(page)
    buttons = page.locator(".fr-accordion__btn")
    for index in range(buttons.count() if unfold else 0):
        button = buttons.nth(index)
        if button.get_attribute("aria-expanded") == "true":  # shown, so checked with the page
            continue
        # The DSFR script drives the accordion: a click before it has started is lost.
        button.and_(page.locator("[data-fr-js-collapse-button]")).wait_for(state="attached")
        button.click()
        panel = f"#{button.get_attribute('aria-controls')}"
        page.locator(panel).wait_for(state="visible")
        # Until the panel folding in the same group has finished moving, it overlaps the new one
        # and axe would measure the contrast against its button.
        page.wait_for_function("() => document.getAnimations().length === 0")
        blocking += blocking_violations(page, context=panel)
    assert not blocking, f"{what} ({page.url}):\n{describe(blocking)}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    ("role", "name"),
    [(role, name) for role, pages in PAGES.items() for name in pages],
    ids=[f"{role}-{name}" for role, pages in PAGES.items() for name in pages],
)
def test_the_page_has_no_serious_or_critical_accessibility_violation(role, name, width, scene, contexts):
    page = contexts[role, width]
    response = page.goto(f"{scene.url}{PAGES[role][name](scene)}")
    assert response.status == 200, f"{role} could not open {name}: HTTP {response.status}"

    assert_accessible(page, f"{role} — {name} — {width}")


def error_messages_of_invalid_fields(page) -> dict[str, str]:
    """Each field marked invalid, with the text of what its aria-describedby points to."""
    invalid = page.locator("[aria-invalid=true]")
    messages = {}
    for index in range(invalid.count()):
        field = invalid.nth(index)
        described_by = (field.get_attribute("aria-describedby") or "").split()
        messages[field.get_attribute("name")] = " ".join(
            page.locator(f"[id='{id_}']").inner_text() for id_ in described_by
        )
    return messages


def test_the_filing_form_sent_incomplete_ties_each_error_to_its_field(scene, page_as):
    page = page_as("landlord_agent")
    page.goto(f"{scene.url}{reverse('alerts:create')}?site={scene.world.site_creil.pk}")
    page.click("button[value=submit]")

    messages = error_messages_of_invalid_fields(page)
    assert {"category", "description"} <= set(messages)
    assert all("obligatoire" in message for message in messages.values()), messages
    assert_accessible(page, "landlord_agent — filing form with errors")


# Every form a user can send with an error: (role, page, the form on it). Each is sent with its
# fields emptied and must come back with the errors summed up, focused and tied to their fields —
# and nothing written. Forms that no input can make invalid (preferences' pre-checked radios, the
# one-button actions) are not here: they have no error state.
FIRST_POST_FORM = "main form[method=post] >> nth=-1"
INVALID_FORMS = [
    ("anonymous", "login", FIRST_POST_FORM),
    ("anonymous", "password reset", FIRST_POST_FORM),
    ("anonymous", "new password", FIRST_POST_FORM),
    ("anonymous", "invitation", FIRST_POST_FORM),
    ("landlord_agent", "filing, form step", FIRST_POST_FORM),
    ("landlord_agent", "fiche", "form[data-testid=action-comment]"),
    ("landlord_agent", "password change", FIRST_POST_FORM),
    ("officer", "second factor", FIRST_POST_FORM),
    *[
        ("officer", "fiche with action forms", f"form[data-testid=action-{action}]")
        for action in ("feedback", "close", "redirect", "return", "merge", "link", "comment", "attach")
    ],
    ("landlord_manager", "new problem", FIRST_POST_FORM),
    ("landlord_manager", "problem", "form[data-testid=link-form]"),
    ("landlord_manager", "problem action plan", FIRST_POST_FORM),
    ("landlord_manager", "problem fiches", FIRST_POST_FORM),
    ("prefect_agent", "routing queue", "form.passerelle-route-form >> nth=0"),
    ("prefect_agent", "new convention", FIRST_POST_FORM),
    ("prefect_agent", "convention form", FIRST_POST_FORM),
    ("prefect_agent", "new meeting", FIRST_POST_FORM),
    ("prefect_agent", "new problem", FIRST_POST_FORM),
    ("prefect_agent", "territories import", FIRST_POST_FORM),
    ("prefect_agent", "response delays", FIRST_POST_FORM),
    ("prefect_agent", "convention response delays", FIRST_POST_FORM),
    ("org_admin", "invitation", FIRST_POST_FORM),
    ("org_admin", "new directory entry", FIRST_POST_FORM),
    ("org_admin", "absences", FIRST_POST_FORM),
    ("org_admin", "API tokens", "form[data-testid=token-form]"),
    ("org_admin", "webhooks", "form[data-testid=webhook-form]"),
    ("admin", "new organisation", FIRST_POST_FORM),
]

# Empties what a user can empty; a select goes back to its empty choice when it has one.
EMPTY_THE_FORM = """form => {
    form.noValidate = true;  // the browser's own checks would stop the submission first
    for (const field of form.elements) {
        if (field.type === "hidden" || field.type === "submit" || field.type === "button") continue;
        if (field.type === "checkbox" || field.type === "radio") { field.checked = false; continue; }
        if (field.tagName === "SELECT") {
            const empty = [...field.options].findIndex(option => option.value === "");
            if (empty >= 0) field.selectedIndex = empty;
            continue;
        }
        field.value = "";
    }
    form.requestSubmit(form.querySelector("[type=submit]"));
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    ("role", "name", "form"),
    INVALID_FORMS,
    ids=[f"{role}-{name}-{form.split('=')[-1].strip(']')}" for role, name, form in INVALID_FORMS],
)
def test_a_form_sent_invalid_comes_back_with_a_focused_error_summary(
    role, name, form, width, scene, contexts
):
    page = contexts[role, width]
    page.goto(f"{scene.url}{PAGES[role][name](scene)}")
    with page.expect_navigation():
        page.locator(form).evaluate(EMPTY_THE_FORM)
    page.wait_for_load_state()

    assert page.title().startswith("Erreur : "), page.title()
    summary = page.locator("#error-summary")
    page.wait_for_function("() => document.activeElement.id === 'error-summary'")
    for index in range(summary.locator("a").count()):
        target = summary.locator("a").nth(index).get_attribute("href")
        field = page.locator(target)
        assert field.get_attribute("aria-invalid") == "true", target
        assert field.get_attribute("aria-describedby"), target
    # The sent form is unfolded with its errors; the folded ones are checked by the page's own test.
    assert_accessible(page, f"{role} — {name} sent invalid — {width}", unfold=False)


def test_the_login_sent_empty_says_which_field_is_missing(scene, page_as):
    page = page_as("anonymous")
    page.goto(f"{scene.url}{reverse('login')}")
    page.click("form [type=submit]")

    messages = error_messages_of_invalid_fields(page)
    assert set(messages) == {"username", "password"}
    assert all("obligatoire" in message for message in messages.values()), messages
    assert page.locator("#id_username").get_attribute("type") == "email"
    assert page.locator("#id_username").get_attribute("autocomplete") == "email"
    links = page.locator("#error-summary a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        "#id_username",
        "#id_password",
    ]


def test_the_menu_skip_link_at_phone_width_reaches_the_button_that_opens_the_menu(scene, contexts):
    page = contexts["landlord_agent", "phone"]
    page.goto(f"{scene.url}{reverse('home')}")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")

    skip = page.locator(":focus")
    assert skip.inner_text() == "Menu"
    skip.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'button-menu'")
    assert page.locator("#button-menu").is_visible()
    page.keyboard.press("Enter")
    page.locator("#main-navigation").wait_for(state="visible")


def test_the_open_menu_at_phone_width_is_a_dialog_named_after_its_button(scene, contexts):
    page = contexts["officer", "phone"]
    page.goto(f"{scene.url}{reverse('home')}")
    page.locator("#button-menu[data-fr-js-modal-button]").wait_for(state="attached")
    page.click("#button-menu")
    page.locator("#main-navigation").wait_for(state="visible")
    page.wait_for_function("() => document.getAnimations().length === 0")

    dialog = page.get_by_role("dialog", name="Menu")
    assert dialog.is_visible()
    assert dialog.get_attribute("aria-modal") == "true"
    assert not blocking_violations(page, context="#modal-menu")
    page.click("#modal-menu .fr-btn--close")
    page.locator("#main-navigation").wait_for(state="hidden")


def test_every_list_table_scrolls_in_a_focusable_named_region_at_phone_width(scene, contexts):
    page = contexts["prefect_agent", "phone"]
    for name in ("routing queue", "convention", "directory", "fiches"):
        page.goto(f"{scene.url}{PAGES['prefect_agent'][name](scene)}")
        regions = page.locator(".fr-table__container")
        assert regions.count(), name
        for index in range(regions.count()):
            region = regions.nth(index)
            assert region.get_attribute("tabindex") == "0", name
            assert region.get_attribute("role") == "region", name
            assert region.get_attribute("aria-label"), name


def test_a_wrong_filter_of_the_dashboard_ties_its_error_to_its_field(scene, page_as):
    page = page_as("officer")
    page.goto(f"{scene.url}{reverse('alerts:dashboard')}?submitted_from=hier")

    messages = error_messages_of_invalid_fields(page)
    assert list(messages) == ["submitted_from"]
    assert "date valide" in messages["submitted_from"]
    assert_accessible(page, "officer — dashboard with a wrong filter")


def test_a_failed_login_announces_its_error(scene, page_as):
    page = page_as("anonymous")
    page.goto(f"{scene.url}{reverse('login')}")
    page.fill("input[name=username]", scene.world.landlord_agent.email)
    page.fill("input[name=password]", "pas le bon mot de passe")
    page.click("form [type=submit]")

    assert "incorrect" in page.locator("#error-summary").inner_text()
    assert_accessible(page, "anonymous — login with an error")


def test_the_check_reports_a_violation_with_its_rule_and_target(scene, page_as):
    """The helpers above must be able to fail: an unlabelled field is a critical violation."""
    page = page_as("anonymous")
    page.goto(f"{scene.url}{reverse('login')}")
    page.evaluate("document.querySelector('label[for=id_password]').remove()")

    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "anonymous — login without its label")

    assert "label (critical)" in str(failure.value)
    assert "#id_password" in str(failure.value)


@pytest.mark.parametrize("role", list(PAGES))
def test_each_page_of_a_role_has_its_own_title(role, scene, client):
    if role != "anonymous":
        client.force_login(scene.user(role), backend="django.contrib.auth.backends.ModelBackend")
    titles = {}
    for name, url in PAGES[role].items():
        html = client.get(url(scene), follow=True).content.decode()  # the reset link redirects to its form
        title = unescape(re.search(r"<title>(.*?)</title>", html, re.DOTALL).group(1)).strip()
        assert title != "Passerelle", f"{name} has no title of its own"
        # A search shows the same page as its empty form.
        titles.setdefault(title, set()).add(url(scene).split("?q=")[0])
    shared = {title: urls for title, urls in titles.items() if len(urls) > 1}
    assert not shared, f"pages sharing a title: {shared}"


def test_the_accessibility_statement_is_public_and_linked_from_the_footer(scene, page_as, screenshot):
    page = page_as("anonymous")
    page.goto(f"{scene.url}{reverse('login')}")

    page.locator("footer").get_by_role("link", name="Accessibilité : non conforme").click()

    assert page.url == f"{scene.url}{reverse('accessibility')}"
    statement = page.locator("[data-testid=accessibility-statement]").inner_text()
    assert (
        "non conforme avec le référentiel général d'amélioration de l'accessibilité (RGAA), version 4.1"
        in (statement)
    )
    assert "Établie le 23 novembre 2026" in statement
    assert "axe-core" in statement
    assert "Défenseur des droits" in statement
    screenshot(page, "statement")


def test_the_statement_gives_the_contact_address_when_one_is_configured(client, settings):
    settings.PASSERELLE_ACCESSIBILITY_CONTACT = "accessibilite@oise.gouv.fr"

    response = client.get(reverse("accessibility"))

    assert response.status_code == 200
    assert 'href="mailto:accessibilite@oise.gouv.fr"' in response.content.decode()
