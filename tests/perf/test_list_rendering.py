"""The list pages' fast widgets and labels render exactly what Django's templates rendered, and
their shortcuts (keys-first pages, one read for the drop-downs, counts shared) change no result."""

import pathlib
import re
import urllib.parse

import pytest
from django import forms
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from alerts import selectors, services
from alerts.filters import AlertFilter
from alerts.models import Alert, Status, Urgency
from alerts.views.lists import label
from partnerships.localtime import fiche_time
from partnerships.pagination import CountedKeysPaginator, KeysFirstPaginator
from partnerships.widgets import FastSelect
from tests.alerts.factories import draft_alert, filed_alert

CHOICES = [
    ("", "---------"),
    ("a", "Résidence <Les Tilleuls> & co"),
    ('b"', gettext_lazy("Urgence")),
    (3, "trois"),
    ("Groupe", [("g1", "un"), ("g2", "deux")]),
]
ATTRS = {"id": "id_site", "class": "fr-select", "required": True, "aria-describedby": "id_site_error"}


@pytest.mark.parametrize("value", [None, "", "a", 'b"', 3, "3", "g2", "unknown"])
@pytest.mark.parametrize("attrs", [None, ATTRS, {**ATTRS, "required": False}])
def test_the_fast_select_renders_the_same_html_as_django_select(value, attrs):
    expected = forms.Select(choices=CHOICES).render("site", value, attrs=attrs)

    assert FastSelect(choices=CHOICES).render("site", value, attrs=attrs) == expected


def test_the_fast_select_of_the_commune_filter_marks_the_chosen_commune_selected(world):
    form = AlertFilter({"commune": str(world.creil.pk)}, user=world.officer).form
    field = form["commune"]
    html = str(field)

    assert isinstance(field.field.widget, FastSelect)
    assert f'<option value="{world.creil.pk}" selected>{world.creil}</option>' in html
    assert html == forms.Select(choices=field.field.choices).render(
        field.html_name, field.value(), attrs={"id": field.auto_id}
    )


