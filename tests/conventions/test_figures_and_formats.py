"""One truth per figure, and inputs and exports made for French users (issue 17, points 3 and 6)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from alerts import services
from alerts.escalation import scan_escalations
from alerts.models import Notification, OutboxEmail, Urgency
from conventions.indicators import Filters
from conventions.models import ActionItem, ActionItemStatus, Meeting, MeetingKind
from conventions.views.indicators import duration
from partnerships.exports import french_number
from tests.alerts.factories import filed_alert
from tests.conventions.factories import make_convention

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def at(hours: float):
    return time_machine.travel(START + datetime.timedelta(hours=hours), tick=False)


def test_the_api_detail_gives_the_same_latest_feedback_as_the_list(world, login):
    with at(0):
        alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
        services.alert_acknowledge(actor=world.officer, alert=alert)
        services.alert_feedback(actor=world.officer, alert=alert, message="Patrouille passée à 22 h.")
    client = login(world.landlord_agent)
    listed = client.get("/api/v1/alerts/").json()["results"][0]
    detail = client.get(f"/api/v1/alerts/{alert.pk}/").json()
    assert listed["latest_feedback"] == detail["latest_feedback"] == "Patrouille passée à 22 h."


@pytest.mark.parametrize(
    ("today", "start", "end"),
    [
        (datetime.date(2026, 12, 31), datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),
        (datetime.date(2028, 3, 1), datetime.date(2027, 4, 1), datetime.date(2028, 3, 31)),
        (datetime.date(2026, 1, 15), datetime.date(2025, 2, 1), datetime.date(2026, 1, 31)),
    ],
)
def test_the_last_twelve_months_are_twelve_whole_calendar_months(today, start, end):
    with time_machine.travel(datetime.datetime.combine(today, datetime.time(12), tzinfo=datetime.UTC)):
        filters = Filters.last_twelve_months()
    assert (filters.start, filters.end) == (start, end)


def test_a_fiche_jumping_levels_in_one_scan_is_announced_once_per_person_at_the_highest_level(world):
    with at(0):
        fiche = filed_alert(site=world.site_creil, reporter=world.landlord_agent, urgency=Urgency.NORMAL)
    with at(80):
        scan_escalations()
    # The unit's manager is told at level 1 (the unit) and 2 (its managers): one notice, level 2.
    notices = Notification.objects.filter(recipient=world.police_manager, alert=fiche, kind="escalation_ack")
    assert [n.message for n in notices] == [
        f"{fiche.reference} : délai de prise en compte dépassé (signalement aux responsables de l'unité)"
    ]
    mail = OutboxEmail.objects.get(key__startswith="escalation:ack:", to=[world.police_manager.email])
    assert mail.body.count(fiche.reference) == 1


def test_an_open_action_item_past_its_due_date_is_marked_late(world, login):
    convention = make_convention(world)
    meeting = Meeting.objects.create(
        convention=convention, kind=MeetingKind.STEERING, date=datetime.date(2026, 1, 5)
    )
    late = ActionItem.objects.create(
        meeting=meeting, text="Diagnostic des halls", owner=world.landlord, due_date=datetime.date(2026, 2, 1)
    )
    done = ActionItem(meeting=meeting, due_date=datetime.date(2026, 2, 1), status=ActionItemStatus.DONE)
    coming = ActionItem(meeting=meeting, due_date=datetime.date(2026, 4, 1))
    with time_machine.travel(datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC)):
        assert (late.is_late, done.is_late, coming.is_late) == (True, False, False)
        page = (
            login(world.prefect_agent)
            .get(reverse("conventions:detail", args=[convention.pk]))
            .content.decode()
        )
    row = page[page.index("Diagnostic des halls") :].split("</tr>")[0]
    assert "En retard" in row


@pytest.mark.parametrize(
    ("hours", "said"),
    [(215.62, "8 j 23 h"), (52, "2 j 4 h"), (5, "5 h"), (4.5, "4 h 30"), (0.67, "40 min"), (None, "—")],
)
def test_delays_read_in_days_and_hours(hours, said):
    assert duration(hours) == said


def test_csv_numbers_have_the_decimal_comma():
    assert [french_number(v) for v in (16.72, 17.0, 3, "16.72")] == ["16,72", "17", 3, "16.72"]


def test_the_indicators_csv_uses_the_decimal_comma_and_durations(world, login):
    from tests.conventions.factories import T0, make_alert

    convention = make_convention(world)
    for hours in (1, 3, 4):
        make_alert(
            world, convention=convention, ack_after=hours * datetime.timedelta(hours=1), submitted_at=T0
        )
    url = reverse("conventions:convention_indicators_export", args=[convention.pk, "csv"])
    body = b"".join(
        login(world.prefect_agent).get(url + "?start=2026-03-01&end=2026-03-31").streaming_content
    )
    text = body.decode("utf-8-sig")
    assert "Délai médian de prise en compte;3 h" in text
    assert "heures" not in text
    assert ".0" not in text.replace("2026", "")


def test_every_date_filter_is_a_native_date_picker(world, login):
    client = login(world.prefect_agent)
    fiches = client.get(reverse("alerts:list")).content.decode()
    audit = client.get(reverse("audit:list")).content.decode()
    for name in ("submitted_from", "submitted_to"):
        assert f'type="date" name="{name}"' in fiches
    assert 'type="date" name="date_from"' in audit
