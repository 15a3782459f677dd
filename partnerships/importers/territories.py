"""Force territories: which police or gendarmerie unit is competent in each commune.

Two layouts: the Ministry of the Interior's open dataset "Compétence territoriale gendarmerie et police
nationales" (one row per commune and force, units identified by their `id_service`) and a simple one
(unit, kind, parent unit, INSEE codes). A commune moved to another unit has its current assignment
closed and a new one opened. Open fiches follow the new unit through the `territories_moved` signal,
which the alerts app answers: this core package never imports the fiches."""

import datetime
import re
from dataclasses import dataclass

from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnerships.models import Commune, Organisation, OrganisationKind, TerritoryAssignment, User
from partnerships.reference_cache import reference_changed
from partnerships.services.organisations import organisation_create, organisations_create_many

from .base import CsvSource, ImportSummary, Progress, run_atomic

MINISTRY_COLUMNS = {
    "insee_code": (
        "code_commune_insee",
        "CodeINSEE",
        "code_insee",
        "insee",
        "code_commune",
        "codgeo",
        "DEPCOM",
    ),
    "commune_name": ("nom_commune", "commune", "libelle_commune", "NomCommune"),
    "institution": ("institution", "force", "competence", "service_competent"),
    "service_code": ("code_service", "service_id", "id_service", "identifiant_service", "CodeService"),
    "service": ("nom_service", "service", "libelle_service", "unite", "NomService"),
    "postal_codes": ("codes_postaux", "code_postal", "cp", "CodesPostaux"),
}
SIMPLE_COLUMNS = {
    "unit": ("unite", "unit", "nom_unite", "service"),
    "kind": ("type", "kind", "force", "institution"),
    "parent": ("unite_de_rattachement", "parent", "rattachement", "unite_parente"),
    "insee_codes": ("codes_insee", "communes", "insee", "code_insee"),
}
FORMATS = ("ministry", "simple")

# Sent inside the import's transaction once assignments moved, with `moves` (a list of Move), `actor`,
# `confirmed` and `summary`. A receiver lists what it would change in summary.pending and, unless
# confirmed, sets summary.confirmation_needed (the import is then rolled back like a dry run).
territories_moved = Signal()


@dataclass(frozen=True)
class Unit:
    """A unit as the file names it: by its Ministry `id_service` when the file has one, else by name."""

    name: str
    kind: str
    code: str = ""
    parent: str = ""

    @property
    def identity(self) -> tuple[str, str]:
        return ("code", self.code) if self.code else ("name", f"{self.kind}:{self.name}")


@dataclass(frozen=True)
class Claim:
    line: int
    column: str
    unit: Unit
    postal_codes: str = ""


@dataclass(frozen=True)
class Move:
    """A commune whose open fiches routed to `old_unit` now belong to `new_unit`."""

    commune_id: int
    old_unit: Organisation
    new_unit: Organisation


def parse_kind(value: str) -> str | None:
    value = value.lower()
    if "police" in value or value in ("pn", "dsp"):
        return OrganisationKind.POLICE
    if "gendarm" in value or value in ("gn", "ggd"):
        return OrganisationKind.GENDARMERIE
    return None


def _claims(source: CsvSource, fmt: str, progress: Progress):
    """(line, column, INSEE code, unit, postal codes) for every commune named in the file."""
    for line, row in source:
        if progress:
            progress(1)
        if fmt == "ministry":
            unit_column, name, kind_value = "service", row["service"], row["institution"]
            codes, codes_column = [row["insee_code"]], "insee_code"
            unit_code, parent, postal_codes = row.get("service_code", ""), "", row.get("postal_codes", "")
        else:
            unit_column, name, kind_value = "unit", row["unit"], row["kind"]
            codes, codes_column = [c for c in re.split(r"[\s,;]+", row["insee_codes"]) if c], "insee_codes"
            unit_code, parent, postal_codes = "", row.get("parent", ""), ""
        kind = parse_kind(kind_value)
        if not name:
            source.error(line, unit_column, _("nom d'unité vide"))
            continue
        if kind is None:
            source.error(
                line,
                "institution" if fmt == "ministry" else "kind",
                _("« %(value)s » n'est ni la police ni la gendarmerie") % {"value": kind_value},
            )
            continue
        if not codes:
            source.error(line, codes_column, _("aucun code INSEE"))
        unit = Unit(name, kind, unit_code, parent)
        for code in codes:
            yield line, source.column(codes_column), code, unit, postal_codes


