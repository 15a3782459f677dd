"""Conditional GET for the queues of fiches (the force dashboard, the landlord's and the
prefecture's lists, the API list). Every change that can alter a queue bumps, in its own transaction,
the QueueVersion rows of the organisations and the département concerned (`queues_bump`); a list
answers with an ETag and a Last-Modified derived from the rows the user's sight depends on
(`alert_policy.queue_keys`), and an unchanged queue is answered 304 after one query of those rows,
before any fiche is read."""

import functools
import hashlib
import time
import uuid
from collections.abc import Iterable

from django.http import HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import http_date, parse_etags
from django.utils.translation import get_language

from partnerships.models import User
from partnerships.prepared import PreparedQuery

from .models import Alert, QueueVersion
from .models.queues import department_key, organisation_key
from .permissions import alert_policy

# What no write bumps but time changes: a fiche turning overdue, a deadline reached. An unchanged
# queue is rendered again at least this often (the ETag names the period), which bounds how stale an
# "overdue" flag can be between two escalation scans.
QUEUE_MAX_AGE_S = 300


def alert_keys(alert: Alert, former_units: Iterable[int | None] = ()) -> set[str]:
    """Every queue the fiche is (or just was) in: its landlord's, its unit's (and a unit it just left),
    its département's (the prefecture's list)."""
    ids = {alert.landlord_id, alert.routed_unit_id, *former_units} - {None}
    keys = {organisation_key(pk) for pk in ids}
    if alert.department_id:
        keys.add(department_key(alert.department_id))
    return keys


# How bump rows are written: the upsert of queues_bump (alerts/bulk.py's Upsert for a caller that
# writes them with its own rows).
BUMP_UNIQUE, BUMP_UPDATE = ("key",), ("changed_at", "token")


def queues_bump(keys: Iterable[str]) -> None:
    """Mark the queues changed, in the caller's transaction (one upsert): a reader sees the new
    version exactly when it can see the change."""
    rows = bump_rows(keys)
    if rows:
        QueueVersion.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=BUMP_UNIQUE, update_fields=BUMP_UPDATE
        )


def bump_rows(keys: Iterable[str]) -> list[QueueVersion]:
    """The unsaved rows queues_bump upserts."""
    keys = sorted(set(keys))  # a fixed order: two writers never wait on each other's rows crosswise
    now, token = timezone.now(), uuid.uuid4().hex
    return [QueueVersion(key=key, changed_at=now, token=token) for key in keys]


def queues_seed(keys: Iterable[str]) -> None:
    """Version rows for queues that have none, leaving existing ones as they are."""
    now = timezone.now()
    QueueVersion.objects.bulk_create(
        [QueueVersion(key=key, changed_at=now, token=uuid.uuid4().hex) for key in sorted(set(keys))],
        ignore_conflicts=True,
    )


def alert_bump_keys(alert: Alert) -> set[str]:
    """The fiche changed: the queues to mark changed, its own and those of a unit save_changes saw it
    leave (record_event upserts their bump_rows with its timeline lines)."""
    return alert_keys(alert, alert.__dict__.pop("_queue_former_units", ()))


def _versions(keys):
    return QueueVersion.objects.filter(key__in=keys).values_list("token", "changed_at")


def _versions_and_unread(keys, user_pk):
    # The selectors import the escalation, which imports this module (its bumps): read at call time.
    from . import selectors

    unread = selectors.unread_notification_count_subquery(user=User(pk=user_pk))
    return (
        QueueVersion.objects.filter(key__in=keys)
        .annotate(unread=unread)
        .values_list("token", "changed_at", "unread")
    )


def _unread_count(user) -> int:
    from . import selectors

    return selectors.unread_notification_count(user=user)


# The 304's one query, compiled once per process (partnerships/prepared.py): building and compiling
# it was most of an unchanged queue's Python.
_read_versions = PreparedQuery(_versions, [[str]], QueueVersion)
_read_versions_and_unread = PreparedQuery(_versions_and_unread, [[str], int], QueueVersion)


def queue_validators(request, also: str = "", count_unread: bool = False) -> tuple[str, object] | None:
    """(ETag, last change) of what `request` would list, or None when the user's sight is not covered
    by version rows (a platform administrator sees everything: always rendered). The ETag also names
    the user (their buttons), the language, the full path (filters, page) and the time period
    (the API has one renderer: the format needs no part). With `count_unread`, the user's unread
    notifications (a page's header) are counted in the same query, kept on the request and named in
    the ETag."""
    keys = alert_policy.queue_keys(request.user)
    if keys is None:
        return None
    if count_unread:
        found = _read_versions_and_unread(keys, request.user.pk)
        if found:
            request.unread_notifications = found[0][2]
        else:
            # No change ever marked these queues (a database loaded in bulk), or the user's sight has no
            # queue: their rows are written once, so the next requests count the notifications with them.
            queues_seed(keys)
            request.unread_notifications = _unread_count(request.user)
        also = f"{also}|{request.unread_notifications}"
        rows = [(token, at) for token, at, _unread in found]
    else:
        rows = _read_versions(keys)
    changed_at = max((at for _token, at in rows), default=None)
    period = int(time.time() // QUEUE_MAX_AGE_S)
    seed = "|".join(
        [
            *sorted(token for token, _at in rows),
            str(request.user.pk),
            get_language() or "",
            request.get_full_path(),
            str(period),
            also,
        ]
    )
    return f'W/"{hashlib.sha256(seed.encode()).hexdigest()[:32]}"', changed_at


def conditional_response(
    request, respond, not_modified=HttpResponseNotModified, also: str = "", count_unread: bool = False
):
    """304 (`not_modified()`) when the client's If-None-Match names the queue as it is, otherwise
    `respond()` with the ETag and Last-Modified, to be revalidated on every use (private: one user's
    page). `request` may be DRF's, its user authenticated by the API's own means."""
    validators = queue_validators(request, also, count_unread) if request.method in ("GET", "HEAD") else None
    if validators is None:
        return respond()
    etag, changed_at = validators
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = not_modified()
    else:
        request.queue_etag = etag  # what the page's own refresh revalidates (static/queue-refresh.js)
        response = respond()
        if response.status_code != 200:
            return response
    response.headers["ETag"] = etag
    if changed_at is not None:
        response.headers["Last-Modified"] = http_date(changed_at.timestamp())
    patch_cache_control(response, private=True, no_cache=True)
    return response


def conditional_queue(view):
    """conditional_response around a page view (inside login_required: no validator for anonymous).
    The page's header shows the user's unread notifications, which change without the queue (one
    marked read): their count is part of the ETag, read with the version rows and kept for the
    header (alerts.context_processors)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        return conditional_response(request, lambda: view(request, *args, **kwargs), count_unread=True)

    return wrapper
