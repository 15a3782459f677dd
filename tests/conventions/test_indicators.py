import datetime

import pytest
from django.db import connection

from conventions import disclosure, indicators
from conventions.indicators import Filters, compute, percentile
from conventions.models import PartnershipProblem, ProblemStatus
from conventions.permissions import indicator_reader
from tests.conventions.factories import T0, make_alert, make_convention

H = datetime.timedelta(hours=1)
MARCH = Filters(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31))


@pytest.fixture
def convention(world):
    return make_convention(world)


@pytest.fixture
def five_fiches(world, convention):
    """Acknowledged after 1, 2, 4, 10 hours and never; first feedback after 24 and 48 hours.

    Hand-computed: ack durations [1, 2, 4, 10] → median 3.0, p90 = 4 + 0.7 × (10 − 4) = 8.2;
    feedback [24, 48] → median 36.0, p90 = 24 + 0.9 × 24 = 45.6; deadline 3 h → within policy 2 of 5."""
    return [
        make_alert(
            world,
            convention=convention,
            ack_after=1 * H,
            feedback_after=24 * H,
            ack_within=3 * H,
            staff_victim=True,
            complaint="filed",
        ),
        make_alert(
            world,
            convention=convention,
            ack_after=2 * H,
            feedback_after=48 * H,
            ack_within=3 * H,
            submitted_at=T0 + 3 * H,
            category="drugs",
        ),
        make_alert(
            world,
            convention=convention,
            ack_after=4 * H,
            ack_within=3 * H,
            redirected=True,
            submitted_at=T0 + 26 * H,
        ),
        make_alert(
            world,
            convention=convention,
            ack_after=10 * H,
            ack_within=3 * H,
            site=world.site_meru,
            complaint="planned",
        ),
        make_alert(world, convention=convention, ack_within=3 * H, site=world.other_site),
    ]


def test_percentile_interpolates_like_postgresql_percentile_cont():
    assert percentile([1, 2, 4, 10], 0.5) == 3
    assert percentile([1, 2, 4, 10], 0.9) == pytest.approx(8.2)
    assert percentile([7], 0.9) == 7
    assert percentile([], 0.5) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="percentile_cont needs PostgreSQL")
def test_postgresql_percentiles_equal_the_python_fallback(world, convention, five_fiches):
    qs = indicators.fiches(indicator_reader(world.prefect_agent), MARCH, convention)

    assert (
        indicators.percentiles_in_database(qs)
        == indicators.percentiles_in_python(qs)
        == {"ack": {"median": 3.0, "p90": 8.2}, "feedback": {"median": 36.0, "p90": 45.6}}
    )


def test_the_convention_indicators_match_the_hand_computed_values(world, convention, five_fiches):
    result = compute(indicator_reader(world.prefect_agent), MARCH, convention)

    assert result.total == 5
    assert result.ack_hours == {"median": 3.0, "p90": 8.2}
    assert result.feedback_hours == {"median": 36.0, "p90": 45.6}
    assert (result.within_policy, result.with_policy, result.within_policy_share) == (2, 5, 40.0)
    assert result.staff_aggressions == 1
    assert result.complaints_filed == 1
    assert result.redirections == 1
    assert dict((m, n) for m, n in result.per_month)[datetime.date(2026, 3, 1)] == 5
    assert [(code, n) for code, _label, n in result.per_category] == [("common_parts", 4), ("drugs", 1)]
    assert [(h["site__name"], h["n"]) for h in result.hotspots] == [("Les Hauts de Creil", 3)]


def test_fiches_outside_the_period_the_convention_or_drafts_are_not_counted(world, convention, five_fiches):
    make_alert(world, convention=convention, submitted_at=T0 + datetime.timedelta(days=40))
    make_alert(world, convention=None)
    make_alert(world, convention=convention, status="draft", reference=None)

    assert compute(indicator_reader(world.prefect_agent), MARCH, convention).total == 5


