"""Measure the reference-data imports at national size: a synthetic Ministry territories file (one row
per commune of the database, in the published layout, with split communes) and a synthetic RPLS DiDo
extract, each imported and timed, peak memory read from the process. Everything is rolled back."""

import csv
import random
import resource
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from partnerships.importers.sites import import_sites
from partnerships.importers.territories import import_territories
from partnerships.models import Commune, Organisation, OrganisationKind
from partnerships.services.organisations import organisation_create

MINISTRY_HEADER = "code_commune;libelle_commune;institution;id_service;service;code_postal;codes_postaux"
RPLS_HEADER = (
    "DEPCOM;CODEPOSTAL;LIBCOM;NUMVOIE;INDREP;TYPVOIE;NOMVOIE;IDENTPROG;NOMPROG;IDENTBAT;ESC;ETAGE;"
    "QPV_CODE;QPV_LIBELLE;X;Y;EPSG"
)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Mesure les imports de référentiels à l'échelle nationale (tout est annulé à la fin)."

    def add_arguments(self, parser):
        parser.add_argument("--rpls-rows", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, rpls_rows, seed, **options):
        communes = list(
            Commune.objects.order_by("insee_code").values_list("insee_code", "name", "department_id")
        )
        if len(communes) < 1000:
            raise CommandError("Importez d'abord les communes : manage.py import_communes")
        rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
        with tempfile.TemporaryDirectory() as tmp:
            ministry, rpls = Path(tmp) / "territoires.csv", Path(tmp) / "rpls.csv"
            rows = write_ministry(ministry, communes, rng)
            self.stdout.write(f"Fichier ministère : {rows} lignes, {ministry.stat().st_size / 1e6:.1f} Mo")
            try:
                with transaction.atomic():
                    self.measure("territoires (national)", lambda: run_territories(ministry))
                    self.measure("territoires (réimport)", lambda: run_territories(ministry))
                    landlord = organisation_create(
                        name="Bailleur de mesure", kind=OrganisationKind.LANDLORD, department_id="60"
                    )
                    oise = [c for c in communes if c[2] == "60"]
                    write_rpls(rpls, oise, rpls_rows, rng)
                    self.stdout.write(
                        f"Fichier RPLS : {rpls_rows} logements, {rpls.stat().st_size / 1e6:.1f} Mo"
                    )
                    self.measure("RPLS", lambda: run_sites(rpls, landlord))
                    raise Rollback
            except Rollback:
                pass

    def measure(self, label, work):
        start = time.perf_counter()
        summary = work()
        elapsed = time.perf_counter() - start
        self.stdout.write(
            f"{label} : {elapsed:.1f} s, pic mémoire du processus {peak_mb():.0f} Mo — créés {summary.created}, "
            f"mis à jour {summary.updated}, inchangés {summary.unchanged}, erreurs {len(summary.errors)}"
        )
        for error in summary.errors[:5]:
            self.stdout.write(f"  {error}")


def run_territories(path: Path):
    with path.open("rb") as binary:
        return import_territories(binary, confirm_reroute=True)


def run_sites(path: Path, landlord: Organisation):
    with path.open("rb") as binary:
        return import_sites(binary, landlord=landlord)


def write_ministry(path: Path, communes, rng) -> int:
    """About 12 communes per gendarmerie brigade, the largest INSEE codes of each département to the
    police, one commune in 500 split between both forces."""
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(MINISTRY_HEADER + "\n")
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        for i, (code, name, dept) in enumerate(communes):
            forces = [("GN", f"G{dept}{i // 12:05d}", f"Brigade de proximité n° {i // 12}")]
            if i % 9 == 0 or i % 500 == 0:
                forces.insert(0, ("PN", f"P{dept}{i // 40:04d}", f"Commissariat n° {i // 40}"))
            if i % 500 != 0:
                forces = forces[:1]
            for institution, service_code, service in forces:
                postal = f"{code[:2]}{rng.randint(0, 999):03d}"
                writer.writerow([code, name, institution, service_code, service, postal, postal])
                rows += 1
    return rows


def write_rpls(path: Path, communes, rows: int, rng) -> None:
    """DiDo's layout: `;`, decimal comma; ~50 dwellings per programme, 10 per entrance."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(RPLS_HEADER + "\n")
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        for i in range(rows):
            programme = i // 50
            code, name, _dept = communes[programme % len(communes)]
            x, y = 620000 + programme % 900 * 50 + rng.random(), 6880000 + programme % 700 * 50 + rng.random()
            writer.writerow(
                [
                    code,
                    "60000",
                    name.upper(),
                    programme % 200 + 1,
                    "",
                    "RUE",
                    f"DES MESURES {programme}",
                    f"P{programme:06d}",
                    f"Résidence {programme}",
                    f"B{i // 10 % 5}",
                    f"{i // 10 % 3}",
                    i % 10,
                    "1" if programme % 7 == 0 else "0",
                    "Quartier" if programme % 7 == 0 else "",
                    f"{x:.2f}".replace(".", ","),
                    f"{y:.2f}".replace(".", ","),
                    "2154",
                ]
            )
