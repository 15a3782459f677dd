"""Lists of fiches: force dashboard, landlord and prefecture lists, CSV export, bulk acknowledgement,
manual-routing queue, notifications and the panels of the home and estate pages."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts import services
from alerts.models import Alert, Status, Urgency
from partnerships import reference_cache
from tests.alerts.factories import filed_alert

DASHBOARD = reverse("alerts:dashboard")
LIST = reverse("alerts:list")
EXPORT = reverse("alerts:export")


@pytest.fixture
def fiches(world):
    """One fiche per estate of the Oise and one in Martinique."""
    return {
        "creil": filed_alert(site=world.site_creil, reporter=world.landlord_agent),
        "meru": filed_alert(
            site=world.site_meru, reporter=world.landlord_agent, category="rodeo", subcategory=""
        ),
        "nowhere": filed_alert(site=world.site_nowhere, reporter=world.landlord_agent),
        "other": filed_alert(site=world.other_site, reporter=world.other_landlord_agent),
        "972": filed_alert(site=world.site_972, reporter=_landlord_972_user(world)),
    }


def _landlord_972_user(world):
    from tests.factories import UserFactory

    return UserFactory(organisation=world.landlord_972, email="agent@simar.fr")


def table_references(response):
    page = response.content.decode()
    return {a.reference for a in Alert.objects.exclude(reference=None) if a.reference in page}


def refs(fiches, *names):
    return {fiches[name].reference for name in names}


@pytest.mark.parametrize(
    ("user_attr", "url", "visible"),
    [
        ("officer", DASHBOARD, ("creil", "other")),
        ("ddsp_manager", DASHBOARD, ("creil", "other")),
        ("gendarme", DASHBOARD, ("meru",)),
        ("landlord_agent", LIST, ("creil", "meru", "nowhere")),
        ("other_landlord_agent", LIST, ("other",)),
        ("prefect_agent", LIST, ("creil", "meru", "nowhere", "other")),
        ("prefect_972", LIST, ("972",)),
    ],
)
def test_each_role_lists_exactly_the_fiches_it_may_see(world, login, fiches, user_attr, url, visible):
    response = login(getattr(world, user_attr)).get(url)
    assert response.status_code == 200
    assert table_references(response) == refs(fiches, *visible)


@pytest.mark.parametrize(
    ("user_attr", "url"),
    [("landlord_agent", DASHBOARD), ("prefect_agent", DASHBOARD), ("mayor", DASHBOARD), ("mayor", LIST)],
)
def test_the_lists_are_refused_to_the_roles_they_are_not_for(world, login, user_attr, url):
    assert login(getattr(world, user_attr)).get(url).status_code == 403


def test_an_officer_opening_the_landlord_list_lands_on_the_dashboard(world, login):
    assert login(world.officer).get(LIST).url == DASHBOARD


def test_anonymous_visitors_are_sent_to_login_from_every_list(world, client):
    for url in (DASHBOARD, LIST, EXPORT, reverse("alerts:routing_queue"), reverse("alerts:notifications")):
        response = client.get(url)
        assert response.status_code == 302
        assert "/connexion/" in response.url


def test_the_dashboard_sorts_overdue_first_then_by_urgency_then_age_and_highlights_overdue(world, login):
    older_normal = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    old = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    urgent = filed_alert(
        site=world.site_creil,
        reporter=world.landlord_agent,
        urgency=Urgency.IMMEDIATE,
        category="weapons",
        subcategory="",
    )
    Alert.objects.filter(pk=old.pk).update(ack_due_at=timezone.now() - datetime.timedelta(hours=1))

    page = login(world.officer).get(DASHBOARD).content.decode()

    assert page.index(old.reference) < page.index(urgent.reference) < page.index(older_normal.reference)
    row_of_old = page[page.rindex("<tr", 0, page.index(old.reference)) : page.index(old.reference)]
    assert "passerelle-overdue" in row_of_old
    row_of_urgent = page[page.rindex("<tr", 0, page.index(urgent.reference)) : page.index(urgent.reference)]
    assert "passerelle-overdue" not in row_of_urgent


def test_the_dashboard_filters_and_counts_per_status(world, login, fiches):
    other = fiches["other"]
    services.alert_acknowledge(actor=world.officer, alert=other)
    client = login(world.officer)

    response = client.get(DASHBOARD, {"status": "acknowledged"})

    assert table_references(response) == {other.reference}
    page = response.content.decode()
    assert "Transmise : 1" in page
    assert "Prise en compte : 1" in page


def test_bulk_acknowledgement_only_touches_the_officers_own_fiches(world, login, fiches):
    selected = [fiches["creil"].pk, fiches["other"].pk, fiches["meru"].pk]

    response = login(world.officer).post(reverse("alerts:bulk_acknowledge"), {"alerts": selected})

    assert response.url == DASHBOARD
    statuses = dict(Alert.objects.filter(pk__in=selected).values_list("pk", "status"))
    assert statuses == {
        fiches["creil"].pk: Status.ACKNOWLEDGED,
        fiches["other"].pk: Status.ACKNOWLEDGED,
        fiches["meru"].pk: Status.SUBMITTED,
    }


def read_csv(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


@pytest.mark.parametrize(
    ("user_attr", "visible"),
    [
        ("officer", ("creil", "other")),
        ("gendarme", ("meru",)),
        ("landlord_agent", ("creil", "meru", "nowhere")),
        ("other_landlord_agent", ("other",)),
        ("prefect_972", ("972",)),
        ("mayor", ()),
    ],
)
def test_the_csv_export_contains_only_the_fiches_the_user_sees(world, login, fiches, user_attr, visible):
    response = login(getattr(world, user_attr)).get(EXPORT)

    rows = read_csv(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert rows[0][:3] == ["Référence", "Statut", "Urgence"]
    assert {row[0] for row in rows[1:]} == refs(fiches, *visible)


def test_the_csv_export_applies_the_same_filters_as_the_page(world, login, fiches):
    rows = read_csv(login(world.landlord_agent).get(EXPORT, {"category": "rodeo"}))
    assert [row[0] for row in rows[1:]] == [fiches["meru"].reference]


def test_the_landlord_list_shows_the_latest_feedback(world, login, fiches):
    services.alert_feedback(actor=world.officer, alert=fiches["creil"], message="Interpellation ce matin.")
    page = login(world.landlord_agent).get(LIST).content.decode()
    assert "Interpellation ce matin." in page


def test_the_prefecture_routes_a_fiche_without_unit_from_its_queue(world, login, fiches):
    queue = reverse("alerts:routing_queue")
    client = login(world.prefect_agent)
    assert table_references(client.get(queue)) == refs(fiches, "nowhere")

    response = client.post(
        reverse("alerts:transition", args=[fiches["nowhere"].pk, "route"]),
        {"route-unit": world.police.pk, "next": queue},
    )

    assert response.url == queue
    assert Alert.objects.get(pk=fiches["nowhere"].pk).routed_unit == world.police
    assert table_references(client.get(queue)) == set()


@pytest.mark.parametrize("user_attr", ["officer", "landlord_agent", "mayor"])
def test_the_routing_queue_is_for_the_prefecture_only(world, login, user_attr):
    assert login(getattr(world, user_attr)).get(reverse("alerts:routing_queue")).status_code == 403


def test_the_unit_is_notified_in_the_app_of_a_new_fiche(world, login, fiches):
    officer_page = login(world.officer).get(reverse("alerts:notifications")).content.decode()
    gendarme_page = login(world.gendarme).get(reverse("alerts:notifications")).content.decode()

    assert fiches["creil"].reference in officer_page
    assert fiches["creil"].reference not in gendarme_page


def test_the_home_page_panel_shows_the_users_fiches(world, login, fiches):
    landlord_home = login(world.landlord_agent).get(reverse("home")).content.decode()
    officer_home = login(world.officer).get(reverse("home")).content.decode()
    prefect_home = login(world.prefect_agent).get(reverse("home")).content.decode()

    assert fiches["creil"].reference in landlord_home
    assert fiches["other"].reference not in landlord_home
    assert fiches["other"].reference in officer_home
    assert fiches["meru"].reference not in officer_home
    assert "1 fiche attend un routage manuel." in prefect_home


def test_the_prefectures_home_links_its_overdue_and_to_route_counts_to_their_lists(world, login, fiches):
    Alert.objects.filter(pk=fiches["creil"].pk).update(
        ack_due_at=timezone.now() - datetime.timedelta(hours=1)
    )

    client = login(world.prefect_agent)
    home = client.get(reverse("home")).content.decode()

    assert "1 fiche est en retard" in home
    assert f'href="{LIST}?overdue=true"' in home
    assert f'href="{reverse("alerts:routing_queue")}" data-testid="to-route-link"' in home
    assert table_references(client.get(LIST, {"overdue": "true"})) == refs(fiches, "creil")


def test_the_routing_queue_says_which_unit_returned_a_fiche_and_why(world, login, fiches):
    services.alert_return_to_prefecture(
        actor=world.officer, alert=fiches["creil"], reason="other", comment="Adresse sur la commune voisine"
    )

    page = login(world.prefect_agent).get(reverse("alerts:routing_queue")).content.decode()

    row = page[page.index(fiches["creil"].reference) :].split("</tr>")[0]
    assert "Renvoyée par Commissariat de Creil : Autre" in row
    assert "« Adresse sur la commune voisine »" in row
    nowhere = page[page.index(fiches["nowhere"].reference) :].split("</tr>")[0]
    assert "Renvoyée" not in nowhere  # no competent unit: never returned


def test_the_estate_page_lists_the_fiches_of_that_estate_only(world, login, fiches):
    page = login(world.officer).get(reverse("sites:detail", args=[world.site_creil.pk])).content.decode()
    assert fiches["creil"].reference in page
    assert fiches["other"].reference not in page


def file_many(site, reporter, count):
    for _ in range(count):
        filed_alert(site=site, reporter=reporter)


def count_queries(client, url, django_assert_max_num_queries, budget):
    with django_assert_max_num_queries(budget) as captured:
        response = client.get(url)
        assert response.status_code == 200
        if response.streaming:  # the CSV export queries while it streams
            b"".join(response.streaming_content)
    return len(captured.captured_queries)


# Pinned exactly (a new query must be justified here). Every page reads the session with its user and
# their organisation (1, partnerships/auth/session_store.py); a list then reads its queue's version
# rows with the header's unread count (its ETag, alerts.queues), counts per status, reads the page's
# sorted keys, then its rows and fills its site filter (5; the filter panel is then kept until the
# reference data changes, partnerships/reference_cache.py: forgotten here between the two reads);
# other pages read the header's unread count with the session (0, hooks.page_reads); the home page
# counts the estates of its panel, then its fiches (5, plus the unit's territory for a force); the
# routing queue and the export count, then read. The prefecture's list also reads the options of its unit filter (1).
@pytest.mark.parametrize(
    ("user_attr", "url", "site_attr", "expected"),
    [
        ("officer", DASHBOARD, "site_creil", 6),
        ("landlord_agent", LIST, "site_creil", 6),
        ("prefect_agent", LIST, "site_creil", 7),
        ("landlord_agent", reverse("home"), "site_creil", 6),
        ("officer", reverse("home"), "site_creil", 6),
        ("prefect_agent", reverse("alerts:routing_queue"), "site_nowhere", 4),
        ("officer", EXPORT, "site_creil", 3),
    ],
)
def test_list_pages_run_a_constant_number_of_queries(
    world, login, django_assert_max_num_queries, user_attr, url, site_attr, expected
):
    client = login(getattr(world, user_attr))
    site = getattr(world, site_attr)
    file_many(site, world.landlord_agent, 3)
    few = count_queries(client, url, django_assert_max_num_queries, 30)

    file_many(site, world.landlord_agent, 17)
    reference_cache.forget()
    many = count_queries(client, url, django_assert_max_num_queries, 30)

    assert many == few == expected


def test_the_routing_queue_reads_its_returned_fiches_reasons_in_a_constant_number_of_queries(
    world, login, django_assert_max_num_queries
):
    def file_and_return(count):
        for _ in range(count):
            alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
            services.alert_return_to_prefecture(actor=world.officer, alert=alert, reason="out_of_area")

    client = login(world.prefect_agent)
    queue = reverse("alerts:routing_queue")
    file_and_return(3)
    few = count_queries(client, queue, django_assert_max_num_queries, 30)
    file_and_return(17)
    many = count_queries(client, queue, django_assert_max_num_queries, 30)

    # The same 4 as the queue of fiches without a unit: the return is read by the rows' own query.
    assert many == few == 4
    assert client.get(queue).content.decode().count("Renvoyée par Commissariat de Creil : Hors zone") == 20


def test_opening_a_notification_marks_it_read_and_goes_to_the_fiche(world, login, fiches):
    client = login(world.officer)
    notification = world.officer.notifications.get(alert=fiches["creil"])

    response = client.post(
        reverse("alerts:notifications"), {"notification": notification.pk, "open": notification.url}
    )

    assert response.url == reverse("alerts:detail", args=[fiches["creil"].pk])
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_all_notifications_read_leaves_other_users_untouched(world, login, fiches):
    login(world.officer).post(reverse("alerts:notifications"), {"all": "1"})

    assert not world.officer.notifications.filter(read_at__isnull=True).exists()
    assert world.police_manager.notifications.filter(read_at__isnull=True).exists()


def test_a_notification_of_someone_else_cannot_be_marked_read(world, login, fiches):
    theirs = world.police_manager.notifications.get(alert=fiches["creil"])

    login(world.officer).post(reverse("alerts:notifications"), {"notification": theirs.pk})

    theirs.refresh_from_db()
    assert theirs.read_at is None