def import_territories(
    binary,
    *,
    fmt: str = "ministry",
    actor: User | None = None,
    valid_from: datetime.date | None = None,
    confirm_reroute: bool = False,
    departments: list[str] | None = None,
    progress: Progress = None,
    dry_run: bool = False,
) -> ImportSummary:
    """Assign each commune of the file to its unit (created when missing). `departments` restricts the
    import to those départements (a prefecture imports its own, possibly from the national file): rows
    of other départements are counted and ignored, and a file with none of them is refused."""
    valid_from = valid_from or timezone.localdate()

    def work(summary: ImportSummary) -> None:
        columns = MINISTRY_COLUMNS if fmt == "ministry" else SIMPLE_COLUMNS
        required = (
            ("insee_code", "institution", "service") if fmt == "ministry" else ("unit", "kind", "insee_codes")
        )
        source = CsvSource(binary, columns=columns, required=required, summary=summary)
        # INSEE code → (id, département) for the whole country: ~40,000 short tuples, one query.
        communes = {
            code: (pk, dept)
            for pk, code, dept in Commune.objects.values_list("pk", "insee_code", "department_id")
        }
        # (INSEE code, force) → claim: one entry per commune and force (~35,000 for France). The simple
        # layout has one unit per commune; the Ministry's lists a split commune once per force.
        claims: dict[tuple[str, str], Claim] = {}
        outside = 0
        for line, column, code, unit, postal_codes in _claims(source, fmt, progress):
            if code not in communes:
                source.summary.error(
                    line,
                    column,
                    _("commune %(code)s inconnue (importez d'abord les communes)") % {"code": code},
                )
                continue
            if departments is not None and communes[code][1] not in departments:
                outside += 1
                continue
            key = (code, unit.kind if fmt == "ministry" else "")
            first = claims.get(key)
            if first is not None and first.unit.identity != unit.identity:
                message = _(
                    "la commune %(code)s est revendiquée par « %(unit)s » et par « %(first)s » "
                    "(ligne %(first_line)s)"
                )
                summary.error(
                    line,
                    column,
                    message
                    % {"code": code, "unit": unit.name, "first": first.unit.name, "first_line": first.line},
                )
                continue
            claims.setdefault(key, Claim(line, column, unit, postal_codes))
        if outside:
            summary.warnings.append(
                ngettext(
                    "%(n)s ligne concerne une commune hors de votre périmètre (%(departments)s) : ignorée.",
                    "%(n)s lignes concernent des communes hors de votre périmètre (%(departments)s) : ignorées.",
                    outside,
                )
                % {"n": outside, "departments": ", ".join(departments)}
            )
            if not claims and not summary.errors:
                summary.error(
                    1,
                    "",
                    _("aucune ligne ne concerne votre département (%(departments)s)")
                    % {"departments": ", ".join(departments)},
                )
        if summary.errors:
            return
        moves = _apply(claims, communes, summary, valid_from=valid_from)
        if moves:
            territories_moved.send(
                sender=Move, moves=moves, actor=actor, confirmed=confirm_reroute, summary=summary
            )
        _report_uncovered({communes[code][1] for code, _force in claims}, summary)

    return run_atomic(work, dry_run=dry_run)


def _apply(claims: dict, communes: dict, summary: ImportSummary, *, valid_from) -> list[Move]:
    """Close the current assignments the file no longer states, open the new ones; what moved."""
    departments = {communes[code][1] for code, _force in claims}
    units = _units(claims, communes, summary)
    current: dict[int, list[TerritoryAssignment]] = {}
    # Only the columns compared: a national file has ~35,000 current assignments.
    for assignment in TerritoryAssignment.objects.filter(
        commune__department_id__in=departments, valid_until__isnull=True
    ).only("id", "unit_id", "commune_id", "force", "postal_codes", "valid_from"):
        current.setdefault(assignment.commune_id, []).append(assignment)
    stated: dict[int, list[tuple[Organisation, str]]] = {}
    for (code, _force), claim in claims.items():
        stated.setdefault(communes[code][0], []).append((units[claim.unit], claim.postal_codes))
    new, closed, changed_codes, moves = [], [], [], []
    for commune_id, wanted in stated.items():
        existing = current.get(commune_id, [])
        kept = {a.unit_id: a for a in existing if a.unit_id in {unit.pk for unit, _p in wanted}}
        for unit, postal_codes in wanted:
            assignment = kept.get(unit.pk)
            if assignment is None:
                new.append(
                    TerritoryAssignment(
                        unit=unit,
                        force=unit.kind,
                        commune_id=commune_id,
                        postal_codes=postal_codes,
                        valid_from=valid_from,
                    )
                )
            elif assignment.postal_codes != postal_codes:
                assignment.postal_codes = postal_codes
                changed_codes.append(assignment)
        for assignment in existing:
            if assignment.unit_id in kept:
                continue
            # Closed the day the new unit starts: periods are half-open [valid_from, valid_until).
            assignment.valid_until = max(valid_from, assignment.valid_from)
            closed.append(assignment)
            successor = _successor(assignment, [unit for unit, _p in wanted])
            if successor is not None:
                moves.append(Move(commune_id, assignment.unit, successor))
        summary.count("unchanged", len(kept))
    # Closing first: the partial unique constraint allows one current unit per commune and force.
    TerritoryAssignment.objects.bulk_update(closed, ["valid_until"])
    TerritoryAssignment.objects.bulk_update(changed_codes, ["postal_codes"])
    TerritoryAssignment.objects.bulk_create(new)
    reference_changed()  # bulk writes send no signal: filing's cached routing must read them
    summary.count("updated", len(closed))
    summary.count("created", max(0, len(new) - len(closed)))
    return moves


