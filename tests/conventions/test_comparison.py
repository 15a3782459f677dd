"""The prefecture's side-by-side table of units and landlords: figures, small samples, page, exports."""

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from conventions import comparison, indicators
from conventions.indicators import Filters
from conventions.permissions import indicator_reader
from tests.conventions.factories import T0, make_alert, make_convention
from tests.conventions.test_indicators import MARCH, H


@pytest.fixture
def convention(world):
    return make_convention(world)


@pytest.fixture
def five_fiches(world, convention):
    """Routed to the Creil police: acknowledged after 1, 2, 4 hours and never (the fourth on another
    landlord's estate); at Méru (no unit: manual routing) after 10 hours. Acknowledge within 3 h,
    first feedback within 30 h: feedback after 24 h (in time) and 48 h (late).

    Units: police ack [1, 2, 4] → median 2.0, p90 = 2 + 0.8 × 2 = 3.6, 2 of 4 in time; no unit 10.0, 0 of 1.
    Landlords: Habitat Picard ack [1, 2, 4, 10] → 3.0 and 8.2, feedback [24, 48] → 36.0 and 45.6,
    2 of 4 acknowledged in time, 1 of 4 answered in time; Logis de l'Oise: nothing, 0 of 1."""
    due = {"ack_within": 3 * H}
    return [
        make_alert(
            world,
            convention=convention,
            ack_after=1 * H,
            feedback_after=24 * H,
            feedback_due_at=T0 + 30 * H,
            **due,
        ),
        make_alert(
            world,
            convention=convention,
            ack_after=2 * H,
            feedback_after=48 * H,
            submitted_at=T0 + 3 * H,
            feedback_due_at=T0 + 33 * H,
            **due,
        ),
        make_alert(
            world,
            convention=convention,
            ack_after=4 * H,
            submitted_at=T0 + 26 * H,
            feedback_due_at=T0 + 56 * H,
            **due,
        ),
        make_alert(
            world,
            convention=convention,
            ack_after=10 * H,
            site=world.site_meru,
            feedback_due_at=T0 + 30 * H,
            **due,
        ),
        make_alert(world, convention=convention, site=world.other_site, feedback_due_at=T0 + 30 * H, **due),
    ]


def _table(rows):
    return [
        (
            row.name,
            row.total,
            row.ack_hours,
            row.feedback_hours,
            row.ack_share,
            row.feedback_share,
            row.small_sample,
        )
        for row in rows
    ]


def test_units_and_landlords_side_by_side_match_the_hand_computed_values(world, convention, five_fiches):
    compared = comparison.compare(indicator_reader(world.prefect_agent), MARCH, convention)

    none = {"median": None, "p90": None}
    assert _table(compared["unit"]) == [
        (
            "Commissariat de Creil",
            4,
            {"median": 2.0, "p90": 3.6},
            {"median": 36.0, "p90": 45.6},
            50.0,
            25.0,
            True,
        ),
        ("Sans unité (routage manuel)", 1, {"median": 10.0, "p90": 10.0}, none, 0.0, 0.0, True),
    ]
    assert _table(compared["landlord"]) == [
        (
            "Habitat Picard (fictif)",
            4,
            {"median": 3.0, "p90": 8.2},
            {"median": 36.0, "p90": 45.6},
            50.0,
            25.0,
            True,
        ),
        ("Logis de l'Oise (fictif)", 1, none, none, 0.0, 0.0, True),
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="percentile_cont needs PostgreSQL")
def test_postgresql_grouped_percentiles_equal_the_python_fallback(world, convention, five_fiches):
    qs = indicators.fiches(indicator_reader(world.prefect_agent), MARCH, convention)

    for key in ("routed_unit_id", "landlord_id"):
        in_database = {
            row[key]: indicators.percentile_hours(row)
            for row in qs.order_by().values(key).annotate(**indicators.percentile_aggregates())
        }
        assert in_database == indicators.grouped_percentiles_in_python(qs, key)


def test_a_row_of_ten_fiches_or_more_is_no_small_sample(world, convention, five_fiches, settings):
    for _n in range(6):
        make_alert(world, convention=convention, ack_after=H)

    rows = comparison.compare(indicator_reader(world.prefect_agent), MARCH, convention)["unit"]

    assert [(row.total, row.small_sample) for row in rows] == [(10, False), (1, True)]
    # Never fewer than the publication threshold of small counts.
    settings.PASSERELLE_SMALL_COUNT_THRESHOLD = 11
    assert comparison.small_sample() == 11
    assert comparison.compare(indicator_reader(world.prefect_agent), MARCH, convention)["unit"][
        0
    ].small_sample


