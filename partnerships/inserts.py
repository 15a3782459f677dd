"""INSERTs compiled once per process: a write that runs on every request (a filing's fiche, timeline
line, audit entry, notifications, guardian grants) spent most of its Python time having Django
compile the same SQL again."""

from typing import NamedTuple

from django.db import connection
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery

from .prepared import compiled_store


class Upsert(NamedTuple):
    """ON CONFLICT (unique) DO UPDATE SET the update fields: bulk_create's update_conflicts, for a
    batch of compiled_inserts / with_clauses."""

    unique_fields: tuple[str, ...]
    update_fields: tuple[str, ...]


# compiled_insert's statements: (model, several rows, conflict clause) -> SQL, or None if not reusable.
_inserts: dict[tuple, str | None] = {}
compiled_store(_inserts.clear)


def compiled_insert(
    objs: list, *, on_conflict: OnConflict | None = None, returning: bool = True
) -> list[tuple] | None:
    """Run the INSERT … RETURNING that bulk_create or save runs for `objs`, new instances of one model,
    with its SQL compiled once per process, model, form and conflict clause: on PostgreSQL its text
    depends on those alone (one row: VALUES (%s, …); several: SELECT * FROM UNNEST(%s, …), one array
    per column), and each call only prepares its values as Django's compiler would. Compiling was
    most of the Python time of an INSERT. Returns the returned rows (set on the instances: id,
    database defaults; none for a row left out by ON CONFLICT DO NOTHING), or None when the statement
    cannot be reused (SQLite, a primary key already set, a value that is an expression, a field with
    its own placeholder): the caller then lets Django write the rows. `returning=False`: no RETURNING
    (rows nobody reads again, such as guardian's grants), which several rows may combine with ON
    CONFLICT DO NOTHING; returns [] once written."""
    prepared = _prepared(objs, on_conflict, returning)
    if prepared is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(*prepared)
        if not returning:
            return []
        rows = cursor.fetchall()
    _returned(objs, rows)
    return rows


def compiled_inserts(*batches: tuple[list, OnConflict | Upsert | None]) -> list[tuple] | None:
    """compiled_insert for several batches of new instances (each of one model, with its conflict
    clause) in one statement, one round trip: the first ones as WITH clauses without RETURNING
    (with_clauses), the last one returning its rows (set on its instances, returned). None, and
    nothing written, when a batch's statement cannot be reused: the caller writes the batches one by
    one."""
    batches = tuple((objs, on_conflict) for objs, on_conflict in batches if objs)
    if not batches:
        return []
    *first, (last, last_conflict) = batches
    clauses, last_prepared = with_clauses(*first), _prepared(last, last_conflict, True)
    if clauses is None or last_prepared is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(clauses[0] + last_prepared[0], [*clauses[1], *last_prepared[1]])
        rows = cursor.fetchall()
    _returned(last, rows)
    return rows


def with_clauses(*batches: tuple[list, OnConflict | Upsert | None]) -> tuple[str, list] | None:
    """The compiled INSERTs of the batches as the WITH clauses of the statement they prefix, and their
    parameters (to come before that statement's): PostgreSQL runs each clause once, whatever the
    statement reads, so rows nobody reads back travel with a statement that has to be sent anyway.
    ("", []) for no rows; None when a batch's statement cannot be reused (SQLite, …)."""
    prepared = [_prepared(objs, on_conflict, False) for objs, on_conflict in batches if objs]
    if not prepared:
        return "", []
    if any(p is None for p in prepared):
        return None
    clauses = ", ".join(f"written_{n} AS ({statement})" for n, (statement, _params) in enumerate(prepared))
    return f"WITH {clauses} ", [param for _statement, params in prepared for param in params]


def _prepared(
    objs: list, on_conflict: OnConflict | Upsert | None, returning: bool
) -> tuple[str, list] | None:
    """The compiled statement and its parameters, or None when it cannot be reused."""
    model = type(objs[0])
    meta = model._meta
    several = len(objs) > 1
    if (
        connection.vendor != "postgresql"
        or (on_conflict and several and returning)  # the rows returned would not match the objects
        # A primary key given is for an upsert (QueueVersion's is its key), not a new row of Django's.
        or (not isinstance(on_conflict, Upsert) and any(o._is_pk_set() for o in objs))
    ):
        return None
    fields = [f for f in meta.concrete_fields if not f.generated and f is not meta.auto_field]
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    key = (model, several, on_conflict, returning)
    if key not in _inserts:
        _inserts[key] = _compile_insert(objs, fields, on_conflict, returning)
    statement = _inserts[key]
    values = [[field.pre_save(obj, True) for obj in objs] for field in fields]
    if statement is None or any(hasattr(v, "resolve_expression") for column in values for v in column):
        return None
    params = [
        [field.get_db_prep_save(value, connection=connection) for value in column]
        for field, column in zip(fields, values, strict=True)
    ]
    return statement, params if several else [column[0] for column in params]


def _returned(objs: list, rows: list[tuple]) -> None:
    """Set the returned columns on the instances, now saved."""
    meta = type(objs[0])._meta
    for obj, row in zip(objs, rows, strict=False):  # no row: the one row ON CONFLICT left out
        for field, value in zip(meta.db_returning_fields, row, strict=True):
            setattr(obj, field.attname, value)
        obj._state.adding, obj._state.db = False, connection.alias


def _compile_insert(
    objs: list, fields: list, on_conflict: OnConflict | Upsert | None, returning: bool
) -> str | None:
    meta = type(objs[0])._meta
    if isinstance(on_conflict, Upsert):
        query = InsertQuery(
            type(objs[0]),
            on_conflict=OnConflict.UPDATE,
            update_fields=[meta.get_field(name) for name in on_conflict.update_fields],
            unique_fields=[meta.get_field(name) for name in on_conflict.unique_fields],
        )
    else:
        query = InsertQuery(type(objs[0]), on_conflict=on_conflict)
    query.insert_values(fields, objs)
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = meta.db_returning_fields if returning else None
    [(statement, _params)] = compiler.as_sql()
    reusable = (
        ("UNNEST(" in statement) == (len(objs) > 1)
        and not any(hasattr(field, "get_placeholder") for field in fields)
        # The returned columns are set as they come: no converter (ids, booleans on PostgreSQL).
        and not any(
            field.get_db_converters(connection)
            or connection.ops.get_db_converters(field.get_col(meta.db_table))
            for field in meta.db_returning_fields
        )
    )
    return statement if reusable else None
