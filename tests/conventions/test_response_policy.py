import datetime

import pytest
from django.urls import reverse

from conventions.delays import add_working_days, deadlines
from conventions.models import Convention, ResponsePolicy, Signatory
from tests.alerts.factories import filed_alert

PARIS = datetime.timezone(datetime.timedelta(hours=2))


@pytest.fixture
def convention(world):
    convention = Convention.objects.create(
        title="Convention de l'Oise",
        department=world.oise,
        status="active",
        effective_from=datetime.date(2020, 1, 1),
    )
    for org in (world.prefecture, world.landlord, world.police):
        Signatory.objects.create(convention=convention, organisation=org)
    return convention


def test_without_any_policy_the_documented_defaults_apply(db):
    start = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
    assert deadlines(None, "60", "immediate", start) == (
        start + datetime.timedelta(hours=1),
        start + datetime.timedelta(days=1),
    )
    assert deadlines(None, "60", "normal", start) == (
        start + datetime.timedelta(hours=24),
        start + datetime.timedelta(days=7),
    )


def test_a_convention_policy_overrides_the_departement_default(world, convention):
    ResponsePolicy.objects.create(department=world.oise, normal_ack_hours=12)
    ResponsePolicy.objects.create(convention=convention, normal_ack_hours=6)
    start = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
    assert deadlines(convention, "60", "normal", start)[0] == start + datetime.timedelta(hours=6)
    assert deadlines(None, "60", "normal", start)[0] == start + datetime.timedelta(hours=12)
    assert deadlines(None, "972", "normal", start)[0] == start + datetime.timedelta(hours=24)


def test_working_days_skip_weekends_and_martinique_s_abolition_day(db):
    # Thursday 21 May 2026; 22 May is the abolition of slavery in Martinique, not in the Oise.
    start = datetime.datetime(2026, 5, 21, 10, tzinfo=PARIS)
    assert add_working_days(start, 1, "972").date() == datetime.date(
        2026, 5, 26
    )  # Fri off, weekend, Whit Monday
    assert add_working_days(start, 1, "60").date() == datetime.date(2026, 5, 22)


def test_the_feedback_clock_may_count_working_days(world):
    ResponsePolicy.objects.create(department=world.oise, normal_feedback_days=3, feedback_working_days=True)
    friday = datetime.datetime(2026, 3, 6, 15, tzinfo=PARIS)
    assert deadlines(None, "60", "normal", friday)[1].date() == datetime.date(2026, 3, 11)


def test_a_new_policy_applies_to_new_fiches_only(world, convention):
    before = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    ResponsePolicy.objects.create(convention=convention, normal_ack_hours=2)
    after = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    before.refresh_from_db()
    assert before.ack_due_at - before.submitted_at == datetime.timedelta(hours=24)
    assert after.convention == convention
    assert after.ack_due_at - after.submitted_at == datetime.timedelta(hours=2)


def test_the_prefecture_edits_its_departement_default(world, client):
    client.force_login(world.prefect_agent)
    url = reverse("conventions:response_policy")
    assert client.get(url).status_code == 200
    data = {
        "immediate_ack_hours": 1,
        "immediate_feedback_days": 1,
        "high_ack_hours": 3,
        "high_feedback_days": 2,
        "normal_ack_hours": 20,
        "normal_feedback_days": 5,
        "feedback_working_days": "on",
    }
    assert client.post(url, data).status_code == 302
    policy = ResponsePolicy.objects.get(department=world.oise, convention__isnull=True)
    assert (policy.normal_ack_hours, policy.feedback_working_days, policy.updated_by) == (
        20,
        True,
        world.prefect_agent,
    )


def test_a_zero_delay_is_refused_in_french(world, client):
    client.force_login(world.prefect_agent)
    data = {
        "immediate_ack_hours": 0,
        "immediate_feedback_days": 1,
        "high_ack_hours": 3,
        "high_feedback_days": 2,
        "normal_ack_hours": 20,
        "normal_feedback_days": 5,
    }
    response = client.post(reverse("conventions:response_policy"), data)
    assert response.status_code == 200
    assert "supérieure ou égale à 1" in response.content.decode()
    assert not ResponsePolicy.objects.exists()


@pytest.mark.parametrize("user_attr", ["landlord_manager", "police_manager", "mayor", "prefect_972"])
def test_only_the_prefecture_of_the_departement_edits_a_convention_s_delays(
    world, convention, client, user_attr
):
    client.force_login(getattr(world, user_attr))
    assert (
        client.get(reverse("conventions:convention_response_policy", args=[convention.pk])).status_code == 404
    )
    if user_attr != "prefect_972":
        assert client.get(reverse("conventions:response_policy")).status_code == 404


def test_the_prefecture_gives_a_convention_its_own_delays(world, convention, client):
    client.force_login(world.prefect_agent)
    url = reverse("conventions:convention_response_policy", args=[convention.pk])
    assert "applique aujourd'hui les délais du département" in client.get(url).content.decode()
    data = {
        "immediate_ack_hours": 1,
        "immediate_feedback_days": 1,
        "high_ack_hours": 2,
        "high_feedback_days": 2,
        "normal_ack_hours": 8,
        "normal_feedback_days": 4,
    }
    client.post(url, data)
    assert ResponsePolicy.objects.get(convention=convention).normal_ack_hours == 8
    assert not ResponsePolicy.objects.filter(department__isnull=False).exists()
