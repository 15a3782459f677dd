"""Reference data that every filing reads and that rarely changes — the unit competent in a commune,
the convention in force for an estate, the response delays — and what is built from it alone (the
fiche lists' filter panel), kept in each process between requests.

Each use reads one version from the shared cache ("reference": Redis when configured, else files on
this machine; no database query) and any change to those tables moves it: the models' post_save,
post_delete and m2m_changed signals (connected by the apps owning the models, `invalidate_on`) and
`reference_changed()` in the services that write in bulk. It moves at once and again on commit, so no
process keeps what it read between the change and the commit.

A filing reads four kinds of reference data: inside `read_once()` (the filing service) the version is
read from the shared cache once, not four times (three Redis round trips fewer); a change made in the
block reads it again."""

import copy
import threading
import uuid
from collections.abc import Callable, Hashable
from contextlib import contextmanager

from django.core.cache import caches
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

CACHE = "reference"
VERSION_KEY = "passerelle:reference-data-version"
MAX_ENTRIES = 20_000  # one entry per commune and per estate filed about: bounded, then started afresh

_entries: dict = {}
_version: str | None = None
_pinned = threading.local()  # read_once(): `active`, and the version read in the block (or None)


def _shared_version() -> str:
    cache = caches[CACHE]
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def _bump() -> None:
    _pinned.version = None  # a block of read_once() in this thread reads the new version
    caches[CACHE].set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


@contextmanager
def read_once():
    """Read the shared version once for the whole block (one request's reads), not once per use. A
    block within a block keeps the outer one's version."""
    if getattr(_pinned, "active", False):
        yield
        return
    _pinned.active, _pinned.version = True, None
    try:
        yield
    finally:
        _pinned.active, _pinned.version = False, None


def _current_version() -> str:
    if not getattr(_pinned, "active", False):
        return _shared_version()
    if _pinned.version is None:
        _pinned.version = _shared_version()
    return _pinned.version


def reference_changed(**_signal) -> None:
    """Every process reads the reference data again (now, and once the change is committed)."""
    _bump()
    transaction.on_commit(_bump)


def forget() -> None:
    """Drop this process's entries (tests: a rolled-back database sends no signal)."""
    _entries.clear()


def cached(key: Hashable, compute: Callable):
    """compute()'s result, read once per version; model instances are copied on the way out, so a
    caller that sets an attribute never changes another request's (other values must be immutable:
    text, numbers, tuples)."""
    global _version
    version = _current_version()
    if version != _version or len(_entries) >= MAX_ENTRIES:
        _entries.clear()
        _version = version
    if key not in _entries:
        _entries[key] = compute()
    value = _entries[key]
    return [_own(item) for item in value] if isinstance(value, list) else _own(value)


def _own(value):
    return copy.copy(value) if isinstance(value, Model) else value


def invalidate_on(*models, m2m=()) -> None:
    """Connect reference_changed to the saves and deletions of `models` and the changes of the
    many-to-many relations whose through models are `m2m`."""
    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(
                reference_changed, sender=model, weak=False, dispatch_uid=f"refcache_{model.__name__}"
            )
    for through in m2m:
        m2m_changed.connect(
            reference_changed, sender=through, weak=False, dispatch_uid=f"refcache_{through.__name__}"
        )
