"""Reminders of the conventions' follow-up: action items due within 7 days then overdue, periodic
points due within 30 days then late, conventions ending within 90 then 30 days — to the owners'
managers and the prefecture's referents, each once, as each chose, substitutes standing in."""

import datetime
import os

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from alerts.escalation import send_daily_digests
from alerts.following import notification_preferences_set
from alerts.models import Channel, FollowKind, Notification, OutboxEmail
from conventions.models import ActionItem, Meeting, MeetingKind, ReminderSent
from conventions.reminders import reminders_send
from partnerships.models import Role, Substitution
from tests.conventions.factories import make_convention
from tests.factories import UserFactory
from tests.net import wait_for


def paris(day: str, hour: int = 7) -> datetime.datetime:
    """`hour` o'clock in Paris on `day` (summer time: UTC+2)."""
    return datetime.datetime.fromisoformat(day).replace(hour=hour - 2, tzinfo=datetime.UTC)


@pytest.fixture
def convention(world):
    """Signed by the prefecture, the landlord and the Creil police: a periodic point every 6 months
    from 10 January 2026 (so due on 10 July) when asked for."""
    return make_convention(
        world,
        organisations=[world.prefecture, world.landlord, world.police],
        effective_from=datetime.date(2026, 1, 10),
    )


@pytest.fixture
def action(world, convention):
    meeting = Meeting.objects.create(
        convention=convention, kind=MeetingKind.STEERING, date=datetime.date(2026, 3, 1)
    )
    return ActionItem.objects.create(
        meeting=meeting,
        text="Installer l'éclairage du parking",
        owner=world.police,
        due_date=datetime.date(2026, 6, 20),
    )


def told(kind, user=None):
    rows = Notification.objects.filter(kind=kind)
    return rows.filter(recipient=user) if user else rows


def mails(user):
    return OutboxEmail.objects.filter(key__startswith="reminder:", to=[user.email])


def test_an_action_item_due_within_a_week_reminds_its_owners_managers_and_the_referents_once(world, action):
    assert reminders_send(now=paris("2026-06-12")) == 0  # eight days before: not yet
    assert reminders_send(now=paris("2026-06-13")) == 2
    assert reminders_send(now=paris("2026-06-13", hour=9)) == 0  # the next hourly run: nothing new

    assert {n.recipient for n in told(FollowKind.ACTION_REMINDER)} == {
        world.police_manager,
        world.prefect_agent,
    }
    [notification] = told(FollowKind.ACTION_REMINDER, world.police_manager)
    assert notification.message == (
        "Rappel : l'action « Installer l'éclairage du parking » (Convention de l'Oise) est à mener "
        "d'ici le 20/06/2026."
    )
    assert notification.url == reverse("conventions:partner", args=[action.meeting.convention_id])
    assert told(FollowKind.ACTION_REMINDER, world.prefect_agent).get().url == reverse(
        "conventions:detail", args=[action.meeting.convention_id]
    )
    assert mails(world.police_manager).count() == 1  # at once by default
    assert f"{settings.SITE_URL}{notification.url}" in mails(world.police_manager).get().body
    assert not told(FollowKind.ACTION_REMINDER, world.officer).exists()  # agents are not owners' managers


def test_an_overdue_action_item_is_reminded_once_more_and_a_done_one_never(world, action):
    reminders_send(now=paris("2026-06-13"))
    assert reminders_send(now=paris("2026-06-21")) == 2
    assert reminders_send(now=paris("2026-06-22")) == 0
    late = told(FollowKind.ACTION_REMINDER, world.police_manager).get(message__contains="en retard")
    assert "en retard depuis le 20/06/2026" in late.message

    action.due_date = datetime.date(2026, 7, 1)  # postponed: a new due date is reminded again
    action.save()
    assert reminders_send(now=paris("2026-06-25")) == 2
    action.status = "done"
    action.save()
    assert reminders_send(now=paris("2026-07-02")) == 0


def test_a_periodic_point_reminds_both_partners_within_30_days_then_when_late(world, convention):
    convention.periodic_review_months = 6
    convention.save()
    assert reminders_send(now=paris("2026-06-09")) == 0
    assert reminders_send(now=paris("2026-06-10")) == 3
    assert {n.recipient for n in told(FollowKind.PERIODIC_REMINDER)} == {
        world.landlord_manager,
        world.police_manager,
        world.prefect_agent,
    }
    assert "d'ici le 10/07/2026" in told(FollowKind.PERIODIC_REMINDER, world.landlord_manager).get().message
    assert reminders_send(now=paris("2026-07-11")) == 3
    assert (
        told(FollowKind.PERIODIC_REMINDER, world.landlord_manager)
        .filter(message__contains="en retard")
        .exists()
    )

    # The point held: the next one, six months on, is far away.
    meeting = Meeting.objects.create(
        convention=convention, kind=MeetingKind.PERIODIC, date=datetime.date(2026, 7, 15)
    )
    meeting.attendees.add(world.landlord, world.police)
    assert reminders_send(now=paris("2026-07-16")) == 0