def test_filters_narrow_the_indicators(world, convention, five_fiches):
    reader = indicator_reader(world.prefect_agent)

    by_landlord = compute(
        reader, Filters(start=MARCH.start, end=MARCH.end, landlord_id=world.landlord.pk), convention
    )
    by_commune = compute(
        reader, Filters(start=MARCH.start, end=MARCH.end, commune_id=world.meru.pk), convention
    )
    by_category = compute(reader, Filters(start=MARCH.start, end=MARCH.end, category="drugs"), convention)

    assert by_landlord.total == 4
    assert by_commune.total == 1
    assert by_commune.ack_hours == {"median": 10.0, "p90": 10.0}
    assert by_category.total == 1


def test_a_landlord_manager_counts_only_the_fiches_of_its_organisation(world, convention, five_fiches):
    result = compute(indicator_reader(world.landlord_manager), MARCH, convention)

    assert result.total == 4


def test_a_force_manager_counts_only_the_fiches_routed_to_its_units(world, convention, five_fiches):
    # Creil's fiches (three of the landlord's, one of the other landlord's) go to the Creil station.
    assert compute(indicator_reader(world.ddsp_manager), MARCH, convention).total == 4
    assert compute(indicator_reader(world.police_manager), MARCH, convention).total == 4


def test_a_mayor_counts_only_the_fiches_of_its_communes_and_small_counts_are_suppressed(
    world, convention, five_fiches
):
    reader = indicator_reader(world.mayor)
    result = compute(reader, MARCH, convention)

    assert result.total == 4
    assert disclosure.shown(result.total, reader) == "< 5"
    assert disclosure.shown(result.staff_aggressions, reader) == "< 5"
    assert disclosure.shown(7, reader) == 7
    assert disclosure.shown(3, indicator_reader(world.prefect_agent)) == 3


def test_agents_and_other_organisations_read_no_indicators(world):
    assert indicator_reader(world.landlord_agent) is None
    assert indicator_reader(world.officer) is None


def test_partnership_problems_identified_and_resolved_in_the_period_are_counted(
    world, convention, time_machine
):
    time_machine.move_to(T0)
    PartnershipProblem.objects.create(
        department=world.oise,
        site=world.site_creil,
        commune=world.creil,
        title="Hall occupé",
        opened_by=world.police,
    )
    PartnershipProblem.objects.create(
        department=world.oise,
        site=world.site_meru,
        commune=world.meru,
        title="Point de deal",
        opened_by=world.gendarmerie,
        status=ProblemStatus.RESOLVED,
        resolved_at=T0 + 48 * H,
    )

    result = compute(indicator_reader(world.prefect_agent), MARCH, convention)

    assert (result.problems_identified, result.problems_resolved) == (2, 1)
    # A mayor is given March once it is over (published_period).
    time_machine.move_to(T0 + 31 * 24 * H)
    assert compute(indicator_reader(world.mayor), MARCH, convention).problems_identified == 1


def test_a_convention_counts_the_problems_of_its_perimeter_or_linking_its_fiches_not_the_whole_department(
    world, convention, time_machine
):
    time_machine.move_to(T0)
    outside = make_alert(world, site=world.other_site)  # the other landlord signed no convention
    linked = PartnershipProblem.objects.create(
        department=world.oise, site=world.other_site, commune=world.creil, title="Lié", opened_by=world.police
    )
    linked.alerts.add(make_alert(world, site=world.other_site, convention=convention))
    unlinked = PartnershipProblem.objects.create(
        department=world.oise,
        site=world.other_site,
        commune=world.creil,
        title="Hors",
        opened_by=world.police,
    )
    unlinked.alerts.add(outside)
    PartnershipProblem.objects.create(
        department=world.oise,
        site=world.site_creil,
        commune=world.creil,
        title="Sur site",
        opened_by=world.police,
    )
    prefecture = indicator_reader(world.prefect_agent)

    assert compute(prefecture, MARCH, convention).problems_identified == 2
    assert compute(prefecture, MARCH).problems_identified == 3
    convention.all_sites_of_signatories = False
    convention.save()
    assert compute(prefecture, MARCH, convention).problems_identified == 1  # the linked one only


def test_the_map_rates_are_fiches_per_thousand_dwellings(world, convention, five_fiches):
    world.site_creil.dwellings = 300
    world.site_creil.save()
    world.other_site.dwellings = 100
    world.other_site.save()

    result = compute(indicator_reader(world.prefect_agent), MARCH, convention, with_map=True)

    creil = next(c for c in result.communes if c["name"] == "Creil")
    assert (creil["fiches"], creil["dwellings"], creil["rate"]) == (4, 400, 10.0)
    assert {c["name"] for c in result.communes} == {"Creil", "Méru", "Abbecourt"}


