"""Every role's main menu: each entry opens, no page it offers or links to answers 403/404, and every
page the role may open is in its menu or linked from a page that is."""

import re

import pytest
from django.urls import reverse

from conventions.permissions import convention_policy, problem_policy
from partnerships.menu import menu_rows
from partnerships.models import OrganisationKind, Role
from tests.factories import OrganisationFactory, UserFactory

COMMON = {"home", "directory", "alerts:notifications", "alerts:preferences"}
LANDLORD = COMMON | {"alerts:create", "alerts:list", "sites:list", "conventions:problems"}
# Every manager declares their own absences; an organisation's admin also runs its console.
ABSENCES = {"organisation:absences"}
CONSOLE = {"organisation:accounts"}
LANDLORD_MANAGER = LANDLORD | {"conventions:list", "conventions:indicators", "imports:index"} | ABSENCES
FORCE = COMMON | {"alerts:dashboard", "sites:list", "conventions:problems"}
FORCE_MANAGER = FORCE | {"conventions:list", "conventions:indicators"} | ABSENCES
PREFECTURE = COMMON | {
    "alerts:list",
    "alerts:routing_queue",
    "sites:list",
    "conventions:list",
    "conventions:problems",
    "conventions:indicators",
}

# role -> (how the world makes it, the menu it must have, pages outside the menu it must reach by a link)
ROLES = {
    "landlord agent": (lambda w: w.landlord_agent, LANDLORD, set()),
    # A landlord's managers open partnership problems too (its agents only read them).
    "landlord manager": (lambda w: w.landlord_manager, LANDLORD_MANAGER, {"conventions:problem_create"}),
    "landlord admin": (
        lambda w: UserFactory(organisation=w.landlord, role=Role.ADMIN),
        LANDLORD_MANAGER | CONSOLE,
        {"conventions:problem_create"},
    ),
    "police officer": (lambda w: w.officer, FORCE, {"conventions:problem_create"}),
    "police manager": (lambda w: w.police_manager, FORCE_MANAGER, {"conventions:problem_create"}),
    "gendarme": (lambda w: w.gendarme, FORCE, {"conventions:problem_create"}),
    "police manager of the parent unit": (
        lambda w: w.ddsp_manager,
        FORCE_MANAGER,
        {"conventions:problem_create"},
    ),
    "gendarmerie manager of the parent unit": (
        lambda w: UserFactory(organisation=w.groupement, role=Role.MANAGER),
        FORCE_MANAGER,
        {"conventions:problem_create"},
    ),
    "prefecture agent": (
        lambda w: UserFactory(organisation=w.prefecture, role=Role.AGENT),
        PREFECTURE,
        {"conventions:create", "conventions:response_policy", "conventions:problem_create"},
    ),
    "prefecture referent": (
        lambda w: w.prefect_agent,
        PREFECTURE | {"imports:index", "audit:list"} | ABSENCES,
        {"conventions:create", "conventions:response_policy", "conventions:problem_create"},
    ),
    "mayor": (lambda w: w.mayor, COMMON | {"conventions:indicators"}, set()),
    # The parquet reads the aggregated indicators of the conventions it signed.
    "parquet agent": (
        lambda w: UserFactory(organisation=parquet(w), role=Role.AGENT),
        COMMON | {"conventions:indicators"},
        set(),
    ),
    "parquet manager": (
        lambda w: UserFactory(organisation=parquet(w), role=Role.MANAGER),
        COMMON | {"conventions:list", "conventions:indicators"} | ABSENCES,
        set(),
    ),
    "platform admin": (
        lambda w: UserFactory(organisation=None, is_superuser=True, is_staff=True),
        COMMON
        | {"sites:list", "conventions:list", "conventions:problems", "imports:index", "audit:list"}
        | {"organisation:create"},
        set(),
    ),
}

# Pages outside the menu, with the policy and action that gate them.
OTHER_PAGES = [
    ("conventions:create", convention_policy, "create"),
    ("conventions:response_policy", convention_policy, "change"),
    ("conventions:problem_create", problem_policy, "open"),
]
NOT_FOLLOWED = ("/deconnexion/", "/static/", "/api/")


def parquet(world):
    return OrganisationFactory(kind=OrganisationKind.PARQUET, department=world.oise, name="Parquet de Senlis")


def links(page: str) -> set[str]:
    return set(re.findall(r'href="(/[^"?#]*)', page))


@pytest.mark.parametrize("role", ROLES)
def test_each_role_s_menu_opens_and_leads_to_every_page_it_may_open(world, client, role):
    make, expected_menu, linked_pages = ROLES[role]
    user = make(world)
    client.force_login(user)

    menu = list(client.get(reverse("home")).context["main_menu"])
    names = {name for name, *_rest in menu_rows() if reverse(name) in {item["url"] for item in menu}}
    assert names == expected_menu

    reachable, seen = set(), {}
    for item in menu:
        response = client.get(item["url"])
        assert response.status_code == 200, item["url"]
        reachable |= links(response.content.decode())
    # No link of a menu page leads to a page the role is refused (403) or that hides from it (404).
    for url in sorted(reachable):
        if not url.startswith(NOT_FOLLOWED):
            seen[url] = client.get(url).status_code
    assert {url: status for url, status in seen.items() if status in (403, 404)} == {}

    menu_urls = {item["url"] for item in menu}
    declared = {reverse(name) for name in linked_pages}
    by_policy = {
        reverse(name)
        for name, policy, action in [(n, p, a) for n, _label, p, a in menu_rows()] + OTHER_PAGES
        if policy.user_has_permission(user, action)
    }
    assert (declared | by_policy) - menu_urls - reachable == set()
    for url in declared | by_policy:
        assert client.get(url).status_code == 200, url


def test_the_parquet_s_home_page_does_not_offer_the_django_administration(world, client):
    client.force_login(UserFactory(organisation=parquet(world), role=Role.MANAGER))

    page = client.get(reverse("home")).content.decode()

    assert reverse("admin:index") not in page
    assert reverse("conventions:list") in page
