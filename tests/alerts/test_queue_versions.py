"""Conditional GET of the queues: the dashboard, the lists and the API list carry an ETag and a
Last-Modified; an unchanged queue answers 304 without reading a fiche; every change that can alter a
queue (filing, transition, redirect, escalation, comment) moves the version rows of the queues it
touches, in its own transaction."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from alerts import services
from alerts.escalation import scan_escalations
from alerts.models import QueueVersion
from alerts.models.queues import department_key, organisation_key
from tests.alerts.factories import filed_alert
from tests.factories import UserFactory


def tokens(*keys):
    return dict(QueueVersion.objects.filter(key__in=keys).values_list("key", "token"))


def revalidate(client, url, response, **headers):
    return client.get(url, HTTP_IF_NONE_MATCH=response["ETag"], **headers)


@pytest.fixture
def alert(world):
    return filed_alert(site=world.site_creil, reporter=world.landlord_agent)


@pytest.mark.parametrize(
    ("user_attr", "url"),
    [
        ("officer", reverse("alerts:dashboard")),
        ("landlord_agent", reverse("alerts:list")),
        ("prefect_agent", reverse("alerts:list")),
        ("officer", "/api/v1/alerts/"),
        ("landlord_agent", "/api/v1/alerts/"),
    ],
)
def test_an_unchanged_queue_answers_304_and_a_changed_one_the_new_page(world, login, alert, user_attr, url):
    client = login(getattr(world, user_attr))
    first = client.get(url)
    assert first.status_code == 200
    assert first["ETag"].startswith('W/"')
    assert "Last-Modified" in first
    assert "no-cache" in first["Cache-Control"]
    assert "private" in first["Cache-Control"]

    again = revalidate(client, url, first)
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert not again.content

    services.alert_comment(actor=world.officer, alert=alert, message="Passage prévu ce soir.")
    changed = revalidate(client, url, first)
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_the_304_of_the_dashboard_reads_no_fiche(world, login, alert, django_assert_num_queries):
    client = login(world.officer)
    url = reverse("alerts:dashboard")
    first = client.get(url)
    # Pinned: the session with its user and their organisation (the kind says which queue), then the
    # version rows with the unread notifications (the header's badge).
    with django_assert_num_queries(2) as captured:
        assert revalidate(client, url, first).status_code == 304
    assert not any('"alerts_alert"' in query["sql"] for query in captured.captured_queries)


def test_a_queue_no_change_ever_marked_answers_its_304_in_two_queries_too(
    world, login, alert, django_assert_num_queries
):
    QueueVersion.objects.all().delete()  # a database loaded in bulk: no version rows yet
    client = login(world.officer)
    url = reverse("alerts:dashboard")
    client.get(url)  # writes the missing rows
    seen = client.get(url)
    with django_assert_num_queries(2):
        assert revalidate(client, url, seen).status_code == 304


def test_the_304_of_the_api_list_takes_two_queries(world, login, alert, django_assert_num_queries):
    client = login(world.landlord_agent)
    first = client.get("/api/v1/alerts/")
    # The session with its user and organisation, then the version rows.
    with django_assert_num_queries(2):
        assert revalidate(client, "/api/v1/alerts/", first).status_code == 304


def test_the_header_badge_counted_with_the_version_rows_is_the_users_unread_count(world, login, alert):
    client = login(world.officer)
    page = client.get(reverse("alerts:dashboard"))
    unread = world.officer.notifications.filter(read_at__isnull=True).count()
    assert unread > 0
    assert page.context["unread_notifications"] == unread


def test_the_etag_differs_per_page_filter_and_user(world, login, alert):
    client = login(world.officer)
    dashboard = client.get(reverse("alerts:dashboard"))
    filtered = client.get(reverse("alerts:dashboard") + "?status=submitted")
    api = client.get("/api/v1/alerts/")
    assert len({dashboard["ETag"], filtered["ETag"], api["ETag"]}) == 3
    # Another officer of the same unit never revalidates the first one's page (its buttons are theirs).
    other = login(UserFactory(organisation=world.police, email="agent2@creil.fr"))
    assert revalidate(other, reverse("alerts:dashboard"), dashboard).status_code == 200


def test_an_unchanged_queue_is_rendered_again_after_the_freshness_period(world, login, alert):
    client = login(world.officer)
    url = reverse("alerts:dashboard")
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False):
        first = client.get(url)
    # Time alone turns fiches overdue: the page is not kept for ever.
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 6, tzinfo=datetime.UTC), tick=False):
        assert revalidate(client, url, first).status_code == 200


def test_filing_moves_the_landlord_the_unit_and_the_departement_queues(world):
    keys = (
        organisation_key(world.landlord.pk),
        organisation_key(world.police.pk),
        department_key(world.oise.pk),
    )
    before = tokens(*keys)
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    after = tokens(*keys)
    assert set(after) == set(keys)
    assert all(after[key] != before.get(key) for key in keys)


def test_a_transition_moves_the_fiches_queues(world, alert):
    keys = (organisation_key(world.landlord.pk), organisation_key(world.police.pk))
    before = tokens(*keys)
    services.alert_acknowledge(actor=world.officer, alert=alert)
    after = tokens(*keys)
    assert all(after[key] != before[key] for key in keys)


def test_a_comment_moves_the_fiches_queues(world, alert):
    key = organisation_key(world.police.pk)
    before = tokens(key)
    services.alert_comment(actor=world.landlord_agent, alert=alert, message="Nouveaux faits hier soir.")
    assert tokens(key)[key] != before[key]


def test_a_redirect_moves_the_queue_of_the_unit_left_and_of_the_unit_reached(world, alert):
    left, reached = organisation_key(world.police.pk), organisation_key(world.gendarmerie.pk)
    before = tokens(left, reached)
    services.alert_redirect(actor=world.officer, alert=alert, unit=world.gendarmerie, reason="Secteur")
    after = tokens(left, reached)
    assert after[left] != before[left]
    assert after[reached] != before.get(reached)


def test_an_escalation_moves_the_fiches_queues(world):
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    key = organisation_key(world.police.pk)
    before = tokens(key)
    with time_machine.travel(start + datetime.timedelta(hours=25), tick=False):
        assert scan_escalations() > 0
    assert tokens(key)[key] != before[key]


def test_a_scan_that_raises_nothing_leaves_the_queues_alone(world, alert):
    before = tokens(organisation_key(world.police.pk))
    assert scan_escalations() == 0
    assert tokens(organisation_key(world.police.pk)) == before


def test_reading_ones_notifications_renders_the_dashboard_again_for_its_header_badge(world, login, alert):
    client = login(world.officer)
    url = reverse("alerts:dashboard")
    first = client.get(url)
    assert revalidate(client, url, first).status_code == 304
    client.post(reverse("alerts:notifications"), {"all": "1"})
    assert revalidate(client, url, first).status_code == 200
