"""The unfiltered lists read by compiled SQL (alerts/prepared_lists.py) show what the ORM's reads
show, page for page, for every kind of user; users sharing a compiled shape each read their own
fiches; any filter goes back to the ORM."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts import prepared_lists, services
from alerts.api import views as api_views
from alerts.filters import AlertFilter
from alerts.models import Alert
from alerts.views import lists
from tests.alerts.factories import draft_alert, filed_alert
from tests.factories import UserFactory


@pytest.fixture
def fiches(world):
    agent_972 = UserFactory(organisation=world.landlord_972, email="agent@simar.fr")
    made = [filed_alert(site=world.site_creil, reporter=world.landlord_agent) for _ in range(3)]
    made.append(filed_alert(site=world.site_meru, reporter=world.landlord_agent))
    made.append(filed_alert(site=world.other_site, reporter=world.other_landlord_agent))
    made.append(filed_alert(site=world.site_972, reporter=agent_972))
    services.alert_acknowledge(actor=world.officer, alert=made[1])
    services.alert_feedback(actor=world.officer, alert=made[2], message="Patrouille passée à 22 h.")
    # Late: the triage order and the overdue flag read the clock as a parameter.
    Alert.objects.filter(pk=made[0].pk).update(ack_due_at=timezone.now() - datetime.timedelta(hours=1))
    draft_alert(site=world.site_creil, reporter=world.landlord_agent)
    return made


def orm_only(monkeypatch):
    for module in (lists, api_views):
        monkeypatch.setattr(module, "prepared_alert_list", lambda *args, **kwargs: None)


def page_of(response) -> tuple:
    if response.status_code != 200:
        return (response.status_code,)
    if response.get("Content-Type", "").startswith("application/json"):
        return (response.status_code, response.content)
    page = response.context["page_obj"]
    return (response.status_code, str(response.context["rows"]), page.number, page.paginator.count)


LIST_USERS = ["landlord_agent", "other_landlord_agent", "prefect_agent", "prefect_972"]
FORCE_USERS = ["officer", "police_manager", "ddsp_manager", "gendarme"]


@pytest.mark.parametrize(
    ("url", "user_attr"),
    [("alerts:dashboard", user) for user in FORCE_USERS] + [("alerts:list", user) for user in LIST_USERS],
)
def test_every_page_of_a_compiled_list_is_the_orms_page(world, fiches, login, monkeypatch, url, user_attr):
    monkeypatch.setattr(lists, "PER_PAGE", 2)
    client = login(getattr(world, user_attr))
    queries = ["", "?page=2", "?page=3", "?page=last", "?page=99", "?page=x", "?unknown=1"]
    compiled = [page_of(client.get(reverse(url) + query)) for query in queries]

    orm_only(monkeypatch)
    assert compiled == [page_of(client.get(reverse(url) + query)) for query in queries]
    assert compiled[0][0] == 200


@pytest.mark.parametrize("user_attr", [*FORCE_USERS, *LIST_USERS, "superuser"])
def test_every_page_of_the_compiled_api_list_is_the_orms_json(world, fiches, login, monkeypatch, user_attr):
    user = UserFactory(is_superuser=True, organisation=None) if user_attr == "superuser" else None
    client = login(user or getattr(world, user_attr))
    queries = ["", "?page_size=2", "?page_size=2&page=2", "?page_size=2&page=last", "?page=9", "?page=0"]
    compiled = [page_of(client.get("/api/v1/alerts/" + query)) for query in queries]

    orm_only(monkeypatch)
    assert compiled == [page_of(client.get("/api/v1/alerts/" + query)) for query in queries]
    assert compiled[0][0] == 200


def ids_of(client) -> set[int]:
    return {row["id"] for row in client.get("/api/v1/alerts/").json()["results"]}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("landlord_agent", "other_landlord_agent"),
        ("prefect_agent", "prefect_972"),
        ("officer", "officer_972"),
    ],
)
def test_two_organisations_sharing_a_compiled_shape_each_read_their_own_fiches(
    world, fiches, login, monkeypatch, first, second
):
    world.officer_972 = UserFactory(organisation=world.police_972)  # two police units
    prepared_lists.read_rows.compiled.clear()
    prepared_lists.read_keys.compiled.clear()
    seen = {}
    for user_attr in (first, second):
        seen[user_attr] = ids_of(login(getattr(world, user_attr)))
    shapes = len(prepared_lists.read_rows.compiled), len(prepared_lists.read_keys.compiled)

    orm_only(monkeypatch)
    for user_attr in (first, second):
        assert seen[user_attr] == ids_of(login(getattr(world, user_attr)))
    assert seen[first]
    assert seen[second]
    assert not seen[first] & seen[second]
    # One SQL for both users' keys, one per number of rows read: their scope is a parameter.
    assert shapes == (len({len(seen[first]), len(seen[second])}), 1)


@pytest.mark.parametrize("name", sorted(AlertFilter.base_filters))
def test_a_list_naming_any_filter_is_read_by_the_orm(world, name):
    assert (
        prepared_lists.prepared_alert_list(world.officer, {name: "1"}, latest_feedback=False, overdue=True)
        is None
    )
    assert prepared_lists.prepared_alert_list(
        world.officer, {"page": "2", "page_size": "5"}, latest_feedback=False, overdue=True
    )


def test_a_user_without_organisation_or_inactive_is_read_by_the_orm(world):
    assert (
        prepared_lists.prepared_alert_list(
            UserFactory(organisation=None), {}, latest_feedback=True, overdue=False
        )
        is None
    )
    world.officer.is_active = False
    assert prepared_lists.prepared_alert_list(world.officer, {}, latest_feedback=True, overdue=False) is None


def test_a_compiled_row_reads_as_the_fiche_it_lists(world, fiches):
    alert = fiches[1]
    rows = prepared_lists.prepared_alert_list(world.officer, {}, latest_feedback=True, overdue=True).rows(
        [alert.pk]
    )
    row = rows[0]

    assert (row.pk, str(row), row.site.name, row.site.commune.name, row.landlord.name) == (
        alert.pk,
        str(alert),
        alert.site.name,
        alert.site.commune.name,
        alert.landlord.name,
    )
    assert row.routed_unit.name == alert.routed_unit.name
    assert row.escalation_level == alert.escalation_level
    assert row.serializable_value("site") == alert.site_id
