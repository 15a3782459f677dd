"""PreparedQuery (partnerships/prepared.py) for reads that want model instances, not tuples: the fiche
page's read of its fiche, whose QuerySet (a dozen subqueries: the reader's scope, its grants, the
estate's visibility, links, problems) cost more Python to build and compile than the database spent
answering it. The QuerySet is built and compiled once per shape with stand-in arguments; each call
swaps the real values in and builds the instances as the ORM's ModelIterable does (the fields,
the select_related rows, the annotations), from the column layout the compiler gave."""

import threading

from django.db import connections, router
from django.db.models.query import get_related_populators

from .prepared import PreparedQuery, compiled_store


class PreparedInstances(PreparedQuery):
    """`build(*args)` returns a QuerySet of `model` instances (select_related and annotate allowed,
    no values(), no prefetch_related, no deferred loading that differs from call to call). Calling
    returns the list of instances, read where the routers send `model`'s reads."""

    def __init__(self, build, kinds, model):
        super().__init__(self._build_and_keep, kinds, model)
        self.build_instances = build
        # The QuerySet just built, for compile() to read its layout (per thread: two threads may
        # compile two shapes at once).
        self.local = threading.local()
        # Per compiled key: the model, where its fields sit in a row, the joined rows' populators
        # and the annotations' columns (the compiler's klass_info and annotation_col_map).
        self.layouts: dict[tuple, tuple] = {}
        compiled_store(self.layouts.clear)

    def _build_and_keep(self, *args):
        self.local.built = self.build_instances(*args)
        return self.local.built

    def compile(self, using: str, shape: tuple):
        compiled = super().compile(using, shape)
        if compiled is None:
            return None
        # The layout of the columns, from a compiler of the very QuerySet just compiled: the same
        # SQL (checked), so the same columns in the same places.
        compiler = self.local.built.query.get_compiler(using)
        sql, _params = compiler.as_sql()
        if sql != compiled[0]:
            raise ValueError("PreparedInstances: the QuerySet did not compile twice to the same SQL")
        klass_info = compiler.klass_info
        select = compiler.select
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, using)
        key = (using, connections[using].vendor, shape)
        self.layouts[key] = (
            klass_info["model"],
            start,
            end,
            init_list,
            populators,
            compiler.annotation_col_map,
        )
        self.local.built = None
        return compiled

    def __call__(self, *args, using: str | None = None) -> list:
        rows = super().__call__(*args, using=using)
        if not rows:
            return []
        using = using or router.db_for_read(self.model)
        key = (using, connections[using].vendor, self.shape(args))
        model, start, end, init_list, populators, annotations = self.layouts[key]
        instances = []
        for row in rows:
            obj = model.from_db(using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in (annotations or {}).items():
                setattr(obj, name, row[position])
            instances.append(obj)
        return instances
