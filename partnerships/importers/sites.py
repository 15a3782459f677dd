"""A landlord's housing stock: the RPLS layout (one row per dwelling, grouped into estates by programme,
else by address) or a simple one-row-per-estate file. The open RPLS file names no landlord: the
importing landlord owns everything it imports."""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from pyproj import Transformer
from pyproj.exceptions import CRSError

from partnerships.models import Building, Commune, HousingSite, Organisation, TerritoryAssignment
from partnerships.reference_cache import reference_changed
from partnerships.services.permissions import grant
from partnerships.services.sites import OWNER_PERMS

from .base import CsvSource, ImportSummary, Progress, batched, parse_bool, run_atomic

WGS84 = 4326
FORMATS = ("rpls", "simple")

RPLS_COLUMNS = {
    # DiDo's RPLS « données détaillées au logement »: DEPCOM_CODE up to the 2024 vintage, DEPCOM since.
    "insee": ("DEPCOM", "DEPCOM_CODE", "CODE_INSEE", "INSEE", "CODGEO"),
    "postal_code": ("CODEPOSTAL", "CODE_POSTAL", "CP"),
    "commune_name": ("LIBCOM",),
    "number": ("NUMVOIE",),
    "repetition": ("INDREP",),
    "street_type": ("TYPVOIE",),
    "street": ("NOMVOIE",),
    # A QPV code (QN06001M), or in DiDo's layout a 0/1 flag beside the quartier's name (QPV_LIBELLE).
    "qpv": ("QPV", "CODE_QPV", "QPV_CODE"),
    "qpv_label": ("QPV_LIBELLE",),
    "x": ("X", "COORD_X"),
    "y": ("Y", "COORD_Y"),
    "epsg": ("EPSG", "CRS", "SRID"),
    "programme": ("IDENTPROG", "PROGRAMME", "CODE_PROGRAMME", "NUMPROG", "NUMGEST"),
    "programme_name": ("NOMPROG", "NOM_PROGRAMME", "LIBPROG", "NOM_GROUPE"),
    "building": ("IDENTBAT", "BATIMENT", "BAT", "CODE_BATIMENT"),
    "entrance": ("ENTREE", "ESCALIER", "ESC"),
}
SIMPLE_COLUMNS = {
    "reference": ("reference", "référence", "code"),
    "name": ("name", "nom"),
    "address": ("address", "adresse"),
    "postal_code": ("postal_code", "code_postal", "cp"),
    "insee": ("insee", "code_insee", "commune"),
    "dwellings": ("dwellings", "logements", "nombre_de_logements"),
    "qpv": ("qpv", "code_qpv"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "longitude", "lng"),
    "zsp": ("zsp",),
    "qrr": ("qrr",),
    "entry_authorisation": ("entry_authorisation", "autorisation_penetrer", "autorisation"),
    "entry_authorisation_date": ("entry_authorisation_date", "date_autorisation"),
    "video_transmission": ("video_transmission", "transmission_video", "video"),
}
# What each source knows: fields it does not carry (e.g. ZSP for RPLS) are never touched on update.
RPLS_FIELDS = (
    "name",
    "rpls_programme",
    "address",
    "postal_code",
    "commune_id",
    "dwellings",
    "qpv_code",
    "latitude",
    "longitude",
    "force",
)
SIMPLE_FIELDS = (
    "name",
    "address",
    "postal_code",
    "commune_id",
    "dwellings",
    "qpv_code",
    "latitude",
    "longitude",
    "zsp",
    "qrr",
    "entry_authorisation",
    "entry_authorisation_date",
    "video_transmission",
    "force",
)
# The legal projection of each overseas département (metropolitan France: Lambert-93), for RPLS files
# whose X/Y come without an EPSG column.
LAMBERT_93 = 2154
LEGAL_PROJECTIONS = {"971": 5490, "972": 5490, "973": 2972, "974": 2975, "976": 4471}


@dataclass
class BuildingStock:
    address: str
    entrances: set[str] = field(default_factory=set)
    dwellings: int = 0


@dataclass
class Estate:
    """One estate being read: counts and coordinate sums, not the dwellings themselves."""

    line: int
    values: dict
    buildings: dict[str, BuildingStock] = field(default_factory=dict)
    dwellings: int = 0
    x: float = 0.0
    y: float = 0.0
    located: int = 0
    epsg: int = WGS84


