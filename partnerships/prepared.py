"""Reads whose SQL is compiled once per process instead of once per request.

Building a QuerySet and compiling it costs more Python than the database spends answering a small
read (the session with its account, the queues' version rows: the two queries of an unchanged
queue's 304). A PreparedQuery builds its QuerySet once, with unmistakable stand-in values for the
arguments, compiles it, notes where each stand-in landed among the SQL parameters, and from then on
only swaps the real values in: same SQL, same parameters, same converters as the ORM's. What it
keeps depends on the code, the schema and the rows a migration writes (a content type's id, which
guardian's grants name), never on users' data, so every worker may keep its own; `forget_compiled`
empties every such store after a migrate or a flush (post_migrate), when those rows may be new."""

import datetime
from collections.abc import Callable, Sequence

from django.apps import apps
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet


class _Stand:
    """Where a stand-in value goes: argument `arg`, and item `item` of it when it is a list."""

    __slots__ = ("arg", "item", "adapt")

    def __init__(self, arg: int, item: int | None, adapt=None):
        self.arg, self.item, self.adapt = arg, item, adapt


# Every per-process store of compiled SQL (PreparedQuery's and the hand-kept ones: following.py's,
# inserts.py's, fiche_read.py's), each by its clear().
_compiled_stores: list[Callable[[], None]] = []


def compiled_store(clear: Callable[[], None]) -> None:
    """Register a per-process store of compiled SQL by its clear(), for forget_compiled."""
    _compiled_stores.append(clear)


def forget_compiled(**_signal) -> None:
    """Empty every store of compiled SQL (connected to post_migrate: a migrate or a flush may have
    given the content types and permissions new ids, which compiled SQL may hold as parameters)."""
    for clear in _compiled_stores:
        clear()


# A literal argument: its value goes into the SQL as the ORM writes it (a slice's LIMIT and OFFSET, a
# flag choosing what the query selects), so each value is a shape of its own.
LITERAL = "literal"


def _stand_in(kind, arg: int, item: int, seed: int = 0):
    # Values no real argument takes: negative ids, strings with a NUL (PostgreSQL refuses those),
    # instants of 1901.
    if kind is int:
        return -(7_000_000_000 + seed * 100_000_000 + arg * 1000 + item)
    if kind is datetime.datetime:
        return datetime.datetime(1901, 1, 1 + seed, 0, arg, item, 123, tzinfo=datetime.UTC)
    return f"\x00prepared-{seed}-{arg}-{item}"


class PreparedQuery:
    """`build(*args)` returns a values_list() QuerySet of `model`; calling the PreparedQuery with `args`
    returns its rows as tuples, read where the routers send `model`'s reads. `kinds` says each
    argument's type: int, str, or a one-item list ([str], [int]) for a list of those (its length is
    part of the compiled shape), datetime.datetime (an aware instant), or LITERAL (see above).

    `optional` lets an argument not reach the SQL (a user's organisation when their kind of
    organisation sees everything): the query is then compiled twice, with two sets of stand-ins, and
    refused unless both give the same SQL and the same other parameters (no argument got in
    otherwise than as a parameter)."""

    def __init__(
        self,
        build: Callable[..., QuerySet],
        kinds: Sequence,
        model: type[Model] | str,
        *,
        optional: bool = False,
        kept: int = 256,
    ):
        self.build = build
        self.kinds = list(kinds)
        self.optional = optional
        self.kept = kept  # shapes kept (the literal arguments make them many: a page number each)
        # Whose reads the database routers place, as the QuerySet's would be ("app_label.Model" for a
        # module imported before the models are).
        self.model = model
        self.compiled: dict[tuple, tuple] = {}
        compiled_store(self.compiled.clear)

    def shape(self, args) -> tuple:
        return tuple(
            len(arg) if isinstance(kind, list) else (arg,) if kind == LITERAL else None
            for kind, arg in zip(self.kinds, args, strict=True)
        )

    def compile(self, using: str, shape: tuple):
        compiled = self._compile(using, shape, 0)
        if self.optional and compiled is not None:
            again = self._compile(using, shape, 1)
            if again is None or again[0] != compiled[0] or _fixed(again[1]) != _fixed(compiled[1]):
                raise ValueError("PreparedQuery: an argument reached the SQL otherwise than as a parameter")
        return compiled

    def _compile(self, using: str, shape: tuple, seed: int):
        ops = connections[using].ops
        stand_ins, where = [], {}
        for arg, (kind, length) in enumerate(zip(self.kinds, shape, strict=True)):
            if kind == LITERAL:
                value = length[0]
            elif length is None:
                value = _stand_in(kind, arg, 0, seed)
                adapt = ops.adapt_datetimefield_value if kind is datetime.datetime else None
                where[adapt(value) if adapt else value] = _Stand(arg, None, adapt)
            else:
                value = [_stand_in(kind[0], arg, item, seed) for item in range(length)]
                where.update({stand: _Stand(arg, item) for item, stand in enumerate(value)})
            stand_ins.append(value)
        compiler = self.build(*stand_ins).query.get_compiler(using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # an empty list in an IN: the ORM answers without asking the database
            return None
        slots = [
            where.get(param, param) if isinstance(param, int | str | datetime.datetime) else param
            for param in params
        ]
        placed = {id(slot) for slot in slots if isinstance(slot, _Stand)}
        if len(placed) != len(where) and not self.optional:
            raise ValueError("PreparedQuery: an argument did not reach the SQL parameters as given")
        fields = [select[0] for select in compiler.select[: compiler.col_count]]
        return sql, slots, compiler.get_converters(fields)

    def __call__(self, *args, using: str | None = None) -> list[tuple]:
        if isinstance(self.model, str):
            self.model = apps.get_model(self.model)
        using = using or router.db_for_read(self.model)
        connection = connections[using]
        key = (using, connection.vendor, self.shape(args))
        compiled = self.compiled.get(key, self)
        if compiled is self:
            compiled = self.compiled[key] = self.compile(using, key[2])
            while len(self.compiled) > self.kept:
                try:  # the oldest shape goes (another thread may be dropping it too)
                    del self.compiled[next(iter(self.compiled))]
                except (KeyError, RuntimeError, StopIteration):
                    break
        if compiled is None:
            return []
        sql, slots, converters = compiled
        params = [
            (
                (slot.adapt(args[slot.arg]) if slot.adapt else args[slot.arg])
                if slot.item is None
                else args[slot.arg][slot.item]
            )
            if isinstance(slot, _Stand)
            else slot
            for slot in slots
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:  # what SQLCompiler.apply_converters does, with this thread's connection
            rows = [list(row) for row in rows]
            for row in rows:
                for pos, (convs, expression) in converters.items():
                    value = row[pos]
                    for converter in convs:
                        value = converter(value, expression, connection)
                    row[pos] = value
            rows = [tuple(row) for row in rows]
        return rows


def _fixed(slots: list) -> list:
    """The parameters that are no argument's."""
    return [(slot.arg, slot.item) if isinstance(slot, _Stand) else slot for slot in slots]
