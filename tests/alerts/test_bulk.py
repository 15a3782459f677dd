"""insert_new (alerts/bulk.py): bulk_create's INSERT compiled once per model writes what bulk_create
writes and gives the instances their ids."""

import pytest
from django.forms.models import model_to_dict

from alerts.bulk import insert_new
from alerts.models import AlertEvent, Notification
from partnerships.models import AuditEntry
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
