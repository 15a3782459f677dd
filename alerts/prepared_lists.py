"""The unfiltered fiche lists (the dashboard, the landlord's and the prefecture's lists, the API
list: most requests) read with their SQL compiled once per process and shape (partnerships/
prepared.py) instead of building alert_list's QuerySet and compiling it twice a request.

A shape is what makes the SQL differ: the kind of the user's organisation and whether they are a
platform administrator (which scope and which order alert_list writes), the number of units a force
user sees, the page's bounds, the columns read. The SQL is built by alert_list itself, for a stand-in
user whose organisation id, département and unit ids are stand-in values: the user's own are swapped
in as parameters on every read, never kept in the SQL, so two users of the same shape each read
their own fiches (tests/alerts/test_prepared_lists.py). A request naming any filter is read by the
ORM as before.

The rows come back as ListRow tuples that read like the fiches a list renders (alert.site.name,
alert.routed_unit, str(alert)…): no model instance is built for them."""

import datetime
from collections import namedtuple

from django.db.models import BooleanField, Count, ExpressionWrapper, Value, Window
from django.utils import timezone

from partnerships import scope
from partnerships.models import Organisation, User
from partnerships.prepared import LITERAL, PreparedQuery

from . import selectors
from .filters import AlertFilter, overdue_q
from .models import Alert

# (column read, ListRow field): a fiche's LIST_FIELDS, its key and its foreign keys (the API's ids).
COLUMNS = [
    ("id", "id"),
    ("site_id", "site_id"),
    ("landlord_id", "landlord_id"),
    ("routed_unit_id", "routed_unit_id"),
    *(
        (name, {"site__commune__name": "commune_name"}.get(name, name.replace("__", "_")))
        for name in selectors.LIST_FIELDS
    ),
]
# What the pages and the API read besides (the overdue flag, the latest shared feedback).
EXTRA = ["is_overdue", "latest_feedback", "latest_feedback_at"]
RELATIONS = ("site", "landlord", "routed_unit")


class _Named:
    __slots__ = ("name", "commune")

    def __init__(self, name, commune=None):
        self.name, self.commune = name, commune


class ListRow(namedtuple("ListRow", [field for _column, field in COLUMNS] + EXTRA)):
    """One fiche of a list, read as the list pages and the API list read an Alert."""

    __slots__ = ()

    @property
    def pk(self):
        return self.id

    @property
    def site(self):
        return _Named(self.site_name, _Named(self.commune_name))

    @property
    def landlord(self):
        return _Named(self.landlord_name)

    @property
    def routed_unit(self):
        return None if self.routed_unit_id is None else _Named(self.routed_unit_name)

    def serializable_value(self, name):
        # Model.serializable_value: a foreign key's column (what DRF's related fields read).
        return getattr(self, f"{name}_id", None) if name in RELATIONS else getattr(self, name)

    # The fiche's own, on the same attributes.
    __str__ = Alert.__str__
    escalation_level = Alert.escalation_level


def _user(kind, superuser, org_id, department, units) -> User:
    """A user of that shape holding stand-in values, for alert_list to write the shape's SQL."""
    user = User(is_active=True, is_superuser=superuser)
    user.organisation = None if kind is None else Organisation(id=org_id, kind=kind, department_id=department)
    user._passerelle_unit_ids = list(units)  # what scope.unit_ids reads
    return user


SCOPE = [LITERAL, LITERAL, int, str, [int], datetime.datetime]


def _keys(kind, superuser, org_id, department, units, now, low, high, counted):
    alerts = selectors.alert_list(
        user=_user(kind, superuser, org_id, department, units), latest_feedback=False, now=now
    )
    if counted:  # CountedKeysPaginator's read: the keys with the list's count
        return alerts.annotate(page_list_count=Window(Count("*"))).values_list("pk", "page_list_count")[
            low:high
        ]
    return alerts.values_list("pk")[low:high]


def _rows(kind, superuser, org_id, department, units, now, keys, latest_feedback, overdue):
    alerts = selectors.alert_list(
        user=_user(kind, superuser, org_id, department, units), latest_feedback=latest_feedback, now=now
    )
    alerts = (
        alerts.filter(pk__in=keys)
        .order_by()
        .annotate(
            is_overdue=ExpressionWrapper(overdue_q(now), output_field=BooleanField())
            if overdue
            else Value(None, output_field=BooleanField())
        )
    )
    extra = EXTRA if latest_feedback else EXTRA[:1]
    return alerts.values_list(*[column for column, _field in COLUMNS], *extra)


read_keys = PreparedQuery(_keys, [*SCOPE, LITERAL, LITERAL, LITERAL], Alert, optional=True)
read_rows = PreparedQuery(_rows, [*SCOPE, [int], LITERAL, LITERAL], Alert, optional=True)


class PreparedAlertList:
    """What a Paginator pages (a slice, a count) for one user's unfiltered list, read by read_keys and
    read_rows; `overdue` flags each row `is_overdue` (the pages), `latest_feedback` reads it."""

    def __init__(self, user: User, scope_args: list, *, latest_feedback: bool, overdue: bool):
        self.user = user
        self.scope = [*scope_args, timezone.now()]
        self.latest_feedback, self.overdue = latest_feedback, overdue

    def count(self) -> int:
        return selectors.alert_list(user=self.user, latest_feedback=False).count()

    def rows(self, keys: list) -> list[ListRow]:
        if not keys:
            return []
        padding = () if self.latest_feedback else (None, None)  # no feedback read: none shown
        found = {
            row[0]: ListRow(*row, *padding)
            for row in read_rows(*self.scope, keys, self.latest_feedback, self.overdue)
        }
        return [found[key] for key in keys if key in found]

    def __getitem__(self, bounds: slice) -> list[ListRow]:
        keys = read_keys(*self.scope, bounds.start or 0, bounds.stop, False)
        return self.rows([key for (key,) in keys])

    def counted_slice(self, low: int, high: int) -> tuple[list[ListRow], int | None]:
        """The rows from `low` to `high` and the list's count (None when there is no row there)."""
        found = read_keys(*self.scope, low, high, True)
        return self.rows([key for key, _count in found]), (found[0][1] if found else None)


def prepared_alert_list(
    user: User, params, *, latest_feedback: bool, overdue: bool
) -> PreparedAlertList | None:
    """The user's list read by compiled SQL, or None when the ORM must read it: `params` (the query
    string) names a filter, or the user has no shape alert_list's scope can be written for."""
    if not params.keys().isdisjoint(AlertFilter.base_filters):
        return None
    if not user.is_authenticated or not user.is_active:
        return None
    org = user.organisation
    if org is None and not user.is_superuser:
        return None
    if org is not None and org.department_id is None:
        return None
    kind = org.kind if org is not None else None
    args = [
        kind,
        user.is_superuser,
        org.id if org else 0,
        org.department_id if org else "",
        scope.unit_ids(user),
    ]
    return PreparedAlertList(user, args, latest_feedback=latest_feedback, overdue=overdue)
