import base64
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from alerts import services
from alerts.models import Alert, Outcome, Status
from tests.alerts.factories import JPEG, PDF, alert_data, draft_alert, filed_alert, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def _api(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return _api


def payload(site, **overrides):
    data = alert_data(**overrides)
    data["facts_at"] = data["facts_at"].isoformat()
    return {"site": site.pk, **data}


def test_anonymous_requests_are_refused(client, world):
    assert client.get("/api/v1/alerts/").status_code in (401, 403)


ROLES = [
    "landlord_agent",
    "other_landlord_agent",
    "officer",
    "gendarme",
    "ddsp_manager",
    "prefect_agent",
    "prefect_972",
    "mayor",
]
SEES_CREIL = {"landlord_agent", "officer", "ddsp_manager", "prefect_agent"}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_the_fiche_its_attachment_and_events_only_if_it_sees_it(world, api, role):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    attachment = services.alert_add_attachment(
        actor=world.landlord_agent, alert=alert, uploaded_file=upload()
    )
    client = api(getattr(world, role))
    listed = [row["id"] for row in client.get("/api/v1/alerts/").json()["results"]]
    expected = 200 if role in SEES_CREIL else 404
    assert (alert.pk in listed) == (role in SEES_CREIL)
    assert client.get(f"/api/v1/alerts/{alert.pk}/").status_code == expected
    assert client.get(f"/api/v1/alerts/{alert.pk}/events/").status_code == expected
    assert client.get(f"/api/v1/alerts/{alert.pk}/attachments/").status_code == expected
    download = client.get(f"/api/v1/alerts/{alert.pk}/attachments/{attachment.pk}/download/")
    assert download.status_code == expected
    if expected == 200:
        assert download["Content-Disposition"].startswith("attachment")
        # Photos are re-encoded without their metadata: the download is what was stored.
        with attachment.file.open("rb") as stored:
            assert b"".join(download.streaming_content) == stored.read()


def test_an_attachment_is_only_downloadable_through_its_own_fiche(world, api):
    mine = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    theirs = filed_alert(site=world.other_site, reporter=world.other_landlord_agent)
    attachment = services.alert_add_attachment(
        actor=world.other_landlord_agent, alert=theirs, uploaded_file=upload()
    )
    response = api(world.landlord_agent).get(
        f"/api/v1/alerts/{mine.pk}/attachments/{attachment.pk}/download/"
    )
    assert response.status_code == 404


def test_a_landlord_files_with_an_idempotency_key_once(world, api):
    client = api(world.landlord_agent)
    key = str(uuid.uuid4())
    body = payload(world.site_creil)  # a retry resends the same bytes
    first = client.post("/api/v1/alerts/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post("/api/v1/alerts/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.json()
    assert again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["reference"].startswith("FA-60-")
    assert first.json()["routed_unit_name"] == "Commissariat de Creil"
    assert Alert.objects.count() == 1
    bad = client.post("/api/v1/alerts/", payload(world.site_creil), format="json", HTTP_IDEMPOTENCY_KEY="x")
    assert bad.status_code == 400


def post_twice_with_one_key(client, first_body, second_body):
    key = str(uuid.uuid4())
    return [
        client.post("/api/v1/alerts/", b, format="json", HTTP_IDEMPOTENCY_KEY=key)
        for b in (first_body, second_body)
    ]


def test_a_retry_with_the_same_body_in_another_key_order_replays_the_fiche(world, api):
    body = payload(world.site_creil)
    first, again = post_twice_with_one_key(
        api(world.landlord_agent), body, dict(reversed(list(body.items())))
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]


def test_an_idempotency_key_reused_with_another_body_is_refused_in_french_and_files_nothing(world, api):
    body = payload(world.site_creil)
    first, other = post_twice_with_one_key(api(world.landlord_agent), body, {**body, "description": "Autre"})

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert first.json()["reference"] in other.json()["message"]
    assert "nouvelle clé" in other.json()["message"]
    assert Alert.objects.get().description == body["description"]


def test_a_replayed_key_gives_back_the_reference_number_it_took(world, api):
    """A fresh filing takes its number before the INSERT that finds a key taken: a replay returns
    it, so the next fiche of the département follows the first without a gap."""
    client = api(world.landlord_agent)
    body = payload(world.site_creil)
    first, again = post_twice_with_one_key(client, body, body)
    following = client.post(
        "/api/v1/alerts/", payload(world.site_creil), format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )

    assert again.json()["reference"] == first.json()["reference"]
    number = int(first.json()["reference"].rsplit("-", 1)[1])
    assert following.json()["reference"].endswith(f"-{number + 1:06d}")


def test_an_idempotency_key_belongs_to_its_user(world, api):
    key = str(uuid.uuid4())
    body = payload(world.site_creil)
    mine = api(world.landlord_agent).post("/api/v1/alerts/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)

    theirs = api(world.landlord_manager).post(
        "/api/v1/alerts/", {**body, "description": "Autre fait"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]


def test_bodies_are_json_only_except_the_upload(world, api):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    landlord, officer = api(world.landlord_agent), api(world.officer)

    form = landlord.post("/api/v1/alerts/", payload(world.site_creil), format="multipart")
    null = officer.post(f"/api/v1/alerts/{alert.pk}/redirect/", {"unit": None, "reason": "x"}, format="json")

    assert form.status_code == 415
    assert not Alert.objects.exclude(pk=alert.pk).exists()
    # null arrives as null (a multipart client would have sent the string "None").
    assert null.status_code == 400
    assert "unit" in null.json()["extra"]["fields"]


def test_anonymous_and_wrong_credentials_get_a_401_with_the_basic_challenge(world, client):
    wrong = base64.b64encode(f"{world.landlord_agent.email}:faux".encode()).decode()

    anonymous = client.get("/api/v1/alerts/")
    refused = client.get("/api/v1/alerts/", HTTP_AUTHORIZATION=f"Basic {wrong}")

    for response in (anonymous, refused):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic realm=")
        assert response.json()["code"] in ("not_authenticated", "authentication_failed")


def test_the_browser_session_still_reaches_the_api_with_its_csrf_check(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.landlord_agent)

    listed = browser.get("/api/v1/alerts/")
    unprotected = browser.post("/api/v1/alerts/", "{}", content_type="application/json")

    assert listed.status_code == 200
    assert unprotected.status_code == 403
    assert "CSRF" in unprotected.json()["message"]


def test_filing_on_someone_elses_estate_or_as_a_force_is_refused(world, api):
    response = api(world.landlord_agent).post("/api/v1/alerts/", payload(world.other_site), format="json")
    assert response.status_code == 400
    assert "site" in response.json()["extra"]["fields"]
    assert (
        api(world.officer).post("/api/v1/alerts/", payload(world.site_creil), format="json").status_code
        == 400
    )
    assert Alert.objects.count() == 0


def test_the_officer_works_the_fiche_through_the_actions(world, api):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    officer = api(world.officer)
    assert officer.post(f"/api/v1/alerts/{alert.pk}/acknowledge/").json()["status"] == Status.ACKNOWLEDGED
    assert (
        officer.post(f"/api/v1/alerts/{alert.pk}/start/", {"message": "Patrouille"}, format="json").json()[
            "status"
        ]
        == Status.IN_PROGRESS
    )
    response = officer.post(
        f"/api/v1/alerts/{alert.pk}/feedback/", {"message": "Deux interpellations"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["first_feedback_at"]
    comment = officer.post(
        f"/api/v1/alerts/{alert.pk}/comment/", {"message": "Interne", "internal": True}, format="json"
    )
    assert comment.status_code == 201
    assert comment.json()["internal"] is True
    closed = officer.post(f"/api/v1/alerts/{alert.pk}/close/", {"outcome": Outcome.CONTROL}, format="json")
    assert closed.json()["status"] == Status.CLOSED
    illegal = officer.post(f"/api/v1/alerts/{alert.pk}/acknowledge/")
    assert illegal.status_code == 400
    assert illegal.json()["code"] == "illegal_transition"
    assert "Clôturée" in illegal.json()["message"]
    landlord = api(world.landlord_agent)
    events = landlord.get(f"/api/v1/alerts/{alert.pk}/events/").json()
    assert "Interne" not in [e["message"] for e in events]
    assert "Deux interpellations" in [e["message"] for e in events]
    reopened = landlord.post(f"/api/v1/alerts/{alert.pk}/reopen/", {"reason": "Ça reprend"}, format="json")
    assert reopened.json()["status"] == Status.SUBMITTED


def test_a_visible_fiche_the_user_may_not_act_on_is_403(world, api):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    assert api(world.landlord_agent).post(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code == 403
    assert api(world.gendarme).post(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code == 404


def test_redirect_return_and_merge_through_the_api(world, api):
    first, second, third, kept = [
        filed_alert(site=world.site_creil, reporter=world.landlord_agent) for _ in range(4)
    ]
    officer = api(world.officer)
    no_reason = officer.post(
        f"/api/v1/alerts/{first.pk}/redirect/", {"unit": world.gendarmerie.pk}, format="json"
    )
    assert no_reason.status_code == 400
    redirected = officer.post(
        f"/api/v1/alerts/{first.pk}/redirect/",
        {"unit": world.gendarmerie.pk, "reason": "Secteur de Méru"},
        format="json",
    )
    assert redirected.status_code == 204
    assert officer.get(f"/api/v1/alerts/{first.pk}/").status_code == 404
    assert (
        api(world.gendarme).get(f"/api/v1/alerts/{first.pk}/").json()["routed_unit_name"] == "Brigade de Méru"
    )
    returned = officer.post(f"/api/v1/alerts/{second.pk}/return/", {"reason": "out_of_area"}, format="json")
    assert returned.status_code == 204
    assert Alert.objects.get(pk=second.pk).status == Status.RETURNED
    routed = api(world.prefect_agent).get(f"/api/v1/alerts/{second.pk}/")
    assert routed.json()["routed_unit"] is None
    merged = officer.post(f"/api/v1/alerts/{third.pk}/merge/", {"into": kept.pk}, format="json")
    assert merged.json()["outcome"] == Outcome.MERGED
    assert merged.json()["duplicate_of_reference"] == kept.reference
    assert (
        officer.post(f"/api/v1/alerts/{kept.pk}/merge/", {"into": second.pk}, format="json").status_code
        == 404
    )


def test_uploads_are_typed_from_content_with_french_errors(world, api):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    client = api(world.landlord_agent)
    ok = client.post(
        f"/api/v1/alerts/{alert.pk}/attachments/",
        {"file": SimpleUploadedFile("photo.jpg", JPEG)},
        format="multipart",
    )
    assert ok.status_code == 201
    assert ok.json()["content_type"] == "image/jpeg"
    refused = client.post(
        f"/api/v1/alerts/{alert.pk}/attachments/",
        {"file": SimpleUploadedFile("photo.jpg", b"<html>not a photo</html>")},
        format="multipart",
    )
    assert refused.status_code == 400
    assert "Type de fichier" in refused.json()["message"]
    listed = client.get(f"/api/v1/alerts/{alert.pk}/attachments/").json()
    assert [a["original_name"] for a in listed] == ["photo.jpg"]


def upload_with_key(client, alert, key, content=JPEG, name="IMG_0001.jpg"):
    return client.post(
        f"/api/v1/alerts/{alert.pk}/attachments/",
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_an_upload_resent_with_its_idempotency_key_after_a_lost_answer_stores_the_photo_once(world, api):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    client = api(world.landlord_agent)
    key = str(uuid.uuid4())

    first, again = upload_with_key(client, alert, key), upload_with_key(client, alert, key)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert alert.attachments.count() == 1
    assert alert.events.filter(kind="attachment").count() == 1
    # Without a key, each upload is a new file (the web form's behaviour).
    assert (
        client.post(
            f"/api/v1/alerts/{alert.pk}/attachments/", {"file": SimpleUploadedFile("IMG_0001.jpg", JPEG)}
        ).status_code
        == 201
    )
    assert alert.attachments.count() == 2


@pytest.mark.parametrize("change", ["content", "name", "fiche"])
def test_an_upload_key_reused_for_another_file_is_refused_in_french_and_stores_nothing(world, api, change):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    other_alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    client = api(world.landlord_agent)
    key = str(uuid.uuid4())
    assert upload_with_key(client, alert, key).status_code == 201

    refused = upload_with_key(
        client,
        other_alert if change == "fiche" else alert,
        key,
        content=PDF if change == "content" else JPEG,
        name="IMG_0002.jpg" if change == "name" else "IMG_0001.jpg",
    )

    assert refused.status_code == 422
    assert refused.json()["code"] == "idempotency_key_reused"
    assert "nouvelle clé" in refused.json()["message"]
    assert alert.attachments.count() + other_alert.attachments.count() == 1


def test_an_upload_key_belongs_to_its_user(world, api):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    key = str(uuid.uuid4())
    mine = upload_with_key(api(world.landlord_agent), alert, key)
    theirs = upload_with_key(api(world.landlord_manager), alert, key)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert alert.attachments.count() == 2


def test_the_procedure_number_is_hidden_from_other_landlord_staff(world, api):
    alert = filed_alert(
        site=world.site_creil,
        reporter=world.landlord_agent,
        complaint="filed",
        complaint_reference="2026/123",
    )
    assert api(world.officer).get(f"/api/v1/alerts/{alert.pk}/").json()["complaint_reference"] == "2026/123"
    assert (
        api(world.landlord_agent).get(f"/api/v1/alerts/{alert.pk}/").json()["complaint_reference"]
        == "2026/123"
    )
    assert (
        api(world.landlord_manager).get(f"/api/v1/alerts/{alert.pk}/").json()["complaint_reference"] is None
    )
    reporter = api(world.officer).get(f"/api/v1/alerts/{alert.pk}/").json()["reporter"]
    assert world.landlord_agent.email not in reporter


def test_the_list_filters_like_the_pages(world, api):
    creil = filed_alert(
        site=world.site_creil, reporter=world.landlord_agent, category="rodeo", subcategory=""
    )
    filed_alert(site=world.site_meru, reporter=world.landlord_agent)
    draft_alert(site=world.site_creil, reporter=world.landlord_agent)
    client = api(world.landlord_agent)
    rows = client.get("/api/v1/alerts/", {"category": "rodeo"}).json()["results"]
    assert [r["id"] for r in rows] == [creil.pk]
    rows = client.get("/api/v1/alerts/", {"status": "draft"}).json()["results"]
    assert len(rows) == 1
    rows = client.get("/api/v1/alerts/", {"commune": world.meru.pk}).json()["results"]
    assert [r["site_name"] for r in rows] == ["La Nacre"]


@pytest.mark.parametrize("role", ["officer", "landlord_agent", "prefect_agent"])
def test_the_list_costs_the_same_number_of_queries_for_more_rows(world, api, role):
    client = api(getattr(world, role))

    def count_queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/alerts/").status_code == 200
        return len(captured)

    for _ in range(2):
        alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
        services.alert_feedback(actor=world.officer, alert=alert, message="Retour")
    few = count_queries()
    for _ in range(5):
        filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    assert count_queries() == few
    assert few <= 6


def test_the_openapi_schema_documents_the_alert_actions(client, world):
    client.force_login(world.prefect_agent)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content.decode()
    for path in (
        "/api/v1/alerts/",
        "/api/v1/alerts/{id}/acknowledge/",
        "/api/v1/alerts/{id}/return/",
        "/api/v1/alerts/{id}/attachments/{attachment_pk}/download/",
        "/api/v1/alerts/{id}/events/",
    ):
        assert path in schema
    assert "Idempotency-Key" in schema