@cache
def _transformer(epsg: int) -> Transformer:
    return Transformer.from_crs(epsg, WGS84, always_xy=True)


def to_lat_lon(x: float, y: float, epsg: int) -> tuple[Decimal, Decimal]:
    lon, lat = (x, y) if epsg == WGS84 else _transformer(epsg).transform(x, y)
    return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")


def _address(row: dict) -> str:
    parts = [row.get(key, "") for key in ("number", "repetition", "street_type", "street")]
    return re.sub(r"\s+", " ", " ".join(p for p in parts if p)).strip()


def _number(value: str) -> float | None:
    try:
        return float(value.replace(",", ".")) if value else None
    except ValueError:
        return None


class _Communes:
    """INSEE code → commune id, read once per code."""

    def __init__(self):
        self.ids: dict[str, int | None] = {}

    def get(self, code: str) -> int | None:
        if code not in self.ids:
            self.ids[code] = Commune.objects.filter(insee_code=code).values_list("id", flat=True).first()
        return self.ids[code]


def legal_projection(insee_code: str) -> int:
    return LEGAL_PROJECTIONS.get(insee_code[:3], LAMBERT_93)


def import_sites(
    binary, *, landlord: Organisation, fmt: str = "rpls", progress: Progress = None, dry_run: bool = False
) -> ImportSummary:
    """Create or update the landlord's estates (matched on its own reference: the RPLS programme id, else
    the address) and their buildings. Estates missing from the file are kept: fiches may refer to them."""
    if not landlord.is_landlord:
        raise ValueError("Only a landlord owns housing sites")

    def work(summary: ImportSummary) -> None:
        columns = RPLS_COLUMNS if fmt == "rpls" else SIMPLE_COLUMNS
        required = ("insee", "street") if fmt == "rpls" else ("reference", "name", "address", "insee")
        source = CsvSource(binary, columns=columns, required=required, summary=summary)
        read = _read_rpls if fmt == "rpls" else _read_simple
        estates = read(source, summary, progress)
        if not summary.errors:
            _locate(landlord, estates, source)
        if summary.errors:
            return
        _write(landlord, estates, summary, RPLS_FIELDS if fmt == "rpls" else SIMPLE_FIELDS)

    return run_atomic(work, dry_run=dry_run)


def _read_rpls(source: CsvSource, summary: ImportSummary, progress: Progress) -> dict[str, Estate]:
    communes = _Communes()
    estates: dict[str, Estate] = {}
    for line, row in source:
        if progress:
            progress(1)
        commune_id = communes.get(row["insee"])
        if commune_id is None:
            source.error(line, "insee", _("commune « %(code)s » inconnue") % {"code": row["insee"]})
        address = _address(row)
        if not row["street"]:
            source.error(line, "street", _("adresse vide"))
        postal_code = row.get("postal_code", "")
        if postal_code and not re.fullmatch(r"\d{5}", postal_code):
            source.error(
                line,
                "postal_code",
                _("code postal « %(value)s » invalide (5 chiffres attendus)") % {"value": postal_code},
            )
        qpv = row.get("qpv", "")
        if qpv in ("0", "1"):
            # DiDo's flag: the quartier is named, not coded; a code is left to the landlord.
            qpv = ""
        elif qpv and not re.fullmatch(r"Q[A-Z0-9]{6,10}", qpv):
            source.error(line, "qpv", _("code QPV « %(value)s » invalide") % {"value": qpv})
        x, y = _number(row.get("x", "")), _number(row.get("y", ""))
        # Without an EPSG column, X/Y are in the département's legal projection, never degrees.
        epsg = row.get("epsg", "") or str(legal_projection(row["insee"]))
        if row.get("x") and x is None:
            source.error(line, "x", _("coordonnée « %(value)s » illisible") % {"value": row["x"]})
        if row.get("y") and y is None:
            source.error(line, "y", _("coordonnée « %(value)s » illisible") % {"value": row["y"]})
        epsg = epsg.upper().removeprefix("EPSG:")
        if not epsg.isdigit() or not _known_crs(int(epsg)):
            source.error(
                line, "epsg", _("système de coordonnées « %(value)s » inconnu") % {"value": row.get("epsg")}
            )
            continue
        programme = row.get("programme", "")
        for key, limit in (("programme", 50), ("building", 50)):
            if len(row.get(key, "")) > limit:
                source.error(line, key, _("plus de %(n)s caractères") % {"n": limit})
        if summary.errors:
            # Keep reading to report every error, but stop aggregating: nothing will be written.
            continue
        reference = programme or f"{row['insee']}-{address}"[:50]
        estate = estates.get(reference)
        if estate is None:
            estate = estates[reference] = Estate(
                line=line,
                epsg=int(epsg),
                values={
                    "name": (row.get("programme_name") or address)[:200],
                    "rpls_programme": programme,
                    "address": address[:250],
                    "postal_code": postal_code,
                    "commune_id": commune_id,
                    "qpv_code": qpv,
                },
            )
        estate.dwellings += 1
        if qpv and not estate.values["qpv_code"]:
            estate.values["qpv_code"] = qpv
        if x is not None and y is not None and int(epsg) == estate.epsg:
            estate.x, estate.y, estate.located = estate.x + x, estate.y + y, estate.located + 1
        building_reference = row.get("building") or address[:50]
        building = estate.buildings.setdefault(building_reference, BuildingStock(address[:250]))
        building.dwellings += 1
        if row.get("entrance"):
            building.entrances.add(row["entrance"])
    for estate in estates.values():
        estate.values["dwellings"] = estate.dwellings
        if estate.located:
            lat, lon = to_lat_lon(estate.x / estate.located, estate.y / estate.located, estate.epsg)
            estate.values.update(latitude=lat, longitude=lon)
        else:
            estate.values.update(latitude=None, longitude=None)
    return estates


