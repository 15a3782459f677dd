import io
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from guardian.shortcuts import get_perms

from partnerships.importers.sites import import_sites
from partnerships.models import Building, HousingSite
from tests.factories import CommuneFactory, DepartmentFactory

FIXTURES = Path(__file__).parent / "fixtures"


def run(name, landlord, **kwargs):
    with (FIXTURES / name).open("rb") as binary:
        return import_sites(binary, landlord=landlord, **kwargs)


def imported(landlord):
    return HousingSite.objects.filter(landlord=landlord).exclude(reference__startswith="GRP-")


def test_rpls_file_is_grouped_into_estates_by_programme_then_by_address(world):
    summary = run("rpls_sample.csv", world.landlord)
    assert summary.ok, summary.errors
    assert (summary.created, summary.updated, summary.unchanged, summary.rejected) == (4, 0, 0, 0)
    sites = {s.reference: s for s in imported(world.landlord)}
    assert set(sites) == {"P0042", "P0107", "P0200", "60001-2 RUE DU MOULIN"}
    creil = sites["P0042"]
    assert (creil.name, creil.dwellings, creil.qpv_code) == ("Les Hauts de Creil", 14, "QN06001M")
    assert creil.commune == world.creil
    assert creil.address == "12 RUE DE LA RÉPUBLIQUE"
    assert creil.postal_code == "60100"
    assert creil.rpls_programme == "P0042"
    assert abs(creil.latitude - Decimal("49.2631")) < Decimal("0.001")
    assert abs(creil.longitude - Decimal("2.4772")) < Decimal("0.001")
    buildings = {b.reference: (b.entrances, b.dwellings) for b in creil.buildings.all()}
    assert buildings == {"B01": ("A, B", 8), "B02": ("C", 6)}
    assert sites["P0200"].name == "8 PL CARNOT"
    assert sites["P0200"].latitude is None
    assert sites["60001-2 RUE DU MOULIN"].dwellings == 3
    assert sites["60001-2 RUE DU MOULIN"].rpls_programme == ""


def test_imported_estates_belong_to_the_importing_landlord_only(world):
    run("rpls_sample.csv", world.landlord)
    site = imported(world.landlord).get(reference="P0042")
    assert set(get_perms(world.landlord.group, site)) == {"view_housingsite", "change_housingsite"}
    assert get_perms(world.other_landlord.group, site) == []


def test_rpls_import_run_twice_changes_nothing(world):
    run("rpls_sample.csv", world.landlord)
    buildings = Building.objects.count()
    summary = run("rpls_sample.csv", world.landlord)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 4)
    assert imported(world.landlord).count() == 4
    assert Building.objects.count() == buildings


def test_cp1252_file_with_semicolons_is_read_and_updates_the_estate(world):
    run("rpls_sample.csv", world.landlord)
    summary = run("rpls_sample_cp1252.csv", world.landlord)
    assert summary.ok, summary.errors
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 1)
    site = imported(world.landlord).get(reference="P0042")
    assert site.address == "12 RUE DE LA RÉPUBLIQUE"


def test_malformed_file_reports_every_error_by_line_and_column_and_writes_nothing(world):
    before = HousingSite.objects.count()
    summary = run("rpls_malformed.csv", world.landlord)
    errors = {(e.line, e.column) for e in summary.errors}
    assert errors == {
        (3, "DEPCOM"),
        (4, "CODEPOSTAL"),
        (4, "QPV"),
        (4, "X"),
        (5, "NOMVOIE"),
        (5, "EPSG"),
        (6, ""),
    }
    assert "commune « 99999 » inconnue" in [e.message for e in summary.errors]
    assert str(summary.errors[-1]).startswith("ligne 6 : 4 colonnes au lieu de 18")
    assert (summary.created, summary.updated, summary.rejected) == (0, 0, 4)
    assert HousingSite.objects.count() == before


def test_a_file_without_the_commune_column_is_refused_with_the_header_it_read(world):
    summary = import_sites(io.BytesIO(b"NOMVOIE;X\nRUE BLEUE;1\n"), landlord=world.landlord)
    assert [(e.line, e.column) for e in summary.errors] == [(1, "DEPCOM")]
    assert "NOMVOIE, X" in summary.errors[0].message


def test_an_error_on_the_last_row_leaves_nothing_of_the_first_rows(world):
    text = (FIXTURES / "rpls_sample.csv").read_text() + "99999,,,1,,RUE,X,P9,,,,,,,,,,\n"
    summary = import_sites(io.BytesIO(text.encode()), landlord=world.landlord)
    assert [(e.line, e.column) for e in summary.errors] == [(30, "DEPCOM")]
    assert not imported(world.landlord).exists()


def test_dry_run_reports_what_would_be_created_without_writing(world):
    summary = run("rpls_sample.csv", world.landlord, dry_run=True)
    assert summary.ok
    assert summary.dry_run
    assert summary.created == 4
    assert not imported(world.landlord).exists()


def test_simple_estate_file_sets_the_tags_and_authorisations(world):
    summary = run("sites_simple.csv", world.landlord, fmt="simple")
    assert summary.ok, summary.errors
    cedres = HousingSite.objects.get(landlord=world.landlord, reference="GRP-CR-01")
    assert (cedres.name, cedres.dwellings, cedres.zsp, cedres.qrr) == ("Les Cèdres", 84, True, False)
    assert cedres.entry_authorisation
    assert str(cedres.entry_authorisation_date) == "2024-03-15"
    assert cedres.latitude == Decimal("49.264100")
    parc = HousingSite.objects.get(landlord=world.landlord, reference="GRP-ME-02")
    assert parc.video_transmission
    assert parc.latitude is None
    assert parc.commune == world.meru


