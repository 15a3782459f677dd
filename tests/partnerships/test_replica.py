"""Reads that may lag go to the replica (partnerships/replica.py) when DATABASE_REPLICA_URL is set:
only at the read sites that say so, never the writes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.urls import reverse

from alerts.models import Alert
from partnerships.models import AuditEntry
from partnerships.replica import REPLICA, ReplicaRouter, lagging_reads, replica_rows
from tests.conventions.factories import make_alert, make_convention

MARCH = "?start=2026-03-01&end=2026-03-31"


@pytest.fixture
def replica(settings, monkeypatch):
    """The `replica` alias as DATABASE_REPLICA_URL adds it, and the aliases the router picks for each
    read, by model. The alias is served by the test's own connection: a TEST MIRROR alone opens a
    second connection to the test database, blind to the test's uncommitted rows."""
    settings.DATABASES = {**settings.DATABASES, REPLICA: {**settings.DATABASES[DEFAULT_DB_ALIAS]}}
    settings.DATABASE_ROUTERS = ["partnerships.replica.ReplicaRouter"]
    connections[REPLICA] = connections[DEFAULT_DB_ALIAS]
    reads: dict[str, set[str]] = {}
    choose = ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        alias = choose(self, model, **hints)
        reads.setdefault(model._meta.label, set()).add(alias)
        return alias

    monkeypatch.setattr(ReplicaRouter, "db_for_read", spy)
    yield reads
    del connections[REPLICA]


def test_reads_inside_lagging_reads_go_to_the_replica_and_writes_never_do(settings):
    settings.DATABASES = {**settings.DATABASES, REPLICA: {}}
    router = ReplicaRouter()

    assert router.db_for_read(Alert) == DEFAULT_DB_ALIAS
    with lagging_reads():
        assert router.db_for_read(Alert) == REPLICA
        assert router.db_for_write(Alert) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Alert) == DEFAULT_DB_ALIAS
    assert not router.allow_migrate(REPLICA, "alerts")


def test_without_a_replica_lagging_reads_stay_on_default():
    with lagging_reads():
        assert ReplicaRouter().db_for_read(Alert) == DEFAULT_DB_ALIAS


def test_a_streamed_iterable_reads_on_the_replica_item_by_item_and_not_in_between(settings):
    settings.DATABASES = {**settings.DATABASES, REPLICA: {}}
    router = ReplicaRouter()
    seen = []

    for _ in replica_rows(router.db_for_read(Alert) for _ in range(2)):
        seen.append(router.db_for_read(Alert))  # the server writing the chunk: not routed

    assert seen == [DEFAULT_DB_ALIAS, DEFAULT_DB_ALIAS]
    assert list(replica_rows(router.db_for_read(Alert) for _ in range(2))) == [REPLICA, REPLICA]


def test_the_indicators_page_counts_on_the_replica_and_audits_on_default(world, login, replica):
    convention = make_convention(world)
    make_alert(world, convention=convention)

    url = reverse("conventions:convention_indicators", args=[convention.pk]) + MARCH
    response = login(world.landlord_manager).get(url)

    assert response.status_code == 200
    assert response.context["figures"][0] == ("Fiches transmises", 1)  # the test's row, read there
    assert replica["alerts.Alert"] == {REPLICA}


def test_the_dashboard_never_reads_on_the_replica(world, login, replica):
    make_alert(world, convention=make_convention(world))

    assert login(world.officer).get(reverse("alerts:dashboard")).status_code == 200
    assert replica["alerts.Alert"] == {DEFAULT_DB_ALIAS}


def test_the_streamed_fiche_export_reads_its_rows_on_the_replica(world, login, replica):
    convention = make_convention(world)
    mine = make_alert(world, convention=convention)
    audited = AuditEntry.objects.count()

    response = login(world.landlord_manager).get(reverse("conventions:fiches_export", args=["csv"]) + MARCH)
    replica.clear()  # what the view read before returning
    content = b"".join(response.streaming_content).decode("utf-8-sig")

    assert mine.reference in content
    assert replica["alerts.Alert"] == {REPLICA}
    assert AuditEntry.objects.count() == audited + 1  # the export's audit entry, written on default


def test_the_replica_alias_exists_only_with_database_replica_url_and_mirrors_default_under_tests():
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps([settings.DATABASES.get('replica', {}).get('TEST', {}).get('MIRROR'), "
        "getattr(settings, 'DATABASE_ROUTERS', [])]))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "partnerships.settings.test"}
    env.pop("DATABASE_REPLICA_URL", None)
    root = Path(__file__).resolve().parents[2]

    def settings_with(**extra):
        out = subprocess.run(  # noqa: S603 - this interpreter, fixed code
            [sys.executable, "-c", code],
            env={**env, **extra},
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    assert settings_with() == [None, []]
    assert settings_with(DATABASE_REPLICA_URL="postgres://u:p@127.0.0.1:5434/passerelle") == [
        "default",
        ["partnerships.replica.ReplicaRouter"],
    ]
