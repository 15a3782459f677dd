"""insert_new (alerts/bulk.py): bulk_create's INSERT compiled once per model writes what bulk_create
writes and gives the instances their ids."""

import pytest
from django.db.models.constants import OnConflict
from django.forms.models import model_to_dict

from alerts.bulk import insert_new, insert_new_together
from alerts.models import AlertEvent, AlertGroupObjectPermission, Notification, QueueVersion
from alerts.queues import BUMP_UNIQUE, BUMP_UPDATE, bump_rows, queues_bump
from alerts.services.common import ALERT_PERMS
from partnerships.inserts import Upsert
from partnerships.models import AuditEntry
from partnerships.services.permissions import grant_rows
from tests.alerts.factories import filed_alert

pytestmark = pytest.mark.django_db


def notifications(world, alert, count, message):
    return [
        Notification(recipient=world.officer, alert=alert, kind="test", message=f"{message} {n}", url="/x/")
        for n in range(count)
    ]


def stored(objs):
    return [
        {
            k: v
            for k, v in model_to_dict(type(obj).objects.get(pk=obj.pk)).items()
            if k not in ("id", "created_at")
        }
        for obj in objs
    ]


@pytest.mark.parametrize("count", [1, 2, 5])
def test_inserted_rows_are_what_bulk_create_writes_whatever_their_number(world, count):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    for _ in range(2):  # the second call runs the statement compiled by the first
        mine = insert_new(notifications(world, alert, count, "insert_new"))
        theirs = Notification.objects.bulk_create(notifications(world, alert, count, "insert_new"))
        assert all(obj.pk and not obj._state.adding and obj.created_at for obj in mine)
        assert len({obj.pk for obj in mine}) == count
        assert stored(mine) == stored(theirs)
        assert [obj.digest_pending for obj in mine] == [False] * count


def test_a_change_writes_its_timeline_lines_and_audit_entries_with_their_ids(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    events = AlertEvent.objects.filter(alert=alert).order_by("pk")
    assert [(e.from_status, e.to_status) for e in events] == [("", "draft"), ("draft", "submitted")]
    assert AuditEntry.objects.filter(alert_id=alert.pk).count() == 2


def test_nothing_to_insert_inserts_nothing():
    assert insert_new([]) == []


def test_batches_written_together_keep_their_conflict_clauses_and_the_last_gets_its_ids(world):
    # PostgreSQL: one statement (the first batches as WITH clauses); elsewhere one INSERT each.
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    granted = AlertGroupObjectPermission.objects.filter(content_object=alert).count()
    queues_bump(["org:test"])
    before = QueueVersion.objects.get(key="org:test")
    grants = grant_rows(organisation=world.landlord, perms=ALERT_PERMS, obj=alert)  # granted already
    bumped = bump_rows(["org:test", "dep:test"])
    lines = notifications(world, alert, 3, "together")

    for _ in range(2):  # the second call runs the statement compiled by the first
        insert_new_together(
            (grants, OnConflict.IGNORE), (bumped, Upsert(BUMP_UNIQUE, BUMP_UPDATE)), (lines, None)
        )
        assert all(obj.pk and not obj._state.adding for obj in lines)
        lines = notifications(world, alert, 3, "together")

    assert AlertGroupObjectPermission.objects.filter(content_object=alert).count() == granted
    after = QueueVersion.objects.get(key="org:test")
    assert (
        (after.token, after.changed_at)
        == (bumped[0].token, bumped[0].changed_at)
        != (
            before.token,
            before.changed_at,
        )
    )
    assert QueueVersion.objects.filter(key="dep:test").exists()
    assert Notification.objects.filter(message__startswith="together").count() == 6
