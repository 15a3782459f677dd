"""Force territories: which police or gendarmerie unit is competent in each commune.

Two layouts: the Ministry of the Interior's open dataset "Compétence territoriale gendarmerie et police
nationales" (one row per commune) and a simple one (unit, kind, parent unit, INSEE codes). A commune moved
to another unit has its current assignment closed and a new one opened; its open fiches follow the new
unit only once the import is confirmed."""

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.models import Alert
from alerts.models.choices import OPEN_STATUSES
from alerts.services.triage import alert_redirect
from partnerships.models import Commune, Organisation, OrganisationKind, TerritoryAssignment, User
from partnerships.services.organisations import organisation_create

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


@dataclass(frozen=True)
class Unit:
    name: str
    kind: str
    parent: str = ""


def parse_kind(value: str) -> str | None:
    value = value.lower()
    if "police" in value or value in ("pn", "dsp"):
        return OrganisationKind.POLICE
    if "gendarm" in value or value in ("gn", "ggd"):
        return OrganisationKind.GENDARMERIE
    return None


def _claims(source: CsvSource, fmt: str, summary: ImportSummary, progress: Progress):
    """(line, column, INSEE code, unit) for every commune named in the file."""
    for line, row in source:
        if progress:
            progress(1)
        if fmt == "ministry":
            unit_column, name, kind_value = "service", row["service"], row["institution"]
            codes, codes_column = [row["insee_code"]], "insee_code"
            parent = ""
        else:
            unit_column, name, kind_value = "unit", row["unit"], row["kind"]
            codes, codes_column = [c for c in re.split(r"[\s,;]+", row["insee_codes"]) if c], "insee_codes"
            parent = row.get("parent", "")
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
        for code in codes:
            yield line, source.column(codes_column), code, Unit(name, kind, parent)


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
    import to those départements (a prefecture imports its own, possibly from the national file); rows of
    other départements are ignored."""
    valid_from = valid_from or timezone.localdate()

    def work(summary: ImportSummary) -> None:
        columns = MINISTRY_COLUMNS if fmt == "ministry" else SIMPLE_COLUMNS
        required = (
            ("insee_code", "institution", "service") if fmt == "ministry" else ("unit", "kind", "insee_codes")
        )
        source = CsvSource(binary, columns=columns, required=required, summary=summary)
        # The territory of a whole file fits in memory: one entry per commune (~35,000 for France).
        claims: dict[str, tuple[int, Unit]] = {}
        conflicts: list[tuple[int, str, str, Unit, int, Unit]] = []
        lines: dict[str, tuple[int, str]] = {}
        for line, column, code, unit in _claims(source, fmt, summary, progress):
            if departments is not None and not code.startswith(tuple(departments)):
                continue
            if code in claims and claims[code][1].name != unit.name:
                conflicts.append((line, column, code, unit, *claims[code]))
                continue
            claims.setdefault(code, (line, unit))
            lines.setdefault(code, (line, column))
        communes = Commune.objects.in_bulk(list(claims), field_name="insee_code")
        for code, (line, column) in lines.items():
            if code not in communes:
                summary.error(
                    line,
                    column,
                    _("commune %(code)s inconnue (importez d'abord les communes)") % {"code": code},
                )
        for line, column, code, unit, first_line, first_unit in conflicts:
            message = _(
                "la commune %(code)s est revendiquée par « %(unit)s » et par « %(first)s » "
                "(ligne %(first_line)s)"
            )
            summary.error(
                line,
                column,
                message
                % {"code": code, "unit": unit.name, "first": first_unit.name, "first_line": first_line},
            )
        if summary.errors:
            return
        _apply(claims, communes, summary, actor=actor, valid_from=valid_from, confirm_reroute=confirm_reroute)

    return run_atomic(work, dry_run=dry_run)


def _apply(claims, communes, summary, *, actor, valid_from, confirm_reroute) -> None:
    units = _units({unit: communes[code].department_id for code, (_line, unit) in claims.items()}, summary)
    current = {
        a.commune_id: a
        for a in TerritoryAssignment.objects.filter(
            commune__in=[communes[code] for code in claims], valid_until__isnull=True
        ).select_related("unit")
    }
    new, moved = [], []
    for code, (_line, unit) in claims.items():
        commune, target = communes[code], units[unit]
        assignment = current.get(commune.pk)
        if assignment is not None and assignment.unit_id == target.pk:
            summary.count("unchanged")
            continue
        if assignment is not None:
            # Closed the day the new unit starts: periods are half-open [valid_from, valid_until).
            assignment.valid_until = max(valid_from, assignment.valid_from)
            moved.append((assignment, target))
        new.append(TerritoryAssignment(unit=target, commune=commune, valid_from=valid_from))
    TerritoryAssignment.objects.bulk_update([a for a, _target in moved], ["valid_until"])
    TerritoryAssignment.objects.bulk_create(new)
    summary.count("updated", len(moved))
    summary.count("created", len(new) - len(moved))
    _reroute(moved, summary, actor=actor, confirmed=confirm_reroute)
    _report_uncovered({c.department_id for c in communes.values()}, summary)


def _units(wanted: dict[Unit, str], summary: ImportSummary) -> dict[Unit, Organisation]:
    """The file's units, matched by name, kind and département; missing ones (and their parents) created
    with their permission group."""
    existing = {
        (org.department_id, org.kind, org.name): org
        for org in Organisation.objects.filter(
            kind__in=OrganisationKind.forces(), department_id__in=set(wanted.values())
        )
    }

    def get_or_create(name: str, kind: str, department: str, parent: Organisation | None) -> Organisation:
        org = existing.get((department, kind, name))
        if org is None:
            org = organisation_create(name=name, kind=kind, department_id=department, parent=parent)
            existing[(department, kind, name)] = org
            summary.warnings.append(_("Unité créée : %(name)s") % {"name": name})
        elif parent is not None and org.parent_id != parent.pk:
            org.parent = parent
            org.save(update_fields=["parent"])
        return org

    result = {}
    for unit, department in wanted.items():
        parent = get_or_create(unit.parent, unit.kind, department, None) if unit.parent else None
        result[unit] = get_or_create(unit.name, unit.kind, department, parent)
    return result


def _reroute(moved, summary: ImportSummary, *, actor, confirmed: bool) -> None:
    """Open fiches routed to a commune's former unit follow the commune to its new unit, through the
    fiches' own redirect service: grants move, deadlines restart, the unit is told, the timeline says why."""
    by_commune = {a.commune_id: (a.unit, target) for a, target in moved}
    if not by_commune:
        return
    alerts = [
        alert
        for alert in Alert.objects.filter(status__in=OPEN_STATUSES, site__commune_id__in=by_commune)
        .select_related("site__commune", "routed_unit")
        .order_by("reference")
        if alert.routed_unit_id == by_commune[alert.site.commune_id][0].pk
    ]
    for alert in alerts:
        old, target = by_commune[alert.site.commune_id]
        summary.pending.append(
            _("Fiche %(ref)s (%(commune)s) : %(old)s → %(new)s")
            % {
                "ref": alert.reference,
                "commune": alert.site.commune.name,
                "old": old.name,
                "new": target.name,
            }
        )
    if alerts and not confirmed:
        summary.confirmation_needed = True
        return
    if alerts and actor is None:
        raise ValueError("Re-routing fiches needs an actor: the timeline names who did it")
    for alert in alerts:
        old, target = by_commune[alert.site.commune_id]
        reason = _(
            "Compétences territoriales mises à jour : la commune %(commune)s relève désormais de "
            "« %(new)s » (auparavant « %(old)s »)."
        ) % {"commune": alert.site.commune.name, "new": target.name, "old": old.name}
        alert_redirect(actor=actor, alert=alert, unit=target, reason=reason)


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