def test_the_suppression_threshold_is_a_setting(world, settings):
    settings.PASSERELLE_SMALL_COUNT_THRESHOLD = 10

    assert disclosure.shown(7, indicator_reader(world.mayor)) == "< 10"


# --- Differencing: a partner mayor gets whole calendar periods, and whatever
# would let a masked count be recomputed is masked too.

DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ((2026, 3, 10), (2026, 3, 11), ((2026, 3, 1), (2026, 3, 31))),  # within a month: the month
        ((2026, 4, 20), (2026, 6, 2), ((2026, 4, 1), (2026, 6, 30))),  # within a quarter: the quarter
        ((2026, 2, 20), (2026, 5, 2), ((2026, 1, 1), (2026, 12, 31))),  # across quarters: the year
        ((2024, 12, 6), (2025, 3, 2), ((2024, 1, 1), (2025, 12, 31))),  # across years: whole years
    ],
)
def test_a_mayor_is_given_whole_calendar_months_quarters_or_years(start, end, expected):
    period = indicators.calendar_period(Filters(start=datetime.date(*start), end=datetime.date(*end)))
    assert (period.start, period.end) == (datetime.date(*expected[0]), datetime.date(*expected[1]))


def test_moving_the_end_date_one_day_at_a_time_teaches_a_mayor_nothing(world, convention):
    for day in range(7):
        make_alert(world, convention=convention, submitted_at=T0 + day * 24 * H)
    reader = indicator_reader(world.mayor)

    seen = {
        str(
            disclosure.present(
                compute(reader, Filters(start=MARCH.start, end=MARCH.start + n * DAY), convention), reader
            )
        )
        for n in range(10)
    }

    assert len(seen) == 1
    # The prefecture still reads the range it asked for.
    prefect = indicator_reader(world.prefect_agent)
    assert compute(prefect, Filters(start=MARCH.start, end=MARCH.start + 3 * DAY), convention).total == 3


def mayor_reader(world):
    return indicator_reader(world.mayor)


def test_one_masked_cell_masks_the_smallest_other_one_so_it_cannot_be_recomputed(world):
    cells, total = disclosure.suppressed([7, 2, 9], 18, mayor_reader(world))
    assert cells == ["< 5", "< 5", 9]
    assert total == 18  # the two masked cells add up to 9: neither can be told


def test_a_total_that_would_give_away_the_masked_cells_is_masked(world):
    reader = mayor_reader(world)
    assert disclosure.suppressed([0, 0, 12], 12, reader) == (["< 5", "< 5", 12], "< 5")
    assert disclosure.suppressed([3], 3, reader) == (["< 5"], "< 5")
    assert disclosure.suppressed([6, 8], 14, reader) == ([6, 8], 14)
    assert disclosure.suppressed([0, 2], 2, indicator_reader(world.prefect_agent)) == ([0, 2], 2)


def test_the_presented_total_of_a_mayor_never_lets_a_masked_month_be_recomputed(world, convention):
    for day in range(12):
        make_alert(world, convention=convention, submitted_at=T0 + day * 24 * H)
    reader = mayor_reader(world)

    shown = disclosure.present(
        compute(
            reader, Filters(start=datetime.date(2026, 2, 10), end=datetime.date(2026, 3, 20)), convention
        ),
        reader,
    )

    assert (shown["start"], shown["end"]) == (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    assert [n for _month, n in shown["per_month"]] == ["< 5", "< 5", 12]
    assert shown["total"] == "< 5"  # 12 would say January and February had none


# --- A month in progress (issue 16, point 3): never published to a reader of aggregates only, so no
# total can be watched growing; the page says which period was counted.


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ((2026, 1, 1), (2026, 12, 31), ((2026, 1, 1), (2026, 5, 31))),  # the year so far: finished months
        ((2026, 6, 2), (2026, 6, 9), ((2026, 5, 1), (2026, 5, 31))),  # this month: the last finished one
        ((2027, 2, 1), (2027, 2, 3), ((2026, 5, 1), (2026, 5, 31))),  # the future: likewise
        ((2026, 3, 10), (2026, 3, 11), ((2026, 3, 1), (2026, 3, 31))),  # a finished month: as it is
    ],
)
def test_a_mayor_is_never_given_a_month_still_in_progress(start, end, expected):
    asked = Filters(start=datetime.date(*start), end=datetime.date(*end))
    period = indicators.published_period(asked, today=datetime.date(2026, 6, 10))
    assert (period.start, period.end) == (datetime.date(*expected[0]), datetime.date(*expected[1]))