def test_the_cached_labels_are_those_of_get_foo_display(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    alert.refresh_from_db()

    for name in ("status", "urgency", "category"):
        assert label(alert, name) == getattr(alert, f"get_{name}_display")()
    assert label(Alert(status=Status.CLOSED), "status") == "Clôturée"


def test_the_filter_drop_downs_of_a_page_offer_exactly_the_scoped_querysets_options_from_one_query(
    world, django_assert_num_queries
):
    for user in (world.officer, world.landlord_agent, world.prefect_agent):
        filterset = AlertFilter(None, user=user)
        form = filterset.form
        expected = {
            name: [(str(value), text) for value, text in form.fields[name].choices]
            for name in ("site", "commune", "landlord")
        }
        assert len(expected["site"]) > 1

        with django_assert_num_queries(1):
            filterset.fill_choices(form)
        filled = {
            name: [(str(value), text) for value, text in form.fields[name].widget.choices]
            for name in ("site", "commune", "landlord")
        }

        assert filled == expected, user


def test_a_page_of_keys_first_pagination_holds_the_rows_of_the_sorted_list_in_its_order(world):
    for _ in range(7):
        filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    ordered = selectors.alert_list(user=world.officer)
    every = list(ordered.values_list("pk", flat=True))

    pages = [list(KeysFirstPaginator(ordered, 3).page(number)) for number in (1, 2, 3)]

    assert [alert.pk for page in pages for alert in page] == every
    assert [len(page) for page in pages] == [3, 3, 1]
    # The rows keep the selector's annotations and joins.
    assert pages[0][0].site.name == world.site_creil.name
    assert hasattr(pages[0][0], "latest_feedback")


@pytest.mark.parametrize("user_attr", ["officer", "landlord_agent", "prefect_agent"])
def test_the_counted_keys_pages_hold_the_same_rows_count_and_links_as_the_keys_first_pages(
    world, user_attr, django_assert_num_queries
):
    for _ in range(7):
        filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    ordered = selectors.alert_list(user=getattr(world, user_attr))
    expected = KeysFirstPaginator(ordered, 3)
    counted = CountedKeysPaginator(ordered, 3)

    for number in (1, 2, 3, "3"):
        with django_assert_num_queries(2):  # the keys with the count, the rows
            page = counted.page(number)
        reference = expected.page(number)
        assert [alert.pk for alert in page] == [alert.pk for alert in reference]
        assert (counted.count, counted.num_pages, page.has_next(), page.has_previous()) == (
            expected.count,
            expected.num_pages,
            reference.has_next(),
            reference.has_previous(),
        )
        assert page[0].site.name == world.site_creil.name
        assert hasattr(page[0], "latest_feedback")


def test_the_counted_keys_paginator_refuses_the_pages_django_refuses_and_shows_an_empty_first_page(world):
    for _ in range(2):
        filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    ordered = selectors.alert_list(user=world.officer)

    for number, error in ((3, EmptyPage), (0, EmptyPage), (-1, EmptyPage), ("x", PageNotAnInteger)):
        with pytest.raises(error):
            CountedKeysPaginator(ordered, 1).page(number)
    empty = CountedKeysPaginator(ordered.none(), 25)
    assert (list(empty.page(1)), empty.count) == ([], 0)
    with pytest.raises(EmptyPage):
        CountedKeysPaginator(ordered.none(), 25).page(2)


@pytest.mark.parametrize("paginator_class", [KeysFirstPaginator, CountedKeysPaginator])
def test_a_fiche_deleted_between_the_two_reads_of_a_page_drops_out_of_it(world, monkeypatch, paginator_class):
    alerts = [filed_alert(site=world.site_creil, reporter=world.landlord_agent) for _ in range(3)]
    paginator = paginator_class(selectors.alert_list(user=world.officer), 10)
    read_keys = QuerySet.values_list

    def read_keys_then_delete(queryset, *args, **kwargs):
        keys = list(read_keys(queryset, *args, **kwargs))
        Alert.objects.filter(pk=alerts[1].pk).delete()
        return keys

    monkeypatch.setattr(QuerySet, "values_list", read_keys_then_delete)
    page = paginator.page(1)

    assert {alert.pk for alert in page} == {alerts[0].pk, alerts[2].pk}


def test_the_api_list_builds_its_filter_set_only_when_the_query_string_names_a_filter(
    world, login, monkeypatch
):
    filed_alert(site=world.site_creil, reporter=world.landlord_agent, urgency=Urgency.HIGH)
    filed_alert(site=world.site_creil, reporter=world.landlord_agent, urgency=Urgency.NORMAL)
    built = []
    init = AlertFilter.__init__
    monkeypatch.setattr(AlertFilter, "__init__", lambda self, *a, **k: built.append(1) or init(self, *a, **k))
    client = login(world.officer)

    assert len(client.get("/api/v1/alerts/?page_size=10").json()["results"]) == 2
    assert built == []
    assert [row["urgency"] for row in client.get("/api/v1/alerts/?urgency=high").json()["results"]] == [
        "high"
    ]
    assert built == [1]


@pytest.mark.parametrize(
    ("user_attr", "url", "query"),
    [
        ("officer", "alerts:dashboard", ""),
        ("officer", "alerts:dashboard", "?category=rodeo"),
        ("officer", "alerts:dashboard", "?status=submitted"),
        ("landlord_agent", "alerts:list", ""),
        ("landlord_agent", "alerts:list", "?urgency=high"),
        ("prefect_agent", "alerts:list", ""),
    ],
)
def test_the_number_of_fiches_a_list_announces_is_the_number_it_pages_through(
    world, login, user_attr, url, query
):
    draft_alert(site=world.site_creil, reporter=world.landlord_agent)
    filed_alert(site=world.site_creil, reporter=world.landlord_agent, category="rodeo", subcategory="")
    filed_alert(site=world.site_creil, reporter=world.landlord_agent, urgency=Urgency.HIGH)
    services.alert_acknowledge(
        actor=world.officer, alert=filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    )
    filed_alert(site=world.other_site, reporter=world.other_landlord_agent)
    user = getattr(world, user_attr)

    response = login(user).get(reverse(url) + query)

    listed = selectors.alert_list(user=user, filters=dict(urllib.parse.parse_qsl(query.lstrip("?"))))
    assert response.context["page_obj"].paginator.count == listed.count() > 0


def test_the_api_list_writes_its_dates_as_drf_writes_them_in_paris_time(world, login):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    alert.refresh_from_db()

    row = login(world.officer).get("/api/v1/alerts/").json()["results"][0]

    assert row["submitted_at"] == serializers.DateTimeField().to_representation(alert.submitted_at)
    assert row["submitted_at"].endswith(("+01:00", "+02:00"))
    assert row["closed_at"] is None


def test_the_dashboards_rows_link_and_date_each_fiche_as_the_template_tags_did(world, login):
    from partnerships.localtime import fiche_time

    filed = [filed_alert(site=world.site_creil, reporter=world.landlord_agent) for _ in range(2)]
    services.alert_acknowledge(actor=world.officer, alert=filed[1])
    html = login(world.officer).get(reverse("alerts:dashboard")).content.decode()

    for alert in filed:
        alert.refresh_from_db()
        assert f'<a href="{reverse("alerts:detail", args=[alert.pk])}">{alert.reference}</a>' in html
        assert fiche_time(alert.submitted_at, alert) in html
    assert f'formaction="{reverse("alerts:transition", args=[filed[0].pk, "acknowledge"])}"' in html
    assert fiche_time(filed[0].ack_due_at, filed[0]) in html
    assert fiche_time(filed[1].feedback_due_at, filed[1]) in html


def test_the_kept_filter_panel_offers_an_estate_created_since(world, login):
    from tests.factories import HousingSiteFactory

    client = login(world.landlord_agent)
    assert "Les Jardins Neufs" not in client.get(reverse("alerts:list")).content.decode()
    HousingSiteFactory(landlord=world.landlord, commune=world.creil, name="Les Jardins Neufs")
    assert "Les Jardins Neufs" in client.get(reverse("alerts:list")).content.decode()


def test_a_refused_filter_names_its_error_in_the_title_each_time_the_panel_is_served(world, login):
    client = login(world.officer)
    for _ in range(2):  # built, then kept
        html = client.get(reverse("alerts:dashboard") + "?category=inconnue").content.decode()
        assert "<title>Erreur : " in html
        assert 'data-testid="error-summary"' in html


@pytest.mark.parametrize("reader", ["landlord_agent", "prefect_agent"])
def test_the_list_rows_link_each_fiche_and_date_its_facts_as_the_template_tags_did(world, client, reader):
    """The landlord's and the prefecture's rows take their link from one reversed URL per page and
    their date of facts formatted once per row: what `{% url %}` and `|local` rendered."""
    filed = [
        filed_alert(site=site, reporter=world.landlord_agent) for site in (world.site_creil, world.site_meru)
    ]
    client.force_login(getattr(world, reader))
    html = client.get(reverse("alerts:list")).content.decode()

    for alert in filed:
        assert f'<a href="{reverse("alerts:detail", args=[alert.pk])}">{alert.reference}</a>' in html
        assert f'data-label="Faits du">{fiche_time(alert.facts_at, alert)}</td>' in html


# The rows as the templates wrote them before alerts/views/rows.py drew them in Python.
ROWS_BEFORE = pathlib.Path(__file__).parent / "rows_before"


def without_layout(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


def rows_of_every_kind(world):
    """A fiche of each look: awaiting acknowledgement, acknowledged and escalated, answered, a draft;
    overdue or not, with and without a feedback, and names that need escaping."""
    world.site_creil.name = 'Les <Tilleuls> & "Pins" d\'en haut'
    world.site_creil.save()
    filed_alert(site=world.site_creil, reporter=world.landlord_agent, urgency=Urgency.IMMEDIATE)
    acknowledged = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    services.alert_acknowledge(actor=world.officer, alert=acknowledged)
    Alert.objects.filter(pk=acknowledged.pk).update(feedback_escalation_level=2)
    answered = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    Alert.objects.filter(pk=answered.pk).update(
        status=Status.IN_PROGRESS, first_feedback_at=answered.submitted_at
    )
    draft_alert(site=world.site_creil, reporter=world.landlord_agent)
    alerts = list(selectors.list_rows(selectors.alert_list(user=world.landlord_agent)))
    for number, alert in enumerate(alerts):
        alert.is_overdue = number % 2 == 0
        alert.latest_feedback = ("Vu <b>ce</b> soir & demain " * 10) if number == 1 else None
    assert len(alerts) == 4
    return alerts


def test_the_dashboards_python_rows_are_the_html_its_template_wrote(world):
    from django.template import engines

    from alerts.views.rows import dashboard_rows

    alerts = [alert for alert in rows_of_every_kind(world) if alert.status != Status.DRAFT]
    template = engines["django"].from_string((ROWS_BEFORE / "dashboard.html").read_text())

    for shown in (alerts, []):
        assert without_layout(dashboard_rows(shown)) == without_layout(template.render({"alerts": shown}))
    assert "Niveau 2/4" in dashboard_rows(alerts)
    assert "&lt;Tilleuls&gt; &amp; &quot;Pins&quot; d&#x27;en haut" in dashboard_rows(alerts)


@pytest.mark.parametrize("own_fiches", [True, False])
def test_the_landlords_and_prefectures_python_rows_are_the_html_their_template_wrote(world, own_fiches):
    from django.template import engines

    from alerts.views.rows import list_rows

    alerts = rows_of_every_kind(world)
    template = engines["django"].from_string((ROWS_BEFORE / "list.html").read_text())

    for shown in (alerts, []):
        context = {"alerts": shown, "own_fiches": own_fiches}
        assert without_layout(list_rows(shown, own_fiches=own_fiches)) == without_layout(
            template.render(context)
        )


@pytest.mark.parametrize(
    "moment",
    ["2026-01-05T07:03:00+00:00", "2026-07-31T22:59:00+00:00", "0999-12-31T23:00:00+00:00"],
)
def test_the_lists_time_format_writes_what_djangos_date_format_writes(db, moment):
    import datetime

    from django.utils import dateformat

    from partnerships.localtime import zone_label, zone_of

    value = datetime.datetime.fromisoformat(moment)
    for where in ("60", "972"):
        local = value.astimezone(zone_of(where))
        written = dateformat.format(local, "d/m/Y H:i")
        # Named with its zone when the reader (Paris) would read another hour.
        assert fiche_time(value, where) in (written, f"{written} ({zone_label(local.tzinfo, value)})")


@pytest.mark.parametrize(
    ("user_attr", "url", "reads_feedback"),
    [
        ("officer", "alerts:dashboard", False),
        ("prefect_agent", "alerts:list", False),
        ("landlord_agent", "alerts:list", True),
    ],
)
def test_only_the_landlords_list_reads_the_latest_feedback_it_shows(
    world, login, user_attr, url, reads_feedback
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    client = login(getattr(world, user_attr))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(url)).status_code == 200

    rows = [query["sql"] for query in queries if '"alerts_alert"."reference"' in query["sql"]]
    assert rows
    assert any("alerts_alertevent" in sql for sql in rows) is reads_feedback


def tab_counts(response) -> dict:
    return {row["status"]: row["count"] for row in response.context["counts"]}


def test_the_kept_status_counts_follow_each_change_of_the_users_queue(world, login):
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    client = login(world.officer)
    dashboard = reverse("alerts:dashboard")

    assert tab_counts(client.get(dashboard))[Status.SUBMITTED] == 1
    assert tab_counts(client.get(dashboard))[Status.SUBMITTED] == 1  # kept
    filed = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    assert tab_counts(client.get(dashboard))[Status.SUBMITTED] == 2
    services.alert_acknowledge(actor=world.officer, alert=filed)
    counts = tab_counts(client.get(dashboard))
    assert (counts[Status.SUBMITTED], counts[Status.ACKNOWLEDGED]) == (1, 1)


def test_the_kept_status_counts_are_each_users_own(world, login):
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    filed_alert(site=world.site_meru, reporter=world.landlord_agent)
    dashboard = reverse("alerts:dashboard")

    for _ in range(2):
        assert tab_counts(login(world.officer).get(dashboard))[Status.SUBMITTED] == 2
        assert tab_counts(login(world.gendarme).get(dashboard))[Status.SUBMITTED] == 1
        assert tab_counts(login(world.officer).get(dashboard + "?urgency=high"))[Status.SUBMITTED] == 0