def test_simple_estate_file_refuses_a_date_without_authorisation(world):
    text = (
        "reference;nom;adresse;code_insee;autorisation;date_autorisation\n"
        "R1;Les Tilleuls;1 rue A;60175;non;01/02/2024\n"
    )
    summary = import_sites(io.BytesIO(text.encode("cp1252")), landlord=world.landlord, fmt="simple")
    assert [(e.line, e.column) for e in summary.errors] == [(2, "date_autorisation")]


def test_import_sites_command_needs_a_known_landlord(world):
    with pytest.raises(CommandError, match="introuvable"):
        call_command("import_sites", str(FIXTURES / "rpls_sample.csv"), "--landlord", "Inconnu")
    call_command("import_sites", str(FIXTURES / "rpls_sample.csv"), "--landlord", str(world.landlord.pk))
    assert imported(world.landlord).count() == 4


def test_fifty_thousand_dwellings_import_quickly(world):
    lines = ["DEPCOM;CODEPOSTAL;NUMVOIE;TYPVOIE;NOMVOIE;IDENTPROG;IDENTBAT;ESCALIER;X;Y;EPSG"]
    for i in range(50_000):
        programme = i // 20
        lines.append(
            f"60175;60100;{programme % 200};RUE;DES LILAS {programme};P{programme:05d};"
            f"B{i // 10 % 2};{'ABCD'[i % 4]};{661900 + i % 50};{6908500 + i % 70};2154"
        )
    data = ("\n".join(lines) + "\n").encode()
    start = time.perf_counter()
    summary = import_sites(io.BytesIO(data), landlord=world.landlord)
    elapsed = time.perf_counter() - start
    assert summary.ok
    assert summary.created == 2500
    assert imported(world.landlord).get(reference="P00007").dwellings == 20
    assert elapsed < 30, elapsed
    print(f"50,000 dwellings: {elapsed:.1f} s")


# DiDo's RPLS « données détaillées au logement » as published: `;`, decimal comma, QPV_CODE a 0/1 flag
# beside QPV_LIBELLE; DEPCOM_CODE up to the 2024 vintage, DEPCOM and no EPSG column in the 2025 extract.
def test_dido_2024_layout_reads_depcom_code_decimal_commas_and_the_qpv_flag(world):
    summary = run("rpls_dido_2024.csv", world.landlord)
    assert summary.ok, summary.errors
    creil = HousingSite.objects.get(landlord=world.landlord, reference="P0042")
    assert creil.dwellings == 2
    assert creil.qpv_code == ""
    # Lambert-93 metres near Creil, not degrees.
    assert abs(float(creil.latitude) - 49.258) < 0.01
    assert abs(float(creil.longitude) - 2.475) < 0.01


def test_dido_2025_layout_without_epsg_reads_martinique_coordinates_in_utm_20n(world):
    summary = run("rpls_dido_2025_972.csv", world.landlord_972)
    assert summary.ok, summary.errors
    site = HousingSite.objects.get(landlord=world.landlord_972, reference="S0001")
    assert (round(float(site.latitude), 3), round(float(site.longitude), 3)) == (14.604, -61.074)


def test_an_estate_of_a_split_commune_gets_its_force_from_its_postal_code(world):
    for unit, postal_codes in ((world.police, "60149"), (world.gendarmerie, "60430")):
        world.nowhere.assignments.create(
            unit=unit, force=unit.kind, postal_codes=postal_codes, valid_from="2026-01-01"
        )
    summary = run("rpls_dido_2024.csv", world.landlord)
    assert summary.ok, summary.errors
    forces = dict(
        HousingSite.objects.filter(reference__in=["P0300", "P0301"]).values_list("reference", "force")
    )
    assert forces == {"P0300": "gendarmerie", "P0301": "police"}
    assert HousingSite.objects.get(reference="P0042").force == ""


def test_an_arrondissement_locates_an_estate_of_paris(world):
    paris = DepartmentFactory(code="75", name="Paris")
    CommuneFactory(insee_code="75101", name="Paris 1er Arrondissement", department=paris)
    world.landlord.departments.add(paris)
    text = (
        "DEPCOM;CODEPOSTAL;NUMVOIE;TYPVOIE;NOMVOIE;IDENTPROG;QPV_CODE;QPV_LIBELLE;X;Y\n"
        "75101;75001;1;RUE;DE RIVOLI;P7501;0;;651000,0;6862000,0\n"
    )
    summary = import_sites(io.BytesIO(text.encode()), landlord=world.landlord)
    assert summary.ok, summary.errors
    assert HousingSite.objects.get(reference="P7501").commune.insee_code == "75101"


def test_the_estates_import_refuses_a_commune_outside_the_landlords_departements(world):
    summary = run("rpls_dido_2025_972.csv", world.landlord)
    assert [(e.line, e.column) for e in summary.errors] == [(2, "DEPCOM")]
    assert "hors des départements où le bailleur intervient (60)" in summary.errors[0].message
    assert not HousingSite.objects.filter(reference="S0001").exists()


def test_a_landlord_given_another_departement_may_import_estates_there(world):
    world.landlord.departments.add(world.martinique)
    assert run("rpls_dido_2025_972.csv", world.landlord).ok


def test_the_estates_command_refuses_a_commune_outside_the_landlords_departements(world):
    with pytest.raises(CommandError, match="1 erreur"):
        call_command(
            "import_sites", str(FIXTURES / "rpls_dido_2025_972.csv"), "--landlord", str(world.landlord.pk)
        )
