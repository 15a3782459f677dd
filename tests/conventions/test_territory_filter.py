"""Indicators of the fiches of the estates in a priority territory (QPV, ZSP, QRR): figures, problems,
map, page, export and API; never offered to a reader of aggregates only."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from time_machine import travel

from conventions.forms import IndicatorFilterForm
from conventions.indicators import Filters, Territory, compute
from conventions.models import PartnershipProblem
from conventions.permissions import indicator_reader
from tests.conventions.factories import T0, make_convention
from tests.conventions.test_comparison import MARCH, five_fiches  # noqa: F401 (a fixture)

MARCH_QUERY = {"start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def convention(world):
    return make_convention(world)


@pytest.fixture
def territories(world):
    """Les Hauts de Creil in a QPV (3 fiches), La Nacre at Méru in the ZSP of Méru-Chambly (1),
    Le Plateau in a QRR (1)."""
    world.site_creil.qpv_code = "QN06001M"
    world.site_creil.dwellings = 300
    world.site_creil.save()
    world.site_meru.zsp = True
    world.site_meru.save()
    world.other_site.qrr = True
    world.other_site.dwellings = 100
    world.other_site.save()


def _in(territory):
    return Filters(start=MARCH.start, end=MARCH.end, territory=territory)


@pytest.mark.usefixtures("territories", "five_fiches")
def test_each_territory_counts_only_the_fiches_of_its_estates(world, convention):
    reader = indicator_reader(world.prefect_agent)

    totals = {territory: compute(reader, _in(territory), convention).total for territory in Territory.values}

    assert totals == {"qpv": 3, "zsp": 1, "qrr": 1}
    assert compute(reader, _in(""), convention).total == 5
    assert compute(reader, _in("zsp"), convention).ack_hours == {"median": 10.0, "p90": 10.0}


@pytest.mark.usefixtures("territories", "five_fiches")
def test_the_map_of_a_territory_counts_only_the_dwellings_of_its_estates(world, convention):
    result = compute(indicator_reader(world.prefect_agent), _in("qpv"), convention, with_map=True)

    creil = next(c for c in result.communes if c["name"] == "Creil")
    assert (creil["fiches"], creil["dwellings"], creil["rate"]) == (3, 300, 10.0)


@pytest.mark.usefixtures("territories")
def test_problems_count_in_a_territory_only_when_their_estate_lies_there(world):
    with travel(T0):
        for site, commune in (
            (world.site_meru, world.meru),
            (None, world.meru),
            (world.site_creil, world.creil),
        ):
            PartnershipProblem.objects.create(
                department=world.oise,
                site=site,
                commune=commune,
                title="Hall occupé",
                opened_by=world.gendarmerie,
            )
    reader = indicator_reader(world.prefect_agent)

    assert compute(reader, _in("zsp")).problems_identified == 1
    assert compute(reader, _in("qpv")).problems_identified == 1
    assert compute(reader, _in("")).problems_identified == 3


@pytest.mark.usefixtures("territories", "five_fiches")
def test_the_territory_filters_the_indicators_page_its_export_and_the_api(world, convention, login):
    client = login(world.prefect_agent)
    query = {**MARCH_QUERY, "territory": "zsp"}

    page = client.get(reverse("conventions:convention_indicators", args=[convention.pk]), query)
    export = client.get(
        reverse("conventions:convention_indicators_export", args=[convention.pk, "csv"]), query
    )
    rows = dict(
        csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")), delimiter=";")
    )
    api = client.get(f"/api/v1/conventions/{convention.pk}/indicators/", query).json()
    html = page.content.decode()

    assert '<option value="">Tous</option>' in html
    assert '<option value="zsp" selected>' in html
    assert page.context["figures"][0][1] == 1
    assert rows["Territoire prioritaire"] == "Zone de sécurité prioritaire (ZSP)"
    assert rows["Fiches transmises"] == "1"
    assert api["total"] == 1


@pytest.mark.usefixtures("territories", "five_fiches")
def test_a_mayor_is_offered_no_territory_its_totals_with_and_without_one_would_differ_by_a_masked_count(
    world, convention, login, time_machine
):
    time_machine.move_to(T0 + datetime.timedelta(days=40))  # March is over: published to a mayor
    client = login(world.mayor)

    page = client.get(reverse("conventions:indicators"), {**MARCH_QUERY, "territory": "qpv"})
    # The API parses its query string with the same form.
    form = IndicatorFilterForm(
        {**MARCH_QUERY, "territory": "qpv"},
        reader=indicator_reader(world.mayor),
        user=world.mayor,
        department_id=world.oise.pk,
    )

    assert page.status_code == 200
    assert "territory" not in page.context["form"].fields
    assert page.context["filters"].territory == ""
    assert form.filters().territory == ""
