"""Writing many rows without model instances: the escalation scan writes some 80,000 rows for 10,000 due
fiches, and bulk_create spent seconds building and quoting them."""

import json

from django.db import connection
from django.db.models.constants import OnConflict
from django.utils import timezone

from partnerships.inserts import Upsert, compiled_insert, compiled_inserts


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


def insert_new(objs: list) -> list:
    """bulk_create for new instances of one model (a change's timeline lines and audit entries, a
    filing's notifications), through compiled_insert when it can."""
    if objs and compiled_insert(objs) is None:
        type(objs[0]).objects.bulk_create(objs)
    return objs


def insert_new_together(*batches: tuple[list, OnConflict | Upsert | None]) -> None:
    """insert_new for several models' new instances in one round trip (compiled_inserts: a change's
    grants, queue versions, audit entries and timeline lines, the last batch getting its ids); one
    by one where the statement cannot be reused (SQLite)."""
    if compiled_inserts(*batches) is None:
        for objs, on_conflict in batches:
            if not objs:
                continue
            if isinstance(on_conflict, Upsert):
                type(objs[0]).objects.bulk_create(
                    objs,
                    update_conflicts=True,
                    unique_fields=on_conflict.unique_fields,
                    update_fields=on_conflict.update_fields,
                )
            else:
                type(objs[0]).objects.bulk_create(objs, ignore_conflicts=on_conflict == OnConflict.IGNORE)
