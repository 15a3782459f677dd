"""Writing many rows without model instances: the escalation scan writes some 80,000 rows for 10,000 due
fiches, and bulk_create spent seconds building and quoting them."""

import json

from django.db import connection
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.utils import timezone


def insert_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """COPY on PostgreSQL, bulk_create elsewhere. Other columns get what bulk_create would give them."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows])
        return
    given, rest, defaults = other_columns(model, fields)
    is_json = [f.get_internal_type() == "JSONField" for f in given]
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in [*given, *rest])}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([json.dumps(v) if j else v for v, j in zip(row, is_json, strict=True)] + defaults)


def other_columns(model, fields: list[str]) -> tuple[list, list, list]:
    """The given fields, the other non-null columns and the values bulk_create would give those, ready
    for the database (SQLite stores a datetime as text)."""
    now = timezone.now()
    given = [model._meta.get_field(name) for name in fields]
    rest = [f for f in model._meta.concrete_fields if not (f.primary_key or f.null or f in given)]
    defaults = [now if getattr(f, "auto_now_add", False) else f.get_default() for f in rest]
    return given, rest, [f.get_db_prep_value(v, connection) for f, v in zip(rest, defaults, strict=True)]


# compiled_insert's statements: (model, several rows, conflict clause) -> SQL, or None if not reusable.
_inserts: dict[tuple, str | None] = {}


def compiled_insert(objs: list, *, on_conflict: OnConflict | None = None) -> list[tuple] | None:
    """Run the INSERT … RETURNING that bulk_create or save runs for `objs`, new instances of one model,
    with its SQL compiled once per process, model, form and conflict clause: on PostgreSQL its text
    depends on those alone (one row: VALUES (%s, …); several: SELECT * FROM UNNEST(%s, …), one array
    per column), and each call only prepares its values as Django's compiler would. Compiling was
    most of the Python time of an INSERT. Returns the returned rows (set on the instances: id,
    database defaults; none for a row left out by ON CONFLICT DO NOTHING), or None when the statement
    cannot be reused (SQLite, a primary key already set, a value that is an expression, a field with
    its own placeholder): the caller then lets Django write the rows."""
    model = type(objs[0])
    meta = model._meta
    several = len(objs) > 1
    if connection.vendor != "postgresql" or (on_conflict and several) or any(o._is_pk_set() for o in objs):
        return None
    fields = [f for f in meta.concrete_fields if not f.generated and f is not meta.auto_field]
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    key = (model, several, on_conflict)
    if key not in _inserts:
        _inserts[key] = _compile_insert(objs, fields, on_conflict)
    statement = _inserts[key]
    values = [[field.pre_save(obj, True) for obj in objs] for field in fields]
    if statement is None or any(hasattr(v, "resolve_expression") for column in values for v in column):
        return None
    params = [
        [field.get_db_prep_save(value, connection=connection) for value in column]
        for field, column in zip(fields, values, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, params if several else [column[0] for column in params])
        rows = cursor.fetchall()
    for obj, row in zip(objs, rows, strict=False):  # no row: the one row ON CONFLICT left out
        for field, value in zip(meta.db_returning_fields, row, strict=True):
            setattr(obj, field.attname, value)
        obj._state.adding, obj._state.db = False, connection.alias
    return rows


def _compile_insert(objs: list, fields: list, on_conflict: OnConflict | None) -> str | None:
    meta = type(objs[0])._meta
    query = InsertQuery(type(objs[0]), on_conflict=on_conflict)
    query.insert_values(fields, objs)
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = meta.db_returning_fields
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


def insert_new(objs: list) -> list:
    """bulk_create for new instances of one model (a change's timeline lines and audit entries, a
    filing's notifications), through compiled_insert when it can."""
    if objs and compiled_insert(objs) is None:
        type(objs[0]).objects.bulk_create(objs)
    return objs