def test_a_convention_ending_is_reminded_at_90_then_30_days_in_the_morning_digest(world, convention):
    convention.effective_until = datetime.date(2026, 9, 30)
    convention.save()
    assert reminders_send(now=paris("2026-07-01", hour=6)) == 0  # 91 days before
    assert reminders_send(now=paris("2026-07-02", hour=6)) == 3  # the three signatories' managers
    assert reminders_send(now=paris("2026-08-31", hour=6)) == 3
    assert reminders_send(now=paris("2026-09-01", hour=6)) == 0

    # By default an expiry waits for the digest: no e-mail of its own, one line in the 07:00 digest.
    assert not OutboxEmail.objects.filter(key__startswith="reminder:").exists()
    notification = told(FollowKind.EXPIRY_REMINDER, world.landlord_manager).first()
    assert notification.digest_pending
    send_daily_digests(now=paris("2026-09-01"))
    digest = OutboxEmail.objects.get(key__startswith="digest:", to=[world.landlord_manager.email])
    assert "Rappels de vos conventions (2)" in digest.body
    assert "prend fin le 30/09/2026, dans moins de 30 jours" in digest.body


def test_a_tacitly_renewed_convention_has_no_expiry_reminder(world, convention):
    convention.effective_until = datetime.date(2026, 9, 30)
    convention.tacit_renewal = True
    convention.save()
    assert reminders_send(now=paris("2026-09-01")) == 0


def test_each_person_hears_as_they_chose_and_never_means_never(world, action):
    notification_preferences_set(
        actor=world.police_manager, choices={FollowKind.ACTION_REMINDER: Channel.NEVER}
    )
    notification_preferences_set(
        actor=world.prefect_agent, choices={FollowKind.ACTION_REMINDER: Channel.DIGEST}
    )
    assert reminders_send(now=paris("2026-06-13")) == 2
    assert not told(FollowKind.ACTION_REMINDER, world.police_manager).exists()
    assert told(FollowKind.ACTION_REMINDER, world.prefect_agent).get().digest_pending
    assert not OutboxEmail.objects.filter(key__startswith="reminder:").exists()
    # Chosen « never », still counted as told: choosing again later does not replay old reminders.
    notification_preferences_set(
        actor=world.police_manager, choices={FollowKind.ACTION_REMINDER: Channel.IMMEDIATE}
    )
    assert reminders_send(now=paris("2026-06-14")) == 0


def test_a_manager_on_leave_is_replaced_by_the_substitute_once(world, action):
    substitute = UserFactory(organisation=world.police, role=Role.MANAGER, email="adjoint@creil.fr")
    Substitution.objects.create(
        user=world.police_manager,
        substitute=substitute,
        starts_on=datetime.date(2026, 6, 1),
        ends_on=datetime.date(2026, 6, 30),
    )
    reminders_send(now=paris("2026-06-13"))
    assert not told(FollowKind.ACTION_REMINDER, world.police_manager).exists()
    # The substitute is an owner's manager too: one message, not two.
    assert told(FollowKind.ACTION_REMINDER, substitute).count() == 1
    assert mails(substitute).count() == 1
    assert set(ReminderSent.objects.values_list("recipient", flat=True)) == {
        world.police_manager.pk,
        substitute.pk,
        world.prefect_agent.pk,
    }


def test_reminders_wait_for_the_morning_in_the_conventions_own_time_zone(world):
    convention = make_convention(
        world,
        title="Convention de la Martinique",
        department=world.martinique,
        organisations=[world.prefecture_972, world.landlord_972, world.police_972],
        effective_until=datetime.date(2026, 7, 31),
    )
    at_paris_7 = paris("2026-06-01")  # 01:00 in Martinique
    assert reminders_send(now=at_paris_7) == 0
    assert reminders_send(now=at_paris_7 + datetime.timedelta(hours=5)) == 1  # 06:00 there: its referent
    assert told(FollowKind.EXPIRY_REMINDER, world.prefect_972).get().url == reverse(
        "conventions:detail", args=[convention.pk]
    )


