"""Escalation timing with a moving clock: each level once, in order, at the right time; nothing
about acknowledged or closed fiches; substitutes; one message per person; a second scanner sends
nothing more."""

import datetime

import pytest
import time_machine

from alerts import services
from alerts.escalation import scan_escalations, send_daily_digests
from alerts.models import AlertEvent, EventKind, Notification, OutboxEmail, Outcome, Urgency
from partnerships.models import Role, Substitution
from tests.alerts.factories import filed_alert
from tests.factories import UserFactory

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def at(hours: float):
    return time_machine.travel(START + datetime.timedelta(hours=hours), tick=False)


@pytest.fixture
def people(world):
    # The prefecture referent of the Oise is world.prefect_agent (manager); the DDSP has a manager.
    world.police_agent_2 = UserFactory(organisation=world.police, email="agent2@creil.fr")
    return world


@pytest.fixture
def fiche(people):
    with at(0):
        return filed_alert(site=people.site_creil, reporter=people.landlord_agent, urgency=Urgency.NORMAL)


def escalations(alert, clock="ack"):
    return [
        e.data["level"]
        for e in AlertEvent.objects.filter(alert=alert, kind=EventKind.ESCALATION)
        if e.data["clock"] == clock
    ]


def escalation_recipients(alert, level, clock="ack"):
    event = AlertEvent.objects.get(
        alert=alert, kind=EventKind.ESCALATION, data__level=level, data__clock=clock
    )
    return set(event.data["recipients"])


def test_nothing_escalates_before_the_acknowledgement_is_due(fiche):
    with at(23.9):
        assert scan_escalations() == 0
    assert escalations(fiche) == []


def test_each_level_fires_once_in_order_at_its_time(people, fiche):
    # normal urgency: acknowledge within 24 h, then one more step every 24 h
    with at(24):
        scan_escalations()
    assert escalations(fiche) == [1]
    assert escalation_recipients(fiche, 1) == {
        people.officer.pk,
        people.police_manager.pk,
        people.police_agent_2.pk,
    }
    with at(30):
        scan_escalations()
    assert escalations(fiche) == [1]
    with at(48):
        scan_escalations()
    assert escalation_recipients(fiche, 2) == {people.police_manager.pk}
    with at(72):
        scan_escalations()
    assert escalation_recipients(fiche, 3) == {people.ddsp_manager.pk}
    with at(96):
        scan_escalations()
    assert escalation_recipients(fiche, 4) == {people.prefect_agent.pk}
    with at(500):
        scan_escalations()
    assert escalations(fiche) == [1, 2, 3, 4]
    fiche.refresh_from_db()
    assert fiche.ack_escalation_level == 4


def test_a_scanner_that_was_down_fires_the_missed_levels_in_order_once(fiche):
    with at(80):
        scan_escalations()
        scan_escalations()
    assert escalations(fiche) == [1, 2, 3]


def test_two_scans_of_the_same_moment_send_each_step_once(people, fiche):
    with at(24):
        first = scan_escalations()
        second = scan_escalations()
    assert (first, second) == (1, 0)
    assert OutboxEmail.objects.filter(key__startswith="escalation:ack:").count() == 3


def test_an_acknowledged_fiche_stops_its_acknowledgement_clock(people, fiche):
    with at(25):
        scan_escalations()
        services.alert_acknowledge(actor=people.officer, alert=fiche)
    with at(200):
        scan_escalations()
    assert escalations(fiche) == [1]


def test_the_feedback_clock_runs_on_its_own_and_stops_at_the_first_feedback(people, fiche):
    with at(1):
        services.alert_acknowledge(actor=people.officer, alert=fiche)
    with at(7 * 24):
        scan_escalations()
    assert escalations(fiche, "feedback") == [1]
    assert escalations(fiche, "ack") == []
    with at(7 * 24 + 1):
        services.alert_feedback(actor=people.officer, alert=fiche, message="Patrouille passée.")
    with at(30 * 24):
        scan_escalations()
    assert escalations(fiche, "feedback") == [1]


