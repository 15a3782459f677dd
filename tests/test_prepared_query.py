"""Reads compiled once (partnerships/prepared.py): the same rows as the ORM's QuerySet for every
argument and list length, compiled once per shape, refusing a build whose arguments do not reach
the SQL as given."""

import pytest

from alerts.models import QueueVersion
from alerts.queues import queues_bump
from alerts.selectors import unread_notification_count_subquery
from partnerships.models import User
from partnerships.prepared import PreparedQuery
from tests.alerts.factories import filed_alert


def versions(keys, unread_of):
    # An int argument too: one user's unread count, as the dashboard's 304 reads it.
    return (
        QueueVersion.objects.filter(key__in=keys)
        .annotate(unread=unread_notification_count_subquery(user=User(pk=unread_of)))
        .order_by("key")
        .values_list("key", "changed_at", "unread")
    )


def test_a_prepared_read_returns_the_orms_rows_for_every_list_length(world):
    queues_bump(["org:1", "org:2", "org:3"])
    filed_alert(site=world.site_creil, reporter=world.landlord_agent)  # notifies the unit
    read = PreparedQuery(versions, [[str], int], QueueVersion)

    for keys in ([], ["org:1"], ["org:2", "org:9"], ["org:1", "org:2", "org:3"]):
        for user in (world.officer, world.landlord_agent):
            assert read(keys, user.pk) == list(versions(keys, user.pk)), (keys, user)


def test_a_prepared_read_is_built_and_compiled_once_per_list_length(db):
    built = []

    def build(keys, user_pk):
        built.append(len(keys))
        return versions(keys, user_pk)

    read = PreparedQuery(build, [[str], int], QueueVersion)
    for keys in (["a"], ["b"], ["a", "b"], ["c", "d"], ["e"]):
        read(keys, 1)

    assert built == [1, 2]


def test_a_build_that_changes_its_arguments_is_refused(db):
    read = PreparedQuery(
        lambda key: QueueVersion.objects.filter(key=key.upper()).values_list("key"), [str], QueueVersion
    )

    with pytest.raises(ValueError, match="did not reach"):
        read("org:1")


def changed_since(moment):
    return (
        QueueVersion.objects.filter(changed_at__gte=moment).order_by("key").values_list("key", "changed_at")
    )


def test_a_prepared_read_takes_an_instant_as_a_parameter(db):
    import datetime

    from django.utils import timezone

    queues_bump(["org:1", "org:2"])
    read = PreparedQuery(changed_since, [datetime.datetime], QueueVersion)
    now = timezone.now()

    for moment in (now - datetime.timedelta(days=1), now + datetime.timedelta(days=1)):
        assert read(moment) == list(changed_since(moment))
    assert read(now - datetime.timedelta(days=1))
    assert len(read.compiled) == 1


def test_an_optional_argument_may_stay_out_of_the_sql_but_never_get_in_baked(db):
    queues_bump(["org:1"])
    unused = PreparedQuery(
        lambda key: QueueVersion.objects.values_list("key"), [str], QueueVersion, optional=True
    )
    baked = PreparedQuery(
        lambda key: QueueVersion.objects.filter(key=key.upper()).values_list("key"),
        [str],
        QueueVersion,
        optional=True,
    )

    assert unused("anything") == [("org:1",)]
    with pytest.raises(ValueError, match="otherwise than as a parameter"):
        baked("org:1")


def test_a_prepared_read_keeps_its_latest_shapes_only(db):
    from partnerships.prepared import LITERAL

    read = PreparedQuery(
        lambda key, limit: QueueVersion.objects.filter(key=key).values_list("key")[:limit],
        [str, LITERAL],
        QueueVersion,
        kept=3,
    )
    for limit in range(1, 8):
        read("org:1", limit)

    assert [shape[2] for shape in read.compiled] == [(None, (5,)), (None, (6,)), (None, (7,))]


def test_a_migrate_or_a_flush_forgets_the_compiled_sql(db):
    # Compiled SQL may hold a content type's id (the fiche page's guardian grants): a flush (between
    # live-server tests) or a migrate may recreate that row under another id.
    from django.apps import apps
    from django.db.models.signals import post_migrate

    builds = []

    def build(keys):
        builds.append(keys)
        return QueueVersion.objects.filter(key__in=keys).values_list("key")

    read = PreparedQuery(build, [[str]], QueueVersion)
    read(["org:1"])
    read(["org:2"])
    built = len(builds)

    config = apps.get_app_config("partnerships")
    post_migrate.send(
        sender=config, app_config=config, verbosity=0, interactive=False, using="default", apps=apps, plan=[]
    )
    read(["org:3"])

    assert len(builds) > built  # built and compiled again
