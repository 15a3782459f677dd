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
from tests.alerts.factories import filed_alert
from tests.factories import CommuneFactory, DepartmentFactory, UserFactory
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
    with pytest.raises(CommandError, match="Rien n'a été enregistré"):
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


# The Ministry of the Interior's published layout, as downloaded: `;`-separated UTF-8, PN / GN, one row
# per commune and force, with a homonymous unit in the Ardennes and the Oise, a Paris arrondissement and a
# commune split between the police and the gendarmerie (Abbecourt).
NATIONAL = "territoires_competence_national.csv"


@pytest.fixture
def nation(world):
    ardennes = DepartmentFactory(code="08", name="Ardennes")
    paris = DepartmentFactory(code="75", name="Paris")
    CommuneFactory(insee_code="08014", name="Apremont", department=ardennes)
    CommuneFactory(insee_code="08105", name="Chatel-Chéhéry", department=ardennes)
    apremont_60 = CommuneFactory(insee_code="60021", name="Apremont", department=world.oise)
    CommuneFactory(insee_code="75101", name="Paris 1er Arrondissement", department=paris)
    world.apremont_60 = apremont_60
    world.admin = UserFactory(organisation=None, is_superuser=True, email="admin@passerelle.fr")
    return world


def test_homonymous_units_of_two_departements_stay_two_units_identified_by_id_service(nation):
    summary = run(NATIONAL, actor=nation.admin)
    assert summary.ok, summary.errors
    ardennes, oise = (
        Organisation.objects.get(service_code="00011234"),
        Organisation.objects.get(service_code="00045678"),
    )
    assert ardennes.name == oise.name == "Brigade de proximité d'Apremont"
    assert (ardennes.department_id, oise.department_id) == ("08", "60")
    assert current_unit(nation.apremont_60) == oise
    # The Oise's existing units adopt their id_service instead of being duplicated.
    assert Organisation.objects.get(service_code="00060001") == nation.police


def test_the_national_file_imported_twice_changes_nothing_the_second_time(nation):
    run(NATIONAL, actor=nation.admin)
    units = Organisation.objects.count()
    summary = run(NATIONAL, actor=nation.admin)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 9)
    assert Organisation.objects.count() == units


def test_a_renamed_unit_keeps_its_identity_and_its_territory(nation):
    run(NATIONAL, actor=nation.admin)
    text = (FIXTURES / NATIONAL).read_text().replace("Commissariat de Creil", "Commissariat de Creil-Nogent")
    summary = run(text, actor=nation.admin)
    nation.police.refresh_from_db()
    assert nation.police.name == "Commissariat de Creil-Nogent"
    assert current_unit(nation.creil) == nation.police
    assert summary.updated == 0
    assert "Unité renommée : Commissariat de Creil → Commissariat de Creil-Nogent" in summary.warnings


def test_a_split_commune_keeps_both_forces_with_their_postal_codes(nation):
    summary = run(NATIONAL, actor=nation.admin)
    assert summary.ok, summary.errors
    current = TerritoryAssignment.objects.filter(commune=nation.nowhere, valid_until__isnull=True)
    assert {(a.unit, a.postal_codes) for a in current} == {
        (nation.police, "60149"),
        (nation.gendarmerie, "60430"),
    }


def test_a_force_claiming_a_commune_twice_is_still_a_conflict(nation):
    text = (
        "code_commune;libelle_commune;institution;id_service;service;code_postal;codes_postaux\n"
        "60001;Abbecourt;GN;00060012;Brigade de Méru;60149;60149\n"
        "60001;Abbecourt;GN;00045678;Brigade de proximité d'Apremont;60149;60149\n"
    )
    summary = run(text)
    assert [(e.line, e.column) for e in summary.errors] == [(3, "code_commune")]


