"""Local time. Storage is UTC; each département has its IANA time zone (Department.time_zone) and
every date and time a user reads or types is in a département's zone: a fiche's in its own
département's, a page's in its reader's organisation's (activated by LocalTimeMiddleware). When a
reader sits in another zone than the fiche (a Paris prefecture agent reading a Martinique fiche),
the time says which zone it is in. Everything that shows a fiche's time goes through `fiche_time`
(pages through the `local` template filters, e-mails, exports, the API)."""

import datetime
import zoneinfo
from contextlib import contextmanager

from django import forms
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PARIS = "Europe/Paris"

# Every département outside the metropolitan zone that the reference data (INSEE COG) holds;
# metropolitan France and Corsica ("2A", "2B") are in Paris's zone.
DEPARTMENT_TIME_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
    "987": "Pacific/Tahiti",
    "988": "Pacific/Noumea",
}

ZONE_LABELS = {
    PARIS: gettext_lazy("heure de Paris"),
    "America/Guadeloupe": gettext_lazy("heure de la Guadeloupe"),
    "America/Martinique": gettext_lazy("heure de la Martinique"),
    "America/Cayenne": gettext_lazy("heure de la Guyane"),
    "Indian/Reunion": gettext_lazy("heure de La Réunion"),
    "America/Miquelon": gettext_lazy("heure de Saint-Pierre-et-Miquelon"),
    "Indian/Mayotte": gettext_lazy("heure de Mayotte"),
    "America/St_Barthelemy": gettext_lazy("heure de Saint-Barthélemy"),
    "America/Marigot": gettext_lazy("heure de Saint-Martin"),
    "Pacific/Tahiti": gettext_lazy("heure de Tahiti"),
    "Pacific/Noumea": gettext_lazy("heure de la Nouvelle-Calédonie"),
}


def time_zone_for_code(code: str | None) -> str:
    """The IANA zone of a département code: what a new Department row is given."""
    return DEPARTMENT_TIME_ZONES.get(code or "", PARIS)


# Département code → zone name, read once per process (about a hundred rows that never move) so a
# list of fifty fiches costs no query per row; Department's post_save keeps it current.
_zones: dict[str, str] = {}


def remember_zone(code: str, zone: str) -> None:
    _zones[code] = zone


def department_zone(code: str | None) -> zoneinfo.ZoneInfo:
    if code is None:
        return zoneinfo.ZoneInfo(PARIS)
    if code not in _zones:
        from .models import Department

        _zones.update(Department.objects.values_list("code", "time_zone"))
    return zoneinfo.ZoneInfo(_zones.get(code) or time_zone_for_code(code))


def zone_of(obj) -> zoneinfo.ZoneInfo:
    """The zone of anything located in a département: a fiche, an organisation, a convention, a
    département or its code, a user (their organisation's; platform admins without one: Paris)."""
    if isinstance(obj, zoneinfo.ZoneInfo):
        return obj
    if obj is None or isinstance(obj, str):
        return department_zone(obj)
    if hasattr(obj, "is_authenticated"):
        org = obj.organisation if obj.is_authenticated and obj.organisation_id else None
        return department_zone(org.department_id if org else None)
    if hasattr(obj, "department_id"):
        return department_zone(obj.department_id)
    if hasattr(obj, "code"):
        return department_zone(obj.code)
    if hasattr(obj, "commune"):
        return department_zone(obj.commune.department_id)
    raise TypeError(f"no time zone for {obj!r}")


def zone_label(zone: zoneinfo.ZoneInfo, at: datetime.datetime) -> str:
    """« heure de la Martinique », or the UTC offset for a zone without a name here."""
    label = ZONE_LABELS.get(zone.key)
    if label:
        return str(label)
    offset = at.astimezone(zone).strftime("%z")
    return f"UTC{offset[0].replace('-', '−')}{offset[1:3]}:{offset[3:]}"


def fiche_time(
    value: datetime.datetime | None,
    where,
    *,
    reader=None,
    fmt: str = "d/m/Y H:i",
) -> str:
    """`value` as the wall-clock time of `where`'s zone (a fiche, a département…), followed by the
    zone's name when the reader (a zone, a user; default: the active zone) would read another hour."""
    if value is None:
        return ""
    zone = zone_of(where)
    local = value.astimezone(zone)
    if fmt == "d/m/Y H:i":  # the lists' format, 50 times a page: what dateformat writes, without its parser
        text = f"{local.day:02d}/{local.month:02d}/{local.year:04d} {local.hour:02d}:{local.minute:02d}"
    else:
        text = dateformat.format(local, fmt)
    reader_zone = timezone.get_current_timezone() if reader is None else zone_of(reader)
    if "H" in fmt and value.astimezone(reader_zone).utcoffset() != local.utcoffset():
        text = _("%(time)s (%(zone)s)") % {"time": text, "zone": zone_label(zone, value)}
    return text


def iso_local(value: datetime.datetime | None, where) -> str | None:
    """ISO 8601 with the offset of `where`'s zone (the API's documented datetime fields)."""
    return value.astimezone(zone_of(where)).isoformat() if value else None


def local_now(where) -> datetime.datetime:
    return timezone.now().astimezone(zone_of(where))


@contextmanager
def zone_active(where):
    """Forms and pages that read or show times in `where`'s zone (the filing form in the estate's)."""
    with timezone.override(zone_of(where)):
        yield


class ZonedDateTimeField(forms.DateTimeField):
    """A date and time typed in a given zone (the estate's for a fiche's facts), whatever the page's:
    shown as that zone's wall-clock time, read back as an instant of that zone."""

    def __init__(self, *args, zone=None, **kwargs):
        self.zone = zone
        super().__init__(*args, **kwargs)

    def _in_zone(self, method, value):
        if self.zone is None:
            return method(value)
        with timezone.override(self.zone):
            return method(value)

    def prepare_value(self, value):
        return self._in_zone(super().prepare_value, value)

    def to_python(self, value):
        return self._in_zone(super().to_python, value)
