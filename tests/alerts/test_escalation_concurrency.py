"""Two beat schedulers running at once (a classic deployment mistake): SELECT … FOR UPDATE SKIP
LOCKED hands each due fiche to one scanner only, and a raised level is never raised again."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from alerts.escalation import scan_escalations
from alerts.models import Alert, AlertEvent, EventKind, OutboxEmail
from tests.alerts.factories import filed_alert

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_two_scanners_at_once_raise_each_step_exactly_once(world):
    alerts = [filed_alert(site=world.site_creil, reporter=world.landlord_agent) for _ in range(40)]
    past = timezone.now() - datetime.timedelta(hours=1)
    Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(ack_due_at=past)

    barrier = threading.Barrier(2)
    results, errors = [], []

    def scanner():
        try:
            barrier.wait()
            results.append(scan_escalations(batch_size=5))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scanner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert not errors
    assert sum(results) == 40
    events = AlertEvent.objects.filter(kind=EventKind.ESCALATION, alert__in=alerts)
    assert events.count() == 40
    assert set(events.values_list("alert_id", flat=True)) == {a.pk for a in alerts}
    # one grouped message per officer and per scanner batch: never the same fiche twice
    keys = list(OutboxEmail.objects.filter(key__startswith="escalation:ack:").values_list("key", flat=True))
    assert len(keys) == len(set(keys))
    bodies = OutboxEmail.objects.filter(key__startswith="escalation:ack:", to=[world.officer.email])
    mentioned = [a.reference for a in alerts for mail in bodies if a.reference in mail.body]
    assert sorted(mentioned) == sorted(a.reference for a in alerts)