@cache
def _known_crs(epsg: int) -> bool:
    try:
        _transformer(epsg)
    except CRSError:
        return False
    return True


def _parse_date(value: str) -> datetime.date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    return None


def _read_simple(source: CsvSource, summary: ImportSummary, progress: Progress) -> dict[str, Estate]:
    communes = _Communes()
    estates: dict[str, Estate] = {}
    for line, row in source:
        if progress:
            progress(1)
        values = {
            "name": row["name"],
            "address": row["address"],
            "postal_code": row.get("postal_code", ""),
            "qpv_code": row.get("qpv", ""),
        }
        values["commune_id"] = communes.get(row["insee"])
        if values["commune_id"] is None:
            source.error(line, "insee", _("commune « %(code)s » inconnue") % {"code": row["insee"]})
        dwellings = row.get("dwellings", "") or "0"
        if not dwellings.isdigit():
            source.error(
                line,
                "dwellings",
                _("« %(value)s » n'est pas un nombre entier positif") % {"value": dwellings},
            )
        values["dwellings"] = int(dwellings) if dwellings.isdigit() else 0
        for key, target in (("lat", "latitude"), ("lon", "longitude")):
            number = _number(row.get(key, ""))
            if row.get(key) and number is None:
                source.error(line, key, _("coordonnée « %(value)s » illisible") % {"value": row[key]})
            values[target] = Decimal(f"{number:.6f}") if number is not None else None
        for key in ("zsp", "qrr", "entry_authorisation", "video_transmission"):
            flag = parse_bool(row.get(key, ""))
            if flag is None:
                source.error(line, key, _("« %(value)s » : oui ou non attendu") % {"value": row[key]})
            values[key] = bool(flag)
        date_value = row.get("entry_authorisation_date", "")
        values["entry_authorisation_date"] = _parse_date(date_value) if date_value else None
        if date_value and values["entry_authorisation_date"] is None:
            source.error(
                line,
                "entry_authorisation_date",
                _("date « %(value)s » illisible (JJ/MM/AAAA attendu)") % {"value": date_value},
            )
        if values["entry_authorisation_date"] and not values["entry_authorisation"]:
            source.error(
                line, "entry_authorisation_date", _("une date d'autorisation sans autorisation de pénétrer")
            )
        if row["reference"] in estates:
            message = _("la référence « %(ref)s » apparaît deux fois (ligne %(first)s)")
            source.error(
                line,
                "reference",
                message % {"ref": row["reference"], "first": estates[row["reference"]].line},
            )
            continue
        estates[row["reference"]] = Estate(line=line, values=values, dwellings=values["dwellings"])
    return estates