def test_the_comparison_counts_the_fiches_the_indicators_count(world, convention, five_fiches):
    make_alert(world, convention=convention, status="draft", reference=None)
    make_alert(world, convention=None)
    reader = indicator_reader(world.prefect_agent)
    filters = Filters(
        start=MARCH.start, end=MARCH.end, category="common_parts", landlord_id=world.landlord.pk
    )

    compared = comparison.compare(reader, filters, convention)

    total = indicators.compute(reader, filters, convention).total
    assert (
        sum(row.total for row in compared["unit"]) == sum(row.total for row in compared["landlord"]) == total
    )


def _march(client, url):
    return client.get(url, {"start": "2026-03-01", "end": "2026-03-31"})


def test_the_prefecture_reads_the_comparison_of_its_convention_in_a_pinned_number_of_queries(
    world, convention, five_fiches, login, django_assert_num_queries
):
    client = login(world.prefect_agent)
    url = reverse("conventions:convention_comparison", args=[convention.pk])
    _march(client, url)

    # The session with its user, organisation and unread notifications (one query,
    # partnerships/auth/session_store.py); the convention (its lookup reads it with
    # signatories, commitments, meetings and documents, then its policy once more); the form's
    # estates, landlords, units and communes; per table the grouped figures and the names (SQLite
    # reads the durations once more per table, having no percentile_cont).
    with django_assert_num_queries(15 if connection.vendor == "postgresql" else 17):
        response = _march(client, url)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="comparison-row"') == 4
    assert html.count('data-testid="small-sample"') == 4
    for text in (
        "Commissariat de Creil",
        "Logis de l&#x27;Oise (fictif)",
        "50,0 %",
        "<td>2 h</td>",
        "1 j 12 h",
    ):
        assert text in html
    # At 390 px the table scrolls in a focusable, named region ({% table %}).
    assert 'tabindex="0" role="region" aria-label="Unités"' in html


def test_the_comparison_is_reachable_from_the_convention_and_the_indicators_pages(world, convention, login):
    client = login(world.prefect_agent)
    url = reverse("conventions:convention_comparison", args=[convention.pk])

    assert url in client.get(reverse("conventions:detail", args=[convention.pk])).content.decode()
    assert (
        url in client.get(reverse("conventions:convention_indicators", args=[convention.pk])).content.decode()
    )
    assert reverse("conventions:comparison") in client.get(reverse("conventions:indicators")).content.decode()


def test_no_one_but_the_prefecture_of_the_departement_reads_the_comparison(world, convention, login):
    url = reverse("conventions:convention_comparison", args=[convention.pk])
    for user in (world.prefect_972, world.landlord_manager, world.police_manager, world.mayor, world.officer):
        assert login(user).get(url).status_code == 404, user
        assert login(user).get(reverse("conventions:comparison")).status_code == (
            200 if user == world.prefect_972 else 404
        )
    assert (
        url
        not in login(world.landlord_manager)
        .get(reverse("conventions:detail", args=[convention.pk]))
        .content.decode()
    )


def test_the_comparison_exports_are_formula_safe_with_a_decimal_comma(world, convention, five_fiches, login):
    world.other_landlord.name = '=HYPERLINK("http://evil")'
    world.other_landlord.save()
    client = login(world.prefect_agent)
    query = {"start": "2026-03-01", "end": "2026-03-31"}

    response = client.get(
        reverse("conventions:convention_comparison_export", args=[convention.pk, "csv"]), query
    )
    rows = list(
        csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";")
    )
    workbook = openpyxl.load_workbook(
        io.BytesIO(
            b"".join(
                client.get(
                    reverse("conventions:convention_comparison_export", args=[convention.pk, "xlsx"]), query
                ).streaming_content
            )
        )
    )

    assert rows[0][:4] == ["Comparaison", "Nom", "Fiches transmises", "Échantillon réduit"]
    assert rows[1] == ["Unités", "Commissariat de Creil", "4", "oui", "2", "3,6", "50", "36", "45,6", "25"]
    assert rows[4] == ["Bailleurs", '\'=HYPERLINK("http://evil")', "1", "oui", "", "", "0", "", "", "0"]
    sheet = list(workbook.active.iter_rows(values_only=True))
    assert sheet[1][4:7] == (2.0, 3.6, 50.0)
    assert sheet[4][1] == '\'=HYPERLINK("http://evil")'
