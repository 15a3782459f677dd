import datetime

import pytest
from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator

from conventions.models import ActionItem, Meeting, MeetingKind
from conventions.services import commitment_create
from tests.conventions.factories import make_alert, make_convention

H = datetime.timedelta(hours=1)


@pytest.fixture
def convention(world):
    convention = make_convention(world)
    commitment_create(
        actor=None,
        convention=convention,
        text="Partage d'information",
        responsible=[world.landlord, world.ddsp],
    )
    meeting = Meeting.objects.create(
        convention=convention, kind=MeetingKind.STEERING, date=datetime.date(2026, 2, 1)
    )
    ActionItem.objects.create(meeting=meeting, text="Diagnostic des halls", owner=world.landlord)
    return convention


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("prefect_agent", 200),
        ("landlord_manager", 200),
        ("landlord_agent", 404),
        ("prefect_972", 404),
        ("officer", 404),
    ],
)
def test_a_convention_is_retrieved_through_the_api_with_the_same_permissions_as_the_page(
    world, login, convention, user, status
):
    response = login(getattr(world, user)).get(f"/api/v1/conventions/{convention.pk}/")

    assert response.status_code == status
    if status == 200:
        body = response.json()
        names = {s["organisation_name"] for s in body["signatories"]}
        assert names >= {"Préfecture de l'Oise", "DDSP de l'Oise"}
        assert body["commitments"][0]["text"] == "Partage d'information"
        assert body["meetings"][0]["action_items"][0]["text"] == "Diagnostic des halls"


def test_anonymous_users_get_no_convention(world, client, convention):
    assert client.get("/api/v1/conventions/").status_code in (401, 403)


def test_the_api_list_holds_visible_conventions_in_a_constant_number_of_queries(
    world, login, convention, django_assert_max_num_queries
):
    client = login(world.prefect_agent)
    with django_assert_max_num_queries(10) as few:
        client.get("/api/v1/conventions/")
    for i in range(4):
        make_convention(world, title=f"Convention {i}", status="draft")
    make_convention(
        world, title="Martinique", department=world.martinique, organisations=[world.prefecture_972]
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/conventions/")

    body = response.json()
    titles = {c["title"] for c in body.get("results", body)}
    assert "Convention 3" in titles
    assert "Martinique" not in titles


def test_the_indicators_endpoint_scopes_the_figures_to_the_reader(world, login, convention):
    submitted = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
    make_alert(world, convention=convention, submitted_at=submitted, ack_after=2 * H)
    make_alert(world, convention=convention, submitted_at=submitted, ack_after=4 * H, site=world.other_site)
    url = f"/api/v1/conventions/{convention.pk}/indicators/?start=2026-03-01&end=2026-03-31"

    prefecture = login(world.prefect_agent).get(url).json()
    landlord = login(world.landlord_manager).get(url).json()

    assert prefecture["total"] == 2
    assert prefecture["ack_hours"] == {"median": 3.0, "p90": 3.8}
    assert landlord["total"] == 1
    assert landlord["ack_hours"] == {"median": 2.0, "p90": 2.0}
    assert login(world.landlord_agent).get(url).status_code == 404


def test_the_conventions_and_their_indicators_are_described_in_the_openapi_schema():
    # Generated for this app's routes only, so another app's schema problem cannot hide ours.
    generator = SchemaGenerator(patterns=[path("api/v1/", include("conventions.api.urls"))])
    schema = generator.get_schema(request=None, public=True)

    operation = schema["paths"]["/api/v1/conventions/{id}/indicators/"]["get"]
    assert operation["summary"].startswith("Indicateurs de la convention")
    assert {p["name"] for p in operation["parameters"]} >= {"start", "end", "landlord", "category"}


def test_a_period_of_centuries_is_refused_and_the_default_period_counted(world, convention, login):
    client = login(world.prefect_agent)

    response = client.get(f"/api/v1/conventions/{convention.pk}/indicators/", {"start": "0517-02-24"})

    assert response.status_code == 200
    assert response.json()["start"] >= "2000-01-01"