def _locate(landlord: Organisation, estates: dict[str, Estate], source: CsvSource) -> None:
    """Refuse estates outside the landlord's départements; in a commune split between the police and
    the gendarmerie, pick the estate's force from the postal codes the Ministry's file gave each part
    (unknown: left to the prefecture, and an existing choice is kept)."""
    allowed = landlord.operating_department_ids()
    communes = Commune.objects.in_bulk({e.values["commune_id"] for e in estates.values()})
    parts: dict[int, list[tuple[str, set[str]]]] = {}
    for commune_id, force, postal_codes in TerritoryAssignment.objects.filter(
        commune_id__in=communes, valid_until__isnull=True
    ).values_list("commune_id", "force", "postal_codes"):
        parts.setdefault(commune_id, []).append((force, set(re.split(r"[\s,;|]+", postal_codes)) - {""}))
    for estate in estates.values():
        commune = communes[estate.values["commune_id"]]
        message = HousingSite.outside_territory_error(commune, allowed)
        if message:
            source.error(estate.line, "insee", message)
            continue
        forces = [
            force for force, codes in parts.get(commune.pk, []) if estate.values["postal_code"] in codes
        ]
        if len(parts.get(commune.pk, [])) > 1 and len(forces) == 1:
            estate.values["force"] = forces[0]


def _write(
    landlord: Organisation, estates: dict[str, Estate], summary: ImportSummary, fields: tuple[str, ...]
) -> None:
    """Batch by batch: one read of the batch's existing estates and buildings, bulk writes, one bulk grant."""
    now = timezone.now()
    for batch in batched(estates.items()):
        sites = {
            s.reference: s
            for s in HousingSite.objects.filter(landlord=landlord, reference__in=[ref for ref, _e in batch])
        }
        new, changed, changed_fields = [], [], {"updated_at"}
        for reference, estate in batch:
            site = sites.get(reference)
            if site is None:
                site = sites[reference] = HousingSite(landlord=landlord, reference=reference, **estate.values)
                new.append(site)
            else:
                # A field the file could not tell (a split commune's force) keeps its value.
                diff = {
                    f: estate.values[f]
                    for f in fields
                    if f in estate.values and getattr(site, f) != estate.values[f]
                }
                for name, value in diff.items():
                    setattr(site, name, value)
                if diff:
                    site.updated_at = now
                    changed.append(site)
                    changed_fields.update(diff)
                else:
                    summary.count("unchanged")
            try:
                site.clean_fields(exclude=["landlord", "commune"])
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    summary.error(
                        estate.line, str(HousingSite._meta.get_field(name).verbose_name), " ".join(messages)
                    )
        if summary.errors:
            continue
        HousingSite.objects.bulk_create(new)
        HousingSite.objects.bulk_update(changed, sorted(changed_fields))
        reference_changed()  # bulk writes send no signal (partnerships/reference_cache.py)
        if new:
            grant(
                organisation=landlord,
                perms=OWNER_PERMS,
                obj=HousingSite.objects.filter(pk__in=[s.pk for s in new]),
            )
        summary.count("created", len(new))
        summary.count("updated", len(changed))
        _write_buildings([(sites[reference], estate) for reference, estate in batch if estate.buildings])


def _write_buildings(pairs: list[tuple[HousingSite, Estate]]) -> None:
    existing = {(b.site_id, b.reference): b for b in Building.objects.filter(site__in=[s for s, _e in pairs])}
    new, changed = [], []
    for site, estate in pairs:
        for reference, stock in estate.buildings.items():
            values = {
                "address": stock.address,
                "entrances": ", ".join(sorted(stock.entrances))[:200],
                "dwellings": stock.dwellings,
            }
            building = existing.get((site.pk, reference))
            if building is None:
                new.append(Building(site=site, reference=reference, **values))
            elif any(getattr(building, f) != v for f, v in values.items()):
                for name, value in values.items():
                    setattr(building, name, value)
                changed.append(building)
    Building.objects.bulk_create(new)
    Building.objects.bulk_update(changed, ["address", "entrances", "dwellings"])