def test_fiches_of_the_current_month_are_not_counted_for_a_mayor_until_it_ends(
    world, convention, time_machine
):
    time_machine.move_to(T0 + 10 * 24 * H)  # 12 March 2026
    for day in range(6):
        make_alert(world, convention=convention, submitted_at=T0 + day * 24 * H)
    asked = Filters(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 3, 31))

    mayor = compute(indicator_reader(world.mayor), asked, convention)
    assert (mayor.start, mayor.end, mayor.total) == (datetime.date(2026, 1, 1), datetime.date(2026, 2, 28), 0)
    assert compute(indicator_reader(world.prefect_agent), asked, convention).total == 6

    time_machine.move_to(datetime.datetime(2026, 4, 1, 12, 0, tzinfo=datetime.UTC))
    assert compute(indicator_reader(world.mayor), asked, convention).total == 6


def test_the_indicators_page_says_which_period_was_counted(world, convention, login, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 25, 12, 0, tzinfo=datetime.UTC))
    query = {"start": "2026-02-10", "end": "2026-03-20"}

    # The first quarter, stopped at the end of February: March is not over.
    page = login(world.mayor).get("/conventions/indicateurs/", query).content.decode()
    assert "Période comptée : du 01/01/2026 au 28/02/2026" in page

    page = login(world.prefect_agent).get("/conventions/indicateurs/", query).content.decode()
    assert "Période comptée : du 10/02/2026 au 20/03/2026" in page


def test_the_map_of_a_mayor_masks_small_communes_and_what_would_give_them_away(world, convention):
    world.mairie.communes.add(world.meru)
    world.site_creil.dwellings = world.site_meru.dwellings = 500
    world.site_creil.save()
    world.site_meru.save()
    for day in range(7):
        make_alert(world, convention=convention, submitted_at=T0 + day * 24 * H)
    for day in range(2):
        make_alert(world, convention=convention, site=world.site_meru, submitted_at=T0 + day * 24 * H)
    reader = mayor_reader(world)

    shown = disclosure.present(compute(reader, MARCH, convention, with_map=True), reader)

    communes = {c["name"]: (c["fiches"], c["rate"]) for c in shown["communes"]}
    # Méru's 2 are masked; Creil's 7 too, or the total of 9 would give Méru's away.
    assert communes == {"Creil": ("< 5", None), "Méru": ("< 5", None)}
    prefect = indicator_reader(world.prefect_agent)
    shown = disclosure.present(compute(prefect, MARCH, convention, with_map=True), prefect)
    assert {c["name"]: c["fiches"] for c in shown["communes"]}["Méru"] == 2


def test_the_unit_filter_counts_the_problems_the_unit_opened_partners_or_whose_fiches_it_received(
    world, convention, time_machine
):
    time_machine.move_to(T0)

    def problem(title, opened_by):
        return PartnershipProblem.objects.create(
            department=world.oise,
            site=world.site_creil,
            commune=world.creil,
            title=title,
            opened_by=opened_by,
        )

    problem("Ouvert par la police", world.police)
    problem("La police en partenaire", world.gendarmerie).partners.add(world.police)
    problem("Une fiche de la police liée", world.gendarmerie).alerts.add(
        make_alert(world, convention=convention)  # routed to the police (Creil)
    )
    problem("Gendarmerie seule", world.gendarmerie)
    prefecture = indicator_reader(world.prefect_agent)

    assert compute(prefecture, MARCH).problems_identified == 4
    police = Filters(start=MARCH.start, end=MARCH.end, unit_id=world.police.pk)
    assert compute(prefecture, police).problems_identified == 3
    gendarmerie = Filters(start=MARCH.start, end=MARCH.end, unit_id=world.gendarmerie.pk)
    assert compute(prefecture, gendarmerie).problems_identified == 3  # opened the last three
