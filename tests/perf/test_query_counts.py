"""Query counts constant in the number of rows for the list pages and API lists
that no other test file covers: the fiches API list for each side, a fiche's timeline, the in-app
notifications, the directory and the partnership problems."""

import pytest
from django.urls import reverse

from alerts import services
from alerts.views import lists
from conventions.models import PartnershipProblem
from partnerships.models import SecurityCorrespondent
from tests.alerts.factories import filed_alert


def count(client, url, django_assert_max_num_queries, budget=30):
    with django_assert_max_num_queries(budget) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def file_many(world, count_):
    return [filed_alert(site=world.site_creil, reporter=world.landlord_agent) for _ in range(count_)]


@pytest.mark.parametrize("user_attr", ["officer", "landlord_agent", "prefect_agent"])
def test_the_fiches_api_list_runs_the_same_queries_for_2_and_for_12_fiches(
    world, login, django_assert_max_num_queries, user_attr
):
    client = login(getattr(world, user_attr))
    file_many(world, 2)
    few = count(client, "/api/v1/alerts/", django_assert_max_num_queries)

    fiches = file_many(world, 10)
    services.alert_acknowledge(actor=world.officer, alert=fiches[0])
    services.alert_feedback(actor=world.officer, alert=fiches[1], message="Patrouille passée.")

    assert count(client, "/api/v1/alerts/", django_assert_max_num_queries) == few
    # Pinned: the session with its user and organisation (partnerships/auth/session_store.py), the
    # queue's version rows (its ETag), the page's sorted keys with the total count, the page's rows
    # (partnerships/pagination.py CountedKeysPaginator).
    assert few == 4
    assert len(client.get("/api/v1/alerts/").json()["results"]) == 12


def test_a_fiches_timeline_in_the_api_runs_the_same_queries_for_2_and_for_12_events(
    world, login, django_assert_max_num_queries
):
    client = login(world.officer)
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    url = f"/api/v1/alerts/{alert.pk}/events/"
    few = count(client, url, django_assert_max_num_queries)

    for i in range(10):
        services.alert_comment(actor=world.officer, alert=alert, message=f"Point n° {i}")

    assert count(client, url, django_assert_max_num_queries) == few


def test_the_notifications_page_runs_the_same_queries_for_1_and_for_11_notifications(
    world, login, django_assert_max_num_queries
):
    client = login(world.officer)
    file_many(world, 1)
    few = count(client, reverse("alerts:notifications"), django_assert_max_num_queries)

    file_many(world, 10)

    assert count(client, reverse("alerts:notifications"), django_assert_max_num_queries) == few


def test_the_directory_runs_the_same_queries_for_1_and_for_11_correspondents(
    world, login, django_assert_max_num_queries
):
    client = login(world.officer)
    SecurityCorrespondent.objects.create(organisation=world.landlord, full_name="Agent 0", function="Gardien")
    few = count(client, reverse("directory"), django_assert_max_num_queries)

    for i in range(1, 11):
        organisation = world.landlord if i % 2 else world.police
        SecurityCorrespondent.objects.create(
            organisation=organisation, full_name=f"Agent {i}", function="Référent"
        )

    assert count(client, reverse("directory"), django_assert_max_num_queries) == few


def test_the_partnership_problems_list_runs_the_same_queries_for_1_and_for_6_problems(
    world, login, django_assert_max_num_queries
):
    client = login(world.prefect_agent)
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)

    def problem(i):
        created = PartnershipProblem.objects.create(
            department_id=world.site_creil.commune.department_id,
            commune=world.site_creil.commune,
            site=world.site_creil,
            title=f"Occupation du hall n° {i}",
            opened_by=world.prefect_agent.organisation,
        )
        created.alerts.add(alert)
        created.partners.add(world.landlord)

    problem(0)
    few = count(client, reverse("conventions:problems"), django_assert_max_num_queries)

    for i in range(1, 6):
        problem(i)

    assert count(client, reverse("conventions:problems"), django_assert_max_num_queries) == few


@pytest.mark.parametrize(
    ("user_attr", "url_name"),
    [
        ("landlord_agent", "alerts:list"),
        ("officer", "alerts:dashboard"),
        ("prefect_agent", "alerts:list"),
        ("prefect_agent", "conventions:indicators"),
    ],
)
def test_the_filter_forms_run_the_same_queries_for_4_and_for_14_estates(
    world, login, django_assert_max_num_queries, user_attr, url_name
):
    from tests.factories import HousingSiteFactory

    client = login(getattr(world, user_attr))
    file_many(world, 2)
    few = count(client, reverse(url_name), django_assert_max_num_queries, budget=40)

    HousingSiteFactory.create_batch(10, landlord=world.landlord, commune=world.creil)
    # New estates leave the queue's version as it was: the lists would serve the status counts they
    # kept under its ETag (alerts.views.lists.status_counts) and run one query less.
    lists._counts.clear()

    assert count(client, reverse(url_name), django_assert_max_num_queries, budget=40) == few
