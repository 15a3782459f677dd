"""Cost of the indicators: the fiches of the period are read a fixed number of times
whatever their number, and the hotspots, now ranked from per-site counts, keep their order."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.models import Alert
from conventions.indicators import HOTSPOT_LIMIT, Filters, compute
from conventions.permissions import indicator_reader
from tests.conventions.factories import make_alert, make_convention
from tests.factories import HousingSiteFactory

MARCH = Filters(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31))


@pytest.fixture
def convention(world):
    return make_convention(world)


def fiche_reads(reader, convention) -> tuple[int, int]:
    """(queries reading the fiches table, other than as a subquery; all queries) of the indicators
    with the map."""
    with CaptureQueriesContext(connection) as captured:
        compute(reader, MARCH, convention, with_map=True)
    sqls = [query["sql"] for query in captured.captured_queries]
    return sum('FROM "alerts_alert" WHERE' in sql for sql in sqls), len(sqls)


def test_the_indicators_read_the_fiches_twice_for_1_and_for_30_fiches(world, convention):
    reader = indicator_reader(world.prefect_agent)
    make_alert(world, convention=convention)
    few = fiche_reads(reader, convention)

    for site in (world.site_creil, world.site_meru, world.other_site) * 10:
        make_alert(world, convention=convention, site=site, redirected=True, category="drugs")

    assert fiche_reads(reader, convention) == few
    # Totals with the percentiles and the counts per month and per category, then sites. SQLite has
    # no percentile_cont: there, the durations are read once more.
    assert few[0] == (2 if connection.vendor == "postgresql" else 3)


def test_the_hotspots_are_the_ten_sites_with_most_fiches_then_by_name(world, convention):
    sites = [
        HousingSiteFactory(landlord=world.landlord, commune=world.creil, name=f"Résidence {letter}")
        for letter in "LKJIHGFEDCBA"
    ]
    # A: 5 fiches, B: 4, then C to L: 3 each (ten sites tied for the last places).
    for site, fiches in zip(sites[::-1], [5, 4] + [3] * 10, strict=True):
        for _ in range(fiches):
            make_alert(world, convention=convention, site=site)

    result = compute(indicator_reader(world.prefect_agent), MARCH, convention)

    assert [(h["site__name"], h["n"]) for h in result.hotspots] == [
        ("Résidence A", 5),
        ("Résidence B", 4),
        *[(f"Résidence {letter}", 3) for letter in "CDEFGHIJ"],
    ]
    assert len(result.hotspots) == HOTSPOT_LIMIT
    assert result.hotspots[0] == {
        "site_id": sites[-1].pk,
        "site__name": "Résidence A",
        "site__commune__name": "Creil",
        "n": 5,
    }


def test_a_conventions_fiches_are_read_only_through_the_columns_of_its_covering_index(world, convention):
    make_alert(world, convention=convention, ack_after=datetime.timedelta(hours=2))
    (index,) = [index for index in Alert._meta.indexes if index.name == "alert_conv_indicators_idx"]
    covered = {Alert._meta.get_field(name).column for name in [*index.fields, *index.include]}

    with CaptureQueriesContext(connection) as captured:
        compute(indicator_reader(world.prefect_agent), MARCH, convention, with_map=True)

    reads = [q["sql"] for q in captured.captured_queries if 'FROM "alerts_alert" WHERE' in q["sql"]]
    assert reads
    for sql in reads:
        # COUNT("id") would send PostgreSQL to the table for each of tens of thousands of rows.
        assert set(re.findall(r'"alerts_alert"\."(\w+)"', sql)) <= covered, sql


def test_the_indicators_page_lists_the_estates_with_their_commune_and_keeps_the_one_chosen(
    world, convention, client
):
    client.force_login(world.prefect_agent)
    url = reverse("conventions:convention_indicators", args=[convention.pk])

    page = client.get(url, {"start": "2026-03-01", "end": "2026-03-31", "site": world.site_creil.pk})

    html = page.content.decode()
    assert f'<option value="{world.site_creil.pk}" selected>{world.site_creil.name} — Creil</option>' in html
    assert f'<option value="{world.site_meru.pk}">{world.site_meru.name} — Méru</option>' in html