def test_a_national_import_by_the_platform_administrator_reroutes_open_fiches_of_every_departement(nation):
    alert = OpenAlertFactory(site=nation.site_meru, routed_unit=nation.gendarmerie)
    alert_972 = OpenAlertFactory(site=nation.site_972, routed_unit=nation.police_972, reference="FA-972-1")
    text = (FIXTURES / NATIONAL).read_text()
    text = text.replace(
        "60395;Méru;GN;00060012;Brigade de Méru", "60395;Méru;PN;00060001;Commissariat de Creil"
    )
    text = text.replace("00097201;Commissariat de Fort-de-France", "00097299;Commissariat de Schoelcher")
    summary = run(text, actor=nation.admin)
    assert summary.confirmation_needed
    assert len(summary.pending) == 2
    summary = run(text, actor=nation.admin, confirm_reroute=True)
    assert summary.ok, summary.errors
    alert.refresh_from_db()
    alert_972.refresh_from_db()
    assert alert.routed_unit == nation.police
    assert alert_972.routed_unit.name == "Commissariat de Schoelcher"
    assert alert_972.routed_unit.department_id == "972"
    event = AlertEvent.objects.get(alert=alert_972, kind=EventKind.REDIRECT)
    assert event.author == nation.admin
    assert "Commissariat de Schoelcher" in event.message


def test_a_prefecture_import_keeps_to_its_departement_and_says_how_many_rows_lay_outside(nation):
    summary = run(NATIONAL, actor=nation.prefect_agent, departments=["60"])
    assert summary.ok, summary.errors
    assert "4 lignes concernent des communes hors de votre périmètre (60) : ignorées." in summary.warnings
    assert not Organisation.objects.filter(service_code="00011234").exists()


def test_a_file_with_no_row_in_the_prefectures_departement_is_refused(nation):
    text = (
        "code_commune;libelle_commune;institution;id_service;service;code_postal;codes_postaux\n"
        "97209;Fort-de-France;PN;00097201;Commissariat de Fort-de-France;97200;97200\n"
    )
    summary = run(text, actor=nation.prefect_agent, departments=["60"])
    assert not summary.ok
    assert "aucune ligne ne concerne votre département (60)" in summary.errors[0].message
    assert "1 ligne concerne une commune hors de votre périmètre (60) : ignorée." in summary.warnings


def test_the_command_without_confirmation_says_nothing_was_written_and_exits_non_zero(world, capsys):
    OpenAlertFactory(site=world.site_meru, routed_unit=world.gendarmerie)
    with pytest.raises(CommandError) as exc:
        call_command("import_territories", str(FIXTURES / "territories_move.csv"), "--format", "simple")
    assert "Rien n'a été enregistré" in str(exc.value)
    assert "--confirm-reroute" in str(exc.value)
    assert "Import terminé" not in capsys.readouterr().out
    assert current_unit(world.meru) == world.gendarmerie


def test_the_command_limits_a_prefecture_actor_to_its_departement(nation, capsys):
    call_command("import_territories", str(FIXTURES / NATIONAL), "--actor", nation.prefect_agent.email)
    assert "hors de votre périmètre" in capsys.readouterr().out
    assert not Organisation.objects.filter(service_code="00011234").exists()


def test_the_reference_data_imports_never_import_the_fiches_app():
    core = Path(__file__).parents[2] / "partnerships"
    paths = [
        *(core / "importers").rglob("*.py"),
        *(core / "imports").rglob("*.py"),
        *(core / "management" / "commands").glob("import_*.py"),
    ]
    offenders = [
        str(path.relative_to(core))
        for path in paths
        if any(
            line.lstrip().startswith(("from alerts", "import alerts"))
            for line in path.read_text().splitlines()
        )
    ]
    assert offenders == []


def test_a_fiche_of_a_split_commune_waits_for_the_prefecture_with_the_reason_until_its_estate_has_a_force(
    nation,
):
    run(NATIONAL, actor=nation.admin)
    alert = filed_alert(site=nation.site_nowhere, reporter=nation.landlord_agent)
    assert alert.routed_unit is None
    assert alert.events.filter(message="commune partagée entre police et gendarmerie").exists()

    nation.site_nowhere.force = "gendarmerie"
    nation.site_nowhere.save(update_fields=["force"])
    assert (
        filed_alert(site=nation.site_nowhere, reporter=nation.landlord_agent).routed_unit
        == nation.gendarmerie
    )