def test_a_run_costs_the_same_queries_whatever_the_number_of_items_and_people(
    world, convention, django_assert_num_queries
):
    convention.periodic_review_months = 6
    convention.save()
    meeting = Meeting.objects.create(
        convention=convention, kind=MeetingKind.STEERING, date=datetime.date(2026, 3, 1)
    )
    # A periodic point the police missed: its attendees are read, the landlord-police point stays due.
    Meeting.objects.create(
        convention=convention, kind=MeetingKind.PERIODIC, date=datetime.date(2026, 3, 1)
    ).attendees.add(world.landlord)

    def run(day, items, managers):
        for n in range(items):
            ActionItem.objects.create(meeting=meeting, text=f"Action {n}", owner=world.police, due_date=day)
        for _n in range(managers):
            UserFactory(organisation=world.police, role=Role.MANAGER)
        # The actions, the conventions with their signatories, periodic meetings and attendees, the
        # people, the rows already sent, the signatories for the links, the substitutes, the choices,
        # then three bulk INSERTs (rows sent, notifications, outbox), inside one savepoint.
        with django_assert_num_queries(15):
            return reminders_send(now=paris(day.isoformat()))

    assert run(datetime.date(2026, 6, 12), items=1, managers=0) > 0
    assert run(datetime.date(2026, 6, 14), items=6, managers=4) > 0


def test_the_reminder_opens_from_the_notifications_page(world, action, client):
    reminders_send(now=paris("2026-06-13"))
    client.force_login(world.police_manager)
    page = client.get(reverse("alerts:notifications"), {"type": FollowKind.ACTION_REMINDER}).content.decode()
    assert "Installer l&#x27;éclairage du parking" in page
    assert "Ouvrir" in page
    notification = told(FollowKind.ACTION_REMINDER, world.police_manager).get()
    response = client.post(
        reverse("alerts:notifications"), {"notification": notification.pk, "open": notification.url}
    )
    assert response.url == notification.url
    assert client.get(notification.url).status_code == 200


def test_the_reminder_kinds_are_on_the_preferences_page(world, client):
    client.force_login(world.police_manager)
    page = client.get(reverse("alerts:preferences")).content.decode()
    assert "Rappel : action à mener bientôt due ou en retard" in page
    assert "Rappel : convention arrivant à échéance" in page


def test_the_beat_runs_the_reminders_hourly():
    entry = settings.CELERY_BEAT_SCHEDULE["conventions-reminders"]
    assert entry["task"] == "conventions.tasks.send_reminders_task"


def test_the_command_sends_what_is_due_now_once(world, convention, capsys):
    meeting = Meeting.objects.create(
        convention=convention, kind=MeetingKind.STEERING, date=timezone.localdate()
    )
    ActionItem.objects.create(
        meeting=meeting, text="Action", owner=world.police, due_date=timezone.localdate()
    )
    call_command("send_reminders")
    call_command("send_reminders")
    assert capsys.readouterr().out.splitlines() == ["Rappels envoyés : 2", "Rappels envoyés : 0"]


@pytest.mark.worker
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a Redis broker (REDIS_URL), as in CI")
@pytest.mark.django_db(transaction=True)
# One test process at a time: the broker's queue is shared (see tests/alerts/test_notifications.py).
@pytest.mark.xdist_group("shared-redis-worker")
def test_a_real_worker_runs_the_beat_task_and_delivers_each_reminder_once(world, convention):
    from celery.contrib.testing.worker import start_worker

    from alerts.outbox import deliver_outbox
    from conventions.tasks import send_reminders_task
    from partnerships.celery import app

    today = timezone.localdate()
    meeting = Meeting.objects.create(convention=convention, kind=MeetingKind.STEERING, date=today)
    ActionItem.objects.create(meeting=meeting, text="Action", owner=world.police, due_date=today)
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        send_reminders_task.delay()
        rows = OutboxEmail.objects.filter(key__startswith="reminder:")
        assert wait_for(lambda: rows.count() == 2 and not rows.exclude(status="sent").exists())
        # A second run sends nothing: the solo worker runs its tasks in order, so once a marker queued
        # after it is sent, the second run is over.
        send_reminders_task.delay()
        marker = OutboxEmail.objects.create(
            key="test:marker", to=["marker@example.fr"], subject="M", body="M"
        )
        deliver_outbox.delay(marker.pk)
        assert wait_for(lambda: OutboxEmail.objects.get(pk=marker.pk).status == "sent")
    assert ReminderSent.objects.count() == 2
    reminded = sorted(m.to[0] for m in mail.outbox if m.to != ["marker@example.fr"])
    assert reminded == sorted([world.police_manager.email, world.prefect_agent.email])
