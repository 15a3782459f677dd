"""The reference data every filing reads (the competent unit, the convention in force, the response
delays) is kept per process and read again after any change to it, in this process or another
(partnerships/reference_cache.py)."""

import datetime

from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.models import Alert
from conventions.models import ResponsePolicy
from conventions.selectors import convention_in_force
from partnerships import reference_cache
from partnerships.models import TerritoryAssignment
from partnerships.routing import competent_unit
from partnerships.services.organisations import territory_assign
from tests.alerts.factories import filed_alert
from tests.conventions.factories import make_convention


def queries(read) -> int:
    with CaptureQueriesContext(connection) as captured:
        read()
    return len(captured.captured_queries)


def test_the_competent_unit_is_read_once_then_kept(world):
    assert queries(lambda: competent_unit(world.creil)) == 1
    assert queries(lambda: competent_unit(world.creil)) == 0
    assert competent_unit(world.creil) == world.police


def test_a_territory_handed_to_another_unit_routes_the_next_fiche_there(world):
    assert filed_alert(site=world.site_creil, reporter=world.landlord_agent).routed_unit == world.police
    current = TerritoryAssignment.objects.get(commune=world.creil, valid_until__isnull=True)
    current.valid_until = datetime.date(2025, 12, 31)
    current.save()
    territory_assign(unit=world.gendarmerie, communes=[world.creil], valid_from=datetime.date(2026, 1, 1))
    assert filed_alert(site=world.site_creil, reporter=world.landlord_agent).routed_unit == world.gendarmerie


def test_a_convention_signed_after_a_filing_applies_to_the_next_one(world):
    assert filed_alert(site=world.site_creil, reporter=world.landlord_agent).convention is None
    convention = make_convention(world, all_sites_of_signatories=True)
    assert filed_alert(site=world.site_creil, reporter=world.landlord_agent).convention == convention


def test_a_changed_response_policy_sets_the_next_fiches_deadlines(world):
    first = filed_alert(site=world.site_creil, reporter=world.landlord_agent, urgency="normal")
    assert first.ack_due_at - first.submitted_at == datetime.timedelta(hours=24)
    ResponsePolicy.objects.create(department=world.oise, normal_ack_hours=6)
    second = filed_alert(site=world.site_creil, reporter=world.landlord_agent, urgency="normal")
    assert second.ack_due_at - second.submitted_at == datetime.timedelta(hours=6)


def test_a_change_made_by_another_process_drops_this_processs_copies(world):
    competent_unit(world.creil)
    # Another process's change moved the shared version: this one reads the unit again.
    caches[reference_cache.CACHE].set(reference_cache.VERSION_KEY, "moved-elsewhere", timeout=None)
    assert queries(lambda: competent_unit(world.creil)) == 1


def test_a_caller_changing_a_cached_unit_never_changes_the_next_callers(world):
    unit = competent_unit(world.creil)
    unit.name = "Renommée en mémoire"
    assert competent_unit(world.creil).name == "Commissariat de Creil"


def test_the_conventions_in_force_are_read_once_per_landlord_and_day_whatever_the_estate(world):
    """Kept per département, landlord and day: an estate met for the first time costs no query, and
    the estate is matched in Python (a convention listing its estates covers those alone)."""
    listed = make_convention(world, title="Convention de Creil", all_sites_of_signatories=False)
    listed.sites.add(world.site_creil)
    day = datetime.date(2026, 6, 1)
    at_creil = Alert(department=world.oise, landlord=world.landlord, site=world.site_creil)
    at_meru = Alert(department=world.oise, landlord=world.landlord, site=world.site_meru)

    assert queries(lambda: convention_in_force(at_creil, day)) == 2  # the conventions, their estates
    assert queries(lambda: convention_in_force(at_meru, day)) == 0
    assert convention_in_force(at_creil, day) == listed
    assert convention_in_force(at_meru, day) is None
    everywhere = make_convention(
        world, effective_from=datetime.date(2019, 1, 1), all_sites_of_signatories=True
    )
    assert convention_in_force(at_meru, day) == everywhere
    assert convention_in_force(at_creil, day) == everywhere  # the latest in force wins, as before


def version_reads(monkeypatch) -> list:
    reads = []
    shared = reference_cache._shared_version

    def counted():
        reads.append(1)
        return shared()

    monkeypatch.setattr(reference_cache, "_shared_version", counted)
    return reads


def test_a_filing_reads_the_shared_version_once_for_all_its_reference_data(world, monkeypatch):
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)  # warms this process's copies
    reads = version_reads(monkeypatch)
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    assert len(reads) == 1


def test_a_change_inside_a_read_once_block_is_seen_by_the_next_read_of_the_block(world):
    competent_unit(world.creil)
    with reference_cache.read_once():
        assert competent_unit(world.creil) == world.police
        current = TerritoryAssignment.objects.get(commune=world.creil, valid_until__isnull=True)
        current.valid_until = datetime.date(2025, 12, 31)
        current.save()
        territory_assign(unit=world.gendarmerie, communes=[world.creil], valid_from=datetime.date(2026, 1, 1))
        assert competent_unit(world.creil) == world.gendarmerie


def test_outside_a_read_once_block_each_read_checks_the_shared_version(world, monkeypatch):
    with reference_cache.read_once():
        competent_unit(world.creil)
    reads = version_reads(monkeypatch)
    competent_unit(world.creil)
    competent_unit(world.creil)
    assert len(reads) == 2