def _successor(old: TerritoryAssignment, units: list[Organisation]) -> Organisation | None:
    """Where the fiches of a closed assignment go: the commune's new unit of the same force, else its
    only unit. A commune newly split between both forces leaves them with the prefecture's choice."""
    same_force = [unit for unit in units if unit.kind == old.force]
    if same_force:
        return same_force[0]
    return units[0] if len(units) == 1 else None


def _units(claims: dict, communes: dict, summary: ImportSummary) -> dict[Unit, Organisation]:
    """The file's units: matched by `id_service` (a unit imported by name before adopts it), else by
    name, kind and département; missing ones (and their parents) created with their permission group,
    in bulk (a national file names thousands). A unit lives in the département of its first commune."""
    wanted: dict[Unit, str] = {}
    for (code, _force), claim in claims.items():
        wanted.setdefault(claim.unit, communes[code][1])
    fields = ("id", "name", "kind", "department_id", "parent_id", "service_code", "group_id")
    forces = Organisation.objects.filter(kind__in=OrganisationKind.forces()).order_by().only(*fields)
    by_code = {org.service_code: org for org in forces.exclude(service_code=None)}
    by_name = {
        (org.department_id, org.kind, org.name): org
        for org in forces.filter(department_id__in=set(wanted.values()))
    }
    parents = {
        unit.parent: _parent(unit, department, by_name, summary)
        for unit, department in wanted.items()
        if unit.parent
    }
    result, missing, changed = {}, {}, {}
    for unit, department in wanted.items():
        org = by_code.get(unit.code) if unit.code else None
        if org is None:
            org = by_name.get((department, unit.kind, unit.name))
            if org is not None and unit.code and org.service_code is not None:
                org = None  # same name, another id_service: a homonym
            elif org is not None and unit.code:
                org.service_code = unit.code
                by_code[unit.code] = org
                changed[org.pk] = org
        if org is None:
            key = unit.identity if unit.code else (department, *unit.identity)
            org = missing.setdefault(
                key,
                Organisation(
                    name=unit.name,
                    kind=unit.kind,
                    department_id=department,
                    service_code=unit.code or None,
                ),
            )
        elif org.name != unit.name:
            summary.warnings.append(
                _("Unité renommée : %(old)s → %(new)s") % {"old": org.name, "new": unit.name}
            )
            org.name = unit.name
            changed[org.pk] = org
        parent = parents.get(unit.parent)
        if parent is not None and org.parent_id != parent.pk:
            org.parent = parent
            if org.pk:
                changed[org.pk] = org
        result[unit] = org
    Organisation.objects.bulk_update(list(changed.values()), ["name", "service_code", "parent"])
    reference_changed()
    organisations_create_many(list(missing.values()))
    summary.warnings.extend(_("Unité créée : %(name)s") % {"name": org.name} for org in missing.values())
    return result


def _parent(unit: Unit, department: str, by_name: dict, summary: ImportSummary) -> Organisation:
    """The simple layout's parent unit (compagnie, DDSP), created when missing."""
    org = by_name.get((department, unit.kind, unit.parent))
    if org is None:
        org = organisation_create(name=unit.parent, kind=unit.kind, department_id=department)
        by_name[(department, unit.kind, unit.parent)] = org
        summary.warnings.append(_("Unité créée : %(name)s") % {"name": unit.parent})
    return org


def _report_uncovered(departments: set[str], summary: ImportSummary) -> None:
    uncovered = (
        Commune.objects.filter(department_id__in=departments)
        .exclude(assignments__valid_until__isnull=True)
        .order_by("department_id", "name")
        .values_list("name", "insee_code")
    )
    for name, code in uncovered:
        summary.warnings.append(
            _("Commune sans unité compétente : %(name)s (%(code)s)") % {"name": name, "code": code}
        )
