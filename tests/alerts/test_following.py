"""Following: the reporter and the landlord's managers follow the landlord's fiches, the routed
unit's members follow theirs; each event reaches them but its author, as each chose per kind."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from alerts import following, services
from alerts.escalation import send_daily_digests
from alerts.models import Channel, FollowKind, Notification, OutboxEmail
from tests.alerts.factories import filed_alert
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def told(alert, kind):
    return set(Notification.objects.filter(alert=alert, kind=kind).values_list("recipient__email", flat=True))


def emailed(kind):
    return {row.to[0] for row in OutboxEmail.objects.filter(key__startswith=f"{kind}:")}


def test_the_landlord_hears_back_at_each_step_but_the_author_never_hears_of_their_own_act(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    services.alert_acknowledge(actor=world.officer, alert=alert)
    services.alert_feedback(actor=world.officer, alert=alert, message="Patrouille ce soir")
    services.alert_close(actor=world.officer, alert=alert, outcome="patrol")

    landlord = {world.landlord_agent.email, world.landlord_manager.email}
    for kind in ("alert_acknowledged", "alert_feedback", "alert_closed"):
        assert emailed(kind) == landlord, kind
        assert world.officer.email not in told(alert, kind)
    feedback = Notification.objects.get(recipient=world.landlord_manager, kind="alert_feedback")
    assert "Patrouille ce soir" in feedback.message
    assert feedback.url == f"/fiches/{alert.pk}/"


def test_notifying_followers_costs_a_fixed_number_of_queries_whatever_their_number(
    world, django_assert_num_queries
):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    event = alert.events.order_by("-id").first()
    event.author_id = None  # the platform: nobody left out
    # Followers' choice; in-app rows and outbox rows (PostgreSQL: one statement, the in-app rows'
    # INSERT as the outbox's WITH clause; elsewhere two).
    queries = 2 if connection.vendor == "postgresql" else 3
    with django_assert_num_queries(queries):
        few = following.notify_followers(event=event, kind="alert_comment", message="Essai")
    UserFactory.create_batch(6, organisation=world.officer.organisation)
    UserFactory.create_batch(6, organisation=world.landlord, role="manager")
    with django_assert_num_queries(queries):
        following.notify_followers(event=event, kind="alert_feedback", message="Essai")
    assert len(few) == 4
    # The landlord's reporter, its manager and 6 more; the unit's 2 members and 6 more (digest).
    assert Notification.objects.filter(kind="alert_feedback").count() == 2 + 6 + 2 + 6


def test_a_redirect_moves_the_following_to_the_new_unit(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    services.alert_redirect(actor=world.officer, alert=alert, unit=world.gendarmerie, reason="Secteur")
    services.alert_comment(actor=world.landlord_agent, alert=alert, message="Toujours là")

    assert told(alert, "alert_comment") == {world.landlord_manager.email, world.gendarme.email}
    assert emailed("alert_redirected") == {
        world.landlord_agent.email,
        world.landlord_manager.email,
        world.gendarme.email,
    }


def test_an_internal_comment_notifies_only_its_own_organisation(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    services.alert_comment(actor=world.officer, alert=alert, message="Entre nous", internal=True)
    assert told(alert, "alert_comment") == {world.police_manager.email}


def test_a_follower_who_chose_never_is_not_told_and_one_who_chose_the_digest_reads_it_next_morning(world):
    following.notification_preferences_set(
        actor=world.landlord_agent, choices={FollowKind.FEEDBACK: Channel.NEVER}
    )
    following.notification_preferences_set(
        actor=world.landlord_manager, choices={FollowKind.FEEDBACK: Channel.DIGEST}
    )
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    services.alert_feedback(actor=world.officer, alert=alert, message="Patrouille ce soir")

    # The unit's other members read their colleague's feedback in the digest by default.
    assert told(alert, "alert_feedback") == {world.landlord_manager.email, world.police_manager.email}
    assert emailed("alert_feedback") == set()
    # Next morning at 07:30 local time, when digests go.
    send_daily_digests(now=timezone.localtime().replace(hour=7, minute=30) + datetime.timedelta(days=1))
    digest = OutboxEmail.objects.get(key__startswith=f"digest:{world.landlord_manager.pk}:")
    assert "Suivi de vos fiches" in digest.body
    assert "Patrouille ce soir" in digest.body
    assert not Notification.objects.filter(digest_pending=True, recipient=world.landlord_manager).exists()


def test_preferences_page_saves_the_choices_and_the_header_counts_unread_notifications(world, login):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    services.alert_feedback(actor=world.officer, alert=alert, message="Patrouille ce soir")
    client = login(world.landlord_manager)

    page = client.get(reverse("alerts:notifications"), {"type": FollowKind.FEEDBACK}).content.decode()
    # The new fiche (daily digest by default for a landlord manager) and the feedback.
    assert "2 non lues" in page
    assert "Patrouille ce soir" in page
    assert "Nouvelle fiche alerte" not in page
    assert "Nouvelle fiche alerte" in client.get(reverse("alerts:notifications")).content.decode()

    response = client.post(reverse("alerts:preferences"), {FollowKind.COMMENT: Channel.NEVER})
    assert response.status_code == 302
    assert following.preferences_of(world.landlord_manager)[FollowKind.COMMENT] == Channel.NEVER
    assert following.preferences_of(world.landlord_manager)[FollowKind.FEEDBACK] == Channel.IMMEDIATE


@pytest.mark.parametrize("routed", [True, False])
@pytest.mark.parametrize("reported", [True, False])
@pytest.mark.parametrize("authored", [True, False])
@pytest.mark.parametrize("internal", [True, False])
def test_the_followers_statement_compiled_once_reads_what_the_orm_query_reads(
    world, routed, reported, authored, internal
):
    """following.follower_rows runs followers_query's SQL compiled once per shape with markers for
    the values: each shape, with a second fiche's values, reads the same rows as the ORM."""
    UserFactory(organisation=world.officer.organisation, is_active=False)
    following.NotificationPreference.objects.create(
        user=world.landlord_manager, kind=FollowKind.ROUTING, channel=Channel.NEVER
    )
    for site in (world.site_creil, world.site_nowhere):  # routed to Creil's police; not routed
        alert = filed_alert(site=site, reporter=world.landlord_agent)
        if (alert.routed_unit_id is not None) != routed:
            continue
        if not reported:
            alert.reporter_id = None
        options = {
            "author_id": world.officer.pk if authored else None,
            "internal_to_id": world.officer.organisation_id if internal else None,
        }
        for kind in (FollowKind.ROUTING, FollowKind.NEW):
            rows = following.follower_rows(alert, kind, **options)
            assert sorted(rows) == sorted(following.followers_query(alert, kind, **options))
            assert rows or internal
