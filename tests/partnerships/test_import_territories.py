import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from guardian.shortcuts import get_perms

from alerts.models import AlertEvent
from alerts.models.choices import EventKind, Outcome, Status
from partnerships.importers.territories import import_territories
from partnerships.models import Organisation, TerritoryAssignment
from partnerships.services.permissions import grant
from tests.partnerships.import_factories import OpenAlertFactory

FIXTURES = Path(__file__).parent / "fixtures"


def run(name_or_text: str, **kwargs):
    """A fixture file name, or the CSV text itself."""
    if name_or_text.endswith(".csv"):
        with (FIXTURES / name_or_text).open("rb") as binary:
            return import_territories(binary, **kwargs)
    return import_territories(io.BytesIO(name_or_text.encode()), **kwargs)


def current_unit(commune):
    return TerritoryAssignment.objects.get(commune=commune, valid_until__isnull=True).unit


def test_ministry_dataset_assigns_the_communes_and_keeps_what_is_already_right(world):
    summary = run("territories_ministry.csv")
    assert summary.ok, summary.errors
    assert (summary.created, summary.updated, summary.unchanged) == (1, 0, 3)
    assert current_unit(world.nowhere) == world.gendarmerie
    assert not [w for w in summary.warnings if "sans unité" in w]


def test_territory_import_run_twice_changes_nothing(world):
    run("territories_ministry.csv")
    summary = run("territories_ministry.csv")
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 4)
    assert TerritoryAssignment.objects.count() == 4


def test_ministry_dataset_with_other_header_names_is_read(world):
    text = "CodeINSEE,Commune,Institution,Service\n60001,Abbecourt,Gendarmerie nationale,Brigade de Méru\n"
    summary = run(text)
    assert summary.ok, summary.errors
    assert current_unit(world.nowhere) == world.gendarmerie


def test_territories_file_lists_every_conflict_and_writes_nothing(world):
    before = list(TerritoryAssignment.objects.values_list("id", "unit_id", "valid_until"))
    summary = run("territories_conflict.csv", fmt="simple")
    messages = [(e.line, e.column, e.message) for e in summary.errors]
    conflict = (
        "la commune 60001 est revendiquée par « Brigade de Chambly » et par « Brigade de Méru » (ligne 3)"
    )
    assert (4, "codes_insee", conflict) in messages
    assert any(line == 4 and "60175" in message for line, _c, message in messages)
    assert any(line == 5 and column == "type" and "douane" in message for line, column, message in messages)
    assert any(line == 6 and "99999 inconnue" in message for line, _c, message in messages)
    assert len(summary.errors) == 4
    assert summary.created == summary.updated == 0
    assert list(TerritoryAssignment.objects.values_list("id", "unit_id", "valid_until")) == before
    assert not Organisation.objects.filter(name="Brigade de Chambly").exists()


def test_simple_file_creates_missing_units_under_their_parent_and_reports_uncovered_communes(world):
    summary = run(
        "unite;type;unite_de_rattachement;codes_insee\n"
        "Brigade de Chambly;gendarmerie;Compagnie du Pays de Thelle;60001\n",
        fmt="simple",
    )
    assert summary.ok, summary.errors
    chambly = Organisation.objects.get(name="Brigade de Chambly")
    assert chambly.kind == "gendarmerie"
    assert chambly.department_id == "60"
    assert chambly.parent.name == "Compagnie du Pays de Thelle"
    assert chambly.group is not None
    assert current_unit(world.nowhere) == chambly

    summary = run("unite;type;codes_insee\nCommissariat de Fort-de-France;police;97209\n", fmt="simple")
    assert summary.warnings == []


def test_a_moved_commune_waits_for_confirmation_when_open_fiches_would_change_unit(world):
    alert = OpenAlertFactory(site=world.site_meru, routed_unit=world.gendarmerie)
    text = "unite;type;codes_insee\nCommissariat de Creil;police;60395\n"
    summary = run(text, fmt="simple")
    assert summary.confirmation_needed
    assert summary.pending == [f"Fiche {alert.reference} (Méru) : Brigade de Méru → Commissariat de Creil"]
    assert current_unit(world.meru) == world.gendarmerie
    alert.refresh_from_db()
    assert alert.routed_unit == world.gendarmerie


def test_confirmed_move_closes_the_old_assignment_and_reroutes_open_fiches_with_a_trace(world):
    alert = OpenAlertFactory(site=world.site_meru, routed_unit=world.gendarmerie)
    closed = OpenAlertFactory(
        site=world.site_meru, routed_unit=world.gendarmerie, status=Status.CLOSED, outcome=Outcome.PATROL
    )
    grant(organisation=world.gendarmerie, perms=("alerts.view_alert", "alerts.change_alert"), obj=alert)
    text = "unite;type;codes_insee\nCommissariat de Creil;police;60395\n"
    summary = run(text, fmt="simple", confirm_reroute=True, actor=world.prefect_agent)
    assert summary.ok
    assert not summary.confirmation_needed
    assert summary.updated == 1
    old = TerritoryAssignment.objects.get(commune=world.meru, unit=world.gendarmerie)
    assert old.valid_until is not None
    assert current_unit(world.meru) == world.police
    alert.refresh_from_db()
    closed.refresh_from_db()
    assert alert.routed_unit == world.police
    assert closed.routed_unit == world.gendarmerie
    event = AlertEvent.objects.get(alert=alert)
    assert event.kind == EventKind.REDIRECT
    assert "Brigade de Méru" in event.message
    assert "Commissariat de Creil" in event.message
    assert set(get_perms(world.police.group, alert)) == {"view_alert", "change_alert"}
    assert get_perms(world.gendarmerie.group, alert) == []


def test_import_territories_command_refuses_a_conflicting_file(world):
    with pytest.raises(CommandError, match="4 erreur"):
        call_command("import_territories", str(FIXTURES / "territories_conflict.csv"), "--format", "simple")


def test_import_territories_command_imports_the_ministry_file(world, capsys):
    call_command("import_territories", str(FIXTURES / "territories_ministry.csv"))
    assert current_unit(world.nowhere) == world.gendarmerie


def test_import_territories_command_reroutes_only_with_confirmation_and_an_actor(world):
    alert = OpenAlertFactory(site=world.site_meru, routed_unit=world.gendarmerie)
    move = str(FIXTURES / "territories_move.csv")
    call_command("import_territories", move, "--format", "simple")
    assert current_unit(world.meru) == world.gendarmerie
    with pytest.raises(CommandError, match="--actor"):
        call_command("import_territories", move, "--format", "simple", "--confirm-reroute")
    call_command(
        "import_territories",
        move,
        "--format",
        "simple",
        "--confirm-reroute",
        "--actor",
        world.prefect_agent.email,
    )
    alert.refresh_from_db()
    assert current_unit(world.meru) == world.police
    assert alert.routed_unit == world.police