def test_nothing_is_sent_about_a_closed_fiche(people, fiche):
    with at(1):
        services.alert_acknowledge(actor=people.officer, alert=fiche)
        services.alert_close(actor=people.officer, alert=fiche, outcome=Outcome.PATROL)
    with at(1000):
        assert scan_escalations() == 0


def test_a_redirected_fiche_restarts_its_clock_at_the_new_unit(people, fiche):
    with at(30):
        scan_escalations()
        services.alert_redirect(
            actor=people.officer, alert=fiche, unit=people.gendarmerie, reason="Le site relève de la brigade."
        )
    with at(30 + 23):
        scan_escalations()
    assert escalations(fiche) == [1]
    with at(30 + 24):
        scan_escalations()
    assert escalations(fiche) == [1, 1]
    assert escalation_recipients_last(fiche) == {people.gendarme.pk}


def escalation_recipients_last(alert):
    event = AlertEvent.objects.filter(alert=alert, kind=EventKind.ESCALATION).order_by("-id").first()
    return set(event.data["recipients"])


def test_an_urgent_fiche_escalates_by_the_hour(people):
    with at(0):
        alert = filed_alert(site=people.site_creil, reporter=people.landlord_agent, urgency=Urgency.IMMEDIATE)
    with at(1):
        scan_escalations()
    with at(2):
        scan_escalations()
    assert escalations(alert) == [1, 2]


def test_a_fiche_without_unit_escalates_to_the_prefecture(people):
    with at(0):
        alert = filed_alert(site=people.site_nowhere, reporter=people.landlord_agent)
    with at(24):
        scan_escalations()
    assert escalation_recipients(alert, 1) == {people.prefect_agent.pk}


def test_a_manager_on_leave_is_replaced_by_the_substitute(people, fiche):
    substitute = UserFactory(organisation=people.police, role=Role.MANAGER, email="adjoint@creil.fr")
    Substitution.objects.create(
        user=people.police_manager,
        substitute=substitute,
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 31),
    )
    with at(48):
        scan_escalations()
    assert people.police_manager.pk not in escalation_recipients(fiche, 2)
    assert substitute.pk in escalation_recipients(fiche, 2)


def test_several_due_fiches_make_one_message_per_person(people):
    with at(0):
        alerts = [filed_alert(site=people.site_creil, reporter=people.landlord_agent) for _ in range(3)]
    with at(24):
        scan_escalations()
    mails = OutboxEmail.objects.filter(key__startswith="escalation:ack:", to=[people.officer.email])
    assert mails.count() == 1
    assert all(a.reference in mails.get().body for a in alerts)
    assert Notification.objects.filter(recipient=people.officer, kind="escalation_ack").count() == 3


def test_the_daily_digest_goes_once_a_day_to_managers_with_something_to_read(people, fiche):
    with at(45):  # 07:00 in Paris, when the Oise's managers get theirs
        sent = send_daily_digests()
        again = send_daily_digests()
    assert again == 0
    digests = OutboxEmail.objects.filter(key__startswith="digest:")
    assert sent == digests.count() > 0
    recipients = {mail.to[0] for mail in digests}
    assert people.police_manager.email in recipients
    assert people.prefect_agent.email in recipients
    assert people.officer.email not in recipients  # agents get reminders, not digests
    assert people.prefect_972.email not in recipients  # nothing in Martinique
    assert fiche.reference in digests.get(to=[people.police_manager.email]).body


def test_the_dashboard_shows_late_fiches_first_with_their_level(people, client):
    with at(0):
        late = filed_alert(site=people.site_creil, reporter=people.landlord_agent, urgency=Urgency.NORMAL)
    with at(30):
        fresh = filed_alert(site=people.site_creil, reporter=people.landlord_agent, urgency=Urgency.HIGH)
        scan_escalations()
        client.force_login(people.officer)
        body = client.get("/fiches/file/").content.decode()
        detail = client.get(f"/fiches/{late.pk}/").content.decode()
    # a "haute" fiche normally comes before a "normale" one; the late one comes first
    assert body.index(late.reference) < body.index(fresh.reference)
    assert "Relance prise en compte : niveau 1/4" in detail
    assert "Délai de prise en compte dépassé" in detail  # the escalation on the timeline
