"""The fiche page's read of its fiche: selectors.fiche_get's QuerySet with fiche_problems_annotations,
compiled once per process and per reader shape (partnerships/prepared_instances.py) instead of
built and compiled on every view, which was a quarter of the page's time.

What the SQL depends on besides its arguments is the reader's shape: the organisation's kind and
the reader's role (alert_policy, site_policy and the problem policy choose their filters by those),
and the number of units a force reader handles. The fiche's pk and the reader's ids (the account's,
the organisation's, its département's, its units') are parameters: the QuerySet is built for a
stand-in reader holding stand-in values (prepared.py refuses a build where one does not reach the
SQL as given), never for a real one, so nothing of a reader is baked into SQL another one runs.
Platform administrators, the parquet (rare readers) and organisations without a fiche scope read
through the ORM."""

from django.http import Http404

from conventions.selectors import fiche_problems_annotations
from partnerships import scope
from partnerships.models import Organisation, OrganisationKind, User
from partnerships.prepared import compiled_store
from partnerships.prepared_instances import PreparedInstances

from .models import Alert, AlertEvent
from .permissions import GUARDIAN_PERM, grant_attribute
from .selectors import fiche_get, fiche_queryset, fiche_timeline, with_reference_rows

# Per organisation kind, the reader's values the fiche's SQL holds, as (name, PreparedQuery kind):
# alert_policy.for_organisation, site_policy.for_organisation and visible_alerts_q's lookups.
READER_VALUES = {
    OrganisationKind.LANDLORD: (("organisation_id", int),),
    OrganisationKind.PREFECTURE: (("department_id", str),),
    **{kind: (("unit_ids", [int]),) for kind in OrganisationKind.forces()},
}

# PreparedInstances by reader shape (organisation kind, role); None: a shape read by the ORM.
_reads: dict[tuple, PreparedInstances | None] = {}
compiled_store(_reads.clear)

BIGINT = 2**63


def reader_values(user: User, names) -> list:
    values = {
        "organisation_id": user.organisation_id,
        "department_id": user.organisation.department_id,
        "unit_ids": scope.unit_ids(user) if "unit_ids" in names else None,
    }
    return [values[name] for name in names]


def stand_in_reader(kind: str, role: str, user_pk: int, values: dict) -> User:
    """An unsaved reader of that shape holding the stand-in values: what the policies read of it."""
    organisation = Organisation(
        id=values.get("organisation_id"), kind=kind, department_id=values.get("department_id")
    )
    reader = User(pk=user_pk, role=role, is_active=True, is_superuser=False, organisation_id=organisation.id)
    User.organisation.field.set_cached_value(reader, organisation)
    if "unit_ids" in values:
        reader._passerelle_unit_ids = values["unit_ids"]  # scope.unit_ids's own memo
    return reader


def prepared_read(shape: tuple) -> PreparedInstances | None:
    if shape not in _reads:
        kind, role = shape
        names = [name for name, _kind in READER_VALUES[kind]]
        # The stand-in reader's id, kept to find its grant annotations (named after the reader).
        stand_ins = {}

        def build(pk, user_pk, *values):
            reader = stand_in_reader(kind, role, user_pk, dict(zip(names, values, strict=True)))
            stand_ins["user"] = reader
            return (
                fiche_queryset(user=reader, extra=fiche_problems_annotations(reader)).filter(pk=pk).order_by()
            )

        read = PreparedInstances(build, [int, int, *(k for _name, k in READER_VALUES[kind])], Alert)
        read.stand_ins = stand_ins
        read.names = names
        _reads[shape] = read
    return _reads[shape]


def reader_shape(user: User) -> tuple | None:
    if not user.is_authenticated or not user.is_active or user.is_superuser or user.organisation_id is None:
        return None
    kind = user.organisation.kind
    return (kind, user.role) if kind in READER_VALUES else None


def fiche_read(*, user: User, pk) -> Alert:
    """selectors.fiche_get(user=user, pk=pk, extra=fiche_problems_annotations(user)), the same
    instance with the same annotations, from SQL compiled once per reader shape."""
    shape = reader_shape(user)
    read = prepared_read(shape) if shape is not None else None
    if read is None or not isinstance(pk, int) or not 0 < pk < BIGINT:
        return fiche_get(user=user, pk=pk, extra=fiche_problems_annotations(user))
    try:
        rows = read(pk, user.pk, *reader_values(user, read.names))
    except ValueError:
        # A shape whose SQL does not hold the reader's values as READER_VALUES says: the ORM reads it.
        _reads[shape] = None
        return fiche_get(user=user, pk=pk, extra=fiche_problems_annotations(user))
    if not rows:
        raise Http404
    [alert] = rows
    # The grant annotations are named after the reader (grant_attribute): the stand-in's, here.
    stand_in = read.stand_ins["user"]
    for perm in set(GUARDIAN_PERM.values()):
        alert.__dict__[grant_attribute(user, perm)] = alert.__dict__.pop(grant_attribute(stand_in, perm))
    return with_reference_rows(alert)


def _timeline_build(alert_pk, organisation_id):
    reader = User(organisation_id=organisation_id, is_active=True, is_superuser=False)
    return fiche_timeline(user=reader, alert=Alert(pk=alert_pk))


# What alert_policy.visible_events_q asks of a reader is its organisation only (all of it for a
# platform administrator, read by the ORM).
_timeline = PreparedInstances(_timeline_build, [int, int], AlertEvent)


def timeline_read(*, user: User, alert: Alert) -> list[AlertEvent]:
    """list(selectors.fiche_timeline(user=user, alert=alert)), from SQL compiled once per process."""
    if user.is_superuser or user.organisation_id is None:
        return list(fiche_timeline(user=user, alert=alert))
    events = _timeline(alert.pk, user.organisation_id)
    for event in events:  # as the fiche's related manager does: each event's `alert` is the fiche
        AlertEvent.alert.field.set_cached_value(event, alert)
    return events
