"""Reads that may lag behind the last write go to a PostgreSQL streaming replica when
DATABASE_REPLICA_URL is set (settings then add the `replica` alias and `ReplicaRouter`).

Chosen at the read site, never guessed from the query: the indicators (page, API, exports), the
fiche exports and the bilan PDF read inside `lagging_reads()`, or through `replica_rows()` for a
response streamed after the view has returned. Everything else — every write, and every read that
must see the request's own writes (a fiche just filed, the queue after a transition) — stays on
`default`. Without the alias, the context changes nothing."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"

# A context variable rather than a thread-local: it follows the request whatever the server's
# concurrency model (threads or an event loop).
_lagging = ContextVar("passerelle_lagging_reads", default=False)


def replica_configured() -> bool:
    # Read from settings on each call (a dictionary lookup): tests override DATABASES.
    return REPLICA in settings.DATABASES


@contextmanager
def lagging_reads():
    """Reads inside go to the replica (when configured); writes still go to `default`."""
    token = _lagging.set(True)
    try:
        yield
    finally:
        _lagging.reset(token)


def replica_rows(rows: Iterable) -> Iterator:
    """`rows` read from the replica one item at a time: a streamed export is iterated by the server
    after the view has returned, outside any context the view opened. The context is entered and
    left around each item, so the server's own code between two items is never routed."""
    iterator = iter(rows)
    while True:
        with lagging_reads():
            try:
                item = next(iterator)
            except StopIteration:
                return
        yield item


class ReplicaRouter:
    """DATABASE_ROUTERS entry, installed only with the replica alias."""

    def db_for_read(self, model, **hints):
        return REPLICA if _lagging.get() and replica_configured() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of default: an object read there may point at one read here.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A hot standby is read-only: it gets its schema from the primary's WAL.
        return db == DEFAULT_DB_ALIAS
