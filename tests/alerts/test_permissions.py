import datetime

import pytest
from django.utils import timezone

from alerts import selectors, services
from alerts.models import Alert, Status
from alerts.permissions import alert_policy
from partnerships.services.permissions import revoke
from tests.alerts.factories import draft_alert, filed_alert
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fiches(world):
    """One fiche per routing case plus a draft and another landlord's fiche."""
    return {
        "creil": filed_alert(site=world.site_creil, reporter=world.landlord_agent),
        "meru": filed_alert(site=world.site_meru, reporter=world.landlord_agent),
        "nowhere": filed_alert(site=world.site_nowhere, reporter=world.landlord_agent),
        "draft": draft_alert(site=world.site_creil, reporter=world.landlord_agent),
        "other": filed_alert(site=world.other_site, reporter=world.other_landlord_agent),
    }


# Who sees which fiche.
VISIBLE = {
    "landlord_agent": {"creil", "meru", "nowhere", "draft"},
    "landlord_manager": {"creil", "meru", "nowhere", "draft"},
    "other_landlord_agent": {"other"},
    "officer": {"creil", "other"},
    "police_manager": {"creil", "other"},
    "ddsp_manager": {"creil", "other"},
    "gendarme": {"meru"},
    "prefect_agent": {"creil", "meru", "nowhere", "other"},
    "prefect_972": set(),
    "mayor": set(),
}


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_each_role_sees_exactly_its_fiches_in_lists_and_object_checks(world, fiches, role):
    user = getattr(world, role)
    expected = {fiches[name].pk for name in VISIBLE[role]}
    assert set(alert_policy.instances(user, "view").values_list("pk", flat=True)) == expected
    assert set(selectors.alert_list(user=user).values_list("pk", flat=True)) == expected
    for name, alert in fiches.items():
        assert alert_policy.has_permission(user, "view", Alert.objects.get(pk=alert.pk)) == (
            name in VISIBLE[role]
        )


def test_a_superuser_sees_everything(world, fiches):
    admin = UserFactory(organisation=None, is_superuser=True, is_staff=True)
    assert alert_policy.instances(admin, "view").count() == len(fiches)


def test_the_object_check_of_the_routed_unit_follows_the_guardian_grant(world, fiches):
    alert = fiches["creil"]
    assert alert_policy.has_permission(world.officer, "change", alert)
    revoke(organisation=world.police, perms=["alerts.change_alert"], obj=alert)
    assert not alert_policy.has_permission(world.officer, "change", Alert.objects.get(pk=alert.pk))


def test_buttons_reflect_side_and_status(world, fiches):
    alert = fiches["creil"]
    assert alert_policy.can(world.officer, "acknowledge", alert)
    assert not alert_policy.can(world.landlord_agent, "acknowledge", alert)
    assert not alert_policy.can(world.officer, "reopen", alert)
    assert alert_policy.can(world.landlord_agent, "comment", alert)
    assert alert_policy.can(world.prefect_agent, "redirect", alert)
    assert not alert_policy.can(world.prefect_agent, "route", alert)
    assert alert_policy.can(world.prefect_agent, "route", fiches["nowhere"])
    services.alert_acknowledge(actor=world.officer, alert=alert)
    assert not alert_policy.can(world.officer, "acknowledge", alert)


def test_internal_comments_are_read_only_by_their_organisation(world, fiches):
    alert = fiches["creil"]
    services.alert_comment(actor=world.officer, alert=alert, message="Note interne police", internal=True)
    services.alert_comment(actor=world.officer, alert=alert, message="Patrouille prévue ce soir")
    services.alert_comment(actor=world.landlord_agent, alert=alert, message="Interne bailleur", internal=True)

    def messages(user):
        return {e.message for e in selectors.alert_timeline(user=user, alert=alert)}

    assert {"Note interne police", "Patrouille prévue ce soir"} <= messages(world.police_manager)
    assert "Interne bailleur" not in messages(world.officer)
    assert "Note interne police" not in messages(world.landlord_agent)
    assert "Interne bailleur" in messages(world.landlord_manager)
    assert "Note interne police" not in messages(world.prefect_agent)


def test_the_reporter_is_hidden_from_forces_unless_allowed(world):
    hidden = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    shown = filed_alert(site=world.site_creil, reporter=world.landlord_agent, reporter_visible=True)
    assert world.landlord_agent.email not in selectors.reporter_label(hidden, world.officer)
    assert world.landlord.name in selectors.reporter_label(hidden, world.officer)
    assert world.landlord_agent.email in selectors.reporter_label(shown, world.officer)
    assert world.landlord_agent.email in selectors.reporter_label(hidden, world.prefect_agent)
    event = hidden.events.first()
    assert world.landlord_agent.email not in selectors.event_author_label(event, hidden, world.officer)


def test_drafts_are_invisible_outside_the_landlord(world, fiches):
    draft = fiches["draft"]
    assert draft.status == Status.DRAFT
    for user in (world.officer, world.prefect_agent, world.other_landlord_agent):
        assert not alert_policy.has_permission(user, "view", draft)
    assert alert_policy.has_permission(world.landlord_manager, "file", draft)


def test_status_counts_are_scoped_and_complete(world, fiches):
    counts = selectors.status_counts(user=world.officer, filters={})
    assert counts[Status.SUBMITTED] == 2
    assert counts[Status.DRAFT] == 0
    assert set(counts) == set(Status.values)
    landlord = selectors.status_counts(user=world.landlord_agent, filters={"site": world.site_creil.pk})
    assert landlord[Status.SUBMITTED] == 1
    assert landlord[Status.DRAFT] == 1


def test_filters_overdue_and_due_soon(world, fiches):
    late = fiches["creil"]
    Alert.objects.filter(pk=late.pk).update(ack_due_at=timezone.now() - datetime.timedelta(minutes=5))
    soon = fiches["other"]
    Alert.objects.filter(pk=soon.pk).update(ack_due_at=timezone.now() + datetime.timedelta(hours=1))
    assert list(selectors.alert_list(user=world.officer, filters={"overdue": "true"})) == [late]
    assert list(selectors.alert_list(user=world.officer, filters={"due_soon": "true"})) == [soon]
    assert list(selectors.alert_list(user=world.officer, filters={"q": late.reference})) == [late]
    assert list(selectors.alert_list(user=world.officer, filters={"landlord": world.other_landlord.pk})) == [
        soon
    ]


def test_forces_get_the_most_urgent_then_oldest_first(world):
    old_normal = filed_alert(site=world.site_creil, reporter=world.landlord_agent, urgency="normal")
    new_normal = filed_alert(site=world.site_creil, reporter=world.landlord_agent, urgency="normal")
    immediate = filed_alert(site=world.site_creil, reporter=world.landlord_agent, urgency="immediate")
    assert list(selectors.alert_list(user=world.officer)) == [immediate, old_normal, new_normal]
    assert list(selectors.alert_list(user=world.landlord_agent)) == [immediate, new_normal, old_normal]


def test_the_landlord_list_carries_the_latest_shared_feedback(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    services.alert_feedback(actor=world.officer, alert=alert, message="Premier retour")
    services.alert_feedback(actor=world.officer, alert=alert, message="Dernier retour")
    assert (
        selectors.alert_list(user=world.landlord_agent).get(pk=alert.pk).latest_feedback == "Dernier retour"
    )
