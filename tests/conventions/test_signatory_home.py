"""The homes of the signatories outside the fiches' chain: the mayor (its communes' figures, its
conventions, the map) and the parquet (its conventions, aggregated figures, meetings and minutes;
nominative fiches only where a convention's switch, off by default, says so)."""

import datetime

import pytest
from django.urls import reverse

from alerts.models import Alert
from alerts.permissions import alert_policy
from conventions.models import Meeting, MeetingKind
from conventions.permissions import indicator_reader
from conventions.services import convention_update
from partnerships.models import OrganisationKind, Role
from tests.conventions.factories import make_alert, make_convention
from tests.factories import OrganisationFactory, UserFactory


@pytest.fixture
def parquet(world):
    return OrganisationFactory(kind=OrganisationKind.PARQUET, department=world.oise, name="Parquet de Senlis")


@pytest.fixture
def parquet_manager(parquet):
    return UserFactory(organisation=parquet, role=Role.MANAGER, email="substitut@justice.fr")


def _signed_by(world, *organisations, **fields):
    return make_convention(
        world, organisations=[world.prefecture, world.landlord, world.ddsp, *organisations], **fields
    )


def _sign_switch(world, convention, on: bool):
    convention_update(
        actor=world.prefect_agent,
        convention=convention,
        data={"parquet_reads_fiches": on},
        organisations=[s.organisation for s in convention.signatories.all()],
    )


def test_the_mayor_s_home_shows_its_communes_figures_its_conventions_and_the_map(world, login):
    world.mayor.role = Role.MANAGER
    world.mayor.save()
    convention = _signed_by(world, world.mairie, title="Convention de Creil")
    make_alert(world, convention=convention)

    page = login(world.mayor).get(reverse("home"))

    body = page.content.decode()
    assert 'data-testid="home-figures"' in body
    assert 'data-testid="home-map"' in body
    assert "Creil" in body
    assert "Convention de Creil" in body
    assert "Occupation du hall" not in body  # aggregated only: no fiche
    assert page.context["home_indicators"]["reader"].aggregated_only


def test_the_parquet_s_home_shows_its_conventions_meetings_and_minutes_but_no_fiche_by_default(
    world, login, parquet, parquet_manager
):
    convention = _signed_by(world, parquet, title="Convention avec le parquet")
    make_alert(world, convention=convention)
    Meeting.objects.create(
        convention=convention,
        kind=MeetingKind.STEERING,
        date=datetime.date(2026, 6, 1),
        minutes="Bilan partagé",
    )
    _signed_by(world, title="Convention sans le parquet")

    page = login(parquet_manager).get(reverse("home"))

    body = page.content.decode()
    assert page.context["panel"] == "parquet"
    assert "Convention avec le parquet" in body
    assert "Convention sans le parquet" not in body
    assert "Bilan partagé" in body
    assert 'data-testid="home-no-fiches"' in body
    assert reverse("admin:index") not in body


def test_the_parquet_counts_only_the_fiches_of_the_conventions_it_signed(world, parquet, parquet_manager):
    signed = _signed_by(world, parquet)
    other = _signed_by(world, title="Autre")
    mine = make_alert(world, convention=signed)
    make_alert(world, convention=other)

    reader = indicator_reader(parquet_manager)

    assert list(Alert.objects.filter(reader.alerts)) == [mine]
    assert reader.aggregated_only
    assert not reader.can_list_fiches


def test_the_parquet_reads_a_fiche_only_once_its_convention_s_switch_is_on_and_the_change_is_in_history(
    world, login, parquet, parquet_manager
):
    convention = _signed_by(world, parquet)
    alert = make_alert(world, convention=convention)
    url = reverse("alerts:detail", args=[alert.pk])
    client = login(parquet_manager)
    assert client.get(url).status_code == 404

    _sign_switch(world, convention, True)

    assert client.get(url).status_code == 200
    assert alert.reference in client.get(reverse("home")).content.decode()
    event = convention.events.get(action="update")
    assert event.data["fields"] == ["parquet_reads_fiches"]
    assert event.actor == world.prefect_agent


def test_the_switch_of_a_convention_the_parquet_did_not_sign_opens_nothing(
    world, login, parquet, parquet_manager
):
    convention = _signed_by(world, parquet_reads_fiches=True)
    make_alert(world, convention=convention)

    assert not alert_policy.instances(parquet_manager).exists()


def test_the_parquet_never_acts_on_a_fiche_it_may_read(world, parquet, parquet_manager):
    convention = _signed_by(world, parquet, parquet_reads_fiches=True)
    alert = make_alert(world, convention=convention)

    assert alert_policy.has_permission(parquet_manager, "view", alert)
    assert not any(
        alert_policy.has_permission(parquet_manager, a, alert) for a in ("change", "file", "route")
    )
