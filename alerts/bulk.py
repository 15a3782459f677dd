"""Writing many rows without model instances: the escalation scan writes some 80,000 rows for 10,000 due
fiches, and bulk_create spent seconds building and quoting them."""

import json

from django.db import connection
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


# insert_new's statements: model -> its INSERT's SQL (None: not the row-count-free UNNEST form).
_inserts: dict[type, str | None] = {}


def insert_new(objs: list) -> list:
    """bulk_create for new instances of one model, several at a time (a change's timeline lines and
    audit entries, a filing's notifications). On PostgreSQL bulk_create writes
    INSERT … SELECT * FROM UNNEST(%s, …) RETURNING id, whose text depends on the model alone, not on
    the number of rows: it is compiled once per process and model, and each call only prepares its
    values (what bulk_create's compiler does with them) — the compilation was most of the Python time
    of an INSERT. One row, SQLite, a value that is an expression or a primary key already set go
    through bulk_create."""
    model = type(objs[0]) if objs else None
    if len(objs) < 2 or connection.vendor != "postgresql" or any(obj._is_pk_set() for obj in objs):
        return model.objects.bulk_create(objs) if objs else objs
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.generated and f is not meta.auto_field]
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    if model not in _inserts:
        query = InsertQuery(model)
        query.insert_values(fields, objs)
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = meta.db_returning_fields
        [(statement, _params)] = compiler.as_sql()
        # The returned columns are set as they come (no converter: ids, booleans on PostgreSQL).
        raw = all(
            not field.get_db_converters(connection)
            and not connection.ops.get_db_converters(field.get_col(meta.db_table))
            for field in meta.db_returning_fields
        )
        _inserts[model] = statement if "UNNEST(" in statement and raw else None
    statement = _inserts[model]
    values = [[field.pre_save(obj, True) for obj in objs] for field in fields]
    if statement is None or any(hasattr(v, "resolve_expression") for column in values for v in column):
        return model.objects.bulk_create(objs)
    params = [
        [field.get_db_prep_save(value, connection=connection) for value in column]
        for field, column in zip(fields, values, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        for obj, row in zip(objs, cursor.fetchall(), strict=True):
            for field, value in zip(meta.db_returning_fields, row, strict=True):
                setattr(obj, field.attname, value)
            obj._state.adding, obj._state.db = False, connection.alias
    return objs
