"""Limits at the edges: bodies that would crash the server, free text past its
cap, an If-Match that cannot be read, and errors under /api/ that must stay JSON."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from alerts import services
from alerts.api.views import AlertViewSet
from alerts.models import Alert, AlertEvent, Status
from alerts.validators import FREE_TEXT_MAX_LENGTH
from partnerships.errors import ApplicationError
from tests.alerts.factories import alert_data, filed_alert
from tests.alerts.test_pages_filing import create_url, form_data

pytestmark = pytest.mark.django_db

MEGABYTE = "a" * 1_000_000
ERROR_SHAPE = {"message", "code", "extra"}


@pytest.fixture
def alert(world):
    return filed_alert(site=world.site_creil, reporter=world.landlord_agent)


def post_json(client, url, body):
    return client.generic("POST", url, data=body, content_type="application/json")


def test_a_json_body_nested_five_thousand_deep_is_a_400_in_the_error_shape(world, client, alert):
    client.force_login(world.officer)
    nested = "[" * 5000 + "]" * 5000

    for url in ("/api/v1/alerts/", f"/api/v1/alerts/{alert.pk}/comment/"):
        response = post_json(client, url, nested)
        assert response.status_code == 400
        assert set(response.json()) == ERROR_SHAPE


def test_a_bug_under_the_api_answers_json_in_the_error_shape_and_a_page_html(world, monkeypatch, alert):
    def crash(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(AlertViewSet, "retrieve", crash)
    client = Client(raise_request_exception=False)
    client.force_login(world.officer)

    response = client.get(f"/api/v1/alerts/{alert.pk}/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "message": "Erreur interne du serveur : réessayez plus tard.",
        "code": "server_error",
        "extra": {},
    }
    assert "a bug" not in response.content.decode()


def test_a_one_megabyte_description_is_refused_in_french_by_page_api_and_service(world, client):
    client.force_login(world.landlord_agent)

    page = client.post(create_url(world.site_creil), form_data(description=MEGABYTE))
    api = post_json(
        client,
        "/api/v1/alerts/",
        json.dumps(
            {
                **alert_data(facts_at="2026-01-01T10:00:00Z"),
                "site": world.site_creil.pk,
                "description": MEGABYTE,
            }
        ),
    )
    with pytest.raises(ValidationError, match="trop long"):
        filed_alert(site=world.site_creil, reporter=world.landlord_agent, description=MEGABYTE)

    assert page.status_code == 200
    assert "trop long" in page.content.decode()
    assert api.status_code == 400
    assert "trop long" in json.dumps(api.json(), ensure_ascii=False)
    assert not Alert.objects.exists()


def test_a_description_of_exactly_the_cap_is_accepted(world):
    filed = filed_alert(
        site=world.site_creil, reporter=world.landlord_agent, description="é" * FREE_TEXT_MAX_LENGTH
    )
    assert len(filed.description) == FREE_TEXT_MAX_LENGTH


def test_a_one_megabyte_comment_is_refused_in_french_and_nothing_is_written_or_mailed(world, client, alert):
    client.force_login(world.officer)
    before = AlertEvent.objects.count()

    api = post_json(client, f"/api/v1/alerts/{alert.pk}/comment/", json.dumps({"message": MEGABYTE}))
    page = client.post(
        reverse("alerts:transition", args=[alert.pk, "comment"]), {"comment-message": MEGABYTE}
    )
    with pytest.raises(ApplicationError) as refused:
        services.alert_comment(actor=world.officer, alert=alert, message=MEGABYTE)

    assert api.status_code == 400
    assert "trop long" in json.dumps(api.json(), ensure_ascii=False)
    # The fiche again, the comment form unfolded with the error tied to its field.
    assert page.status_code == 200
    assert "trop long" in page.content.decode()
    assert "trop long" in refused.value.message
    assert AlertEvent.objects.count() == before


def test_the_free_text_cap_is_documented_in_the_schema(world, client):
    client.force_login(world.officer)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    comment = schema["components"]["schemas"]["CommentRequest"]["properties"]["message"]
    assert comment["maxLength"] == FREE_TEXT_MAX_LENGTH


@pytest.mark.parametrize("header", ["abc", "1.5", "12abc", "١٢"])
def test_an_unreadable_if_match_is_a_400_and_the_action_is_not_taken(world, client, alert, header):
    client.force_login(world.officer)

    response = post_json(client, f"/api/v1/alerts/{alert.pk}/acknowledge/", "{}")  # warm-up: no header
    alert.refresh_from_db()
    assert response.status_code == 200
    response = client.post(
        f"/api/v1/alerts/{alert.pk}/start/", {}, content_type="application/json", HTTP_IF_MATCH=header
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_version"
    assert "If-Match" in response.json()["message"]
    alert.refresh_from_db()
    assert alert.status == Status.ACKNOWLEDGED


@pytest.mark.parametrize("header", ["*", "", 'W/"{v}"', '"{v}"'])
def test_an_if_match_of_any_version_or_the_current_one_lets_the_action_through(world, client, alert, header):
    client.force_login(world.officer)
    response = client.post(
        f"/api/v1/alerts/{alert.pk}/acknowledge/",
        {},
        content_type="application/json",
        HTTP_IF_MATCH=header.format(v=alert.version),
    )
    assert response.status_code == 200
