"""Bad input everywhere gets a clear French error and changes nothing.

Already proven elsewhere, not repeated here:
- tests/alerts/test_pages_fiche.py: an illegal transition on the fiche page, a landlord trying a force
  action, closing without an outcome, a sniffed (refused) attachment, an unknown action (404), an
  action posted on an unseen fiche (404, nothing changed);
- tests/alerts/test_pages_filing.py: another landlord's estate (404), a file of another type than its
  name says (refused, nothing filed), a subcategory of another category;
- tests/alerts/test_api.py: an HTML file named photo.jpg (400), filing on someone else's estate, a
  visible fiche one may not act on (403);
- tests/alerts/test_services.py: a stale copy refused by the optimistic lock, a disguised or too big
  file, a malformed idempotency key.
Here: malformed JSON and wrong types on the API, oversized and disguised uploads over HTTP, unknown and
malformed ids, garbage filters, illegal transitions through the API, and concurrent edits of a fiche
from the page and from the API."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.urls import reverse

from alerts.models import Alert, AlertEvent, Attachment, Notification, Status
from conventions.models import Commitment, PartnershipProblem
from partnerships.errors import NOT_A_CHOICE
from partnerships.middleware import StripNulMiddleware
from partnerships.models import HousingSite
from tests.alerts.factories import JPEG, PDF, alert_data, filed_alert
from tests.alerts.test_pages_filing import create_url, form_data
from tests.conventions.factories import make_convention

EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture
def alert(world):
    return filed_alert(site=world.site_creil, reporter=world.landlord_agent)


def snapshot(alert) -> tuple:
    """What a refused request must leave as it was."""
    return (
        Alert.objects.count(),
        Alert.objects.filter(pk=alert.pk).values().get(),
        AlertEvent.objects.count(),
        Attachment.objects.count(),
    )


def post_json(client, url, body: str, method="post"):
    return client.generic(method.upper(), url, data=body, content_type="application/json")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


@pytest.mark.parametrize("body", ['{"message": ', "{'message': 'guillemets simples'}", "\x00\xff"])
@pytest.mark.parametrize("endpoint", ["/api/v1/alerts/", "/api/v1/alerts/{pk}/comment/"])
def test_malformed_json_is_a_french_400_and_changes_nothing(world, client, alert, endpoint, body):
    client.force_login(world.landlord_agent)
    before = snapshot(alert)

    response = post_json(client, endpoint.format(pk=alert.pk), body)

    assert response.status_code == 400
    assert response.json()["message"] == "Corps de la requête illisible : JSON ou formulaire mal formé."
    assert response.json()["code"] == "parse_error"
    assert snapshot(alert) == before


def test_a_malformed_patch_leaves_the_estate_as_it_was(world, client):
    client.force_login(world.landlord_manager)
    url = f"/api/v1/sites/{world.site_creil.pk}/"
    before = HousingSite.objects.filter(pk=world.site_creil.pk).values().get()

    broken = post_json(client, url, '{"name": ', method="patch")
    wrong_types = post_json(
        client, url, json.dumps({"latitude": "nord", "dwellings": -3, "name": "x" * 500}), method="patch"
    )
    not_an_object = post_json(client, url, "[]", method="patch")

    assert broken.status_code == wrong_types.status_code == not_an_object.status_code == 400
    fields = wrong_types.json()["extra"]["fields"]
    assert fields["latitude"] == ["Un nombre valide est requis."]
    assert "supérieure ou égale" in fields["dwellings"][0]
    assert "caractères" in fields["name"][0]
    assert not_an_object.json()["message"] == "Données invalides."
    assert HousingSite.objects.filter(pk=world.site_creil.pk).values().get() == before


def test_filing_with_wrong_types_gets_french_field_errors_and_files_nothing(world, client):
    client.force_login(world.landlord_agent)
    payload = {
        **alert_data(),
        "site": "le site de Creil",
        "category": "inconnue",
        "facts_at": "hier soir",
        "people_count": "beaucoup",
        "weapon_seen": "peut-être",
    }

    response = post_json(client, "/api/v1/alerts/", json.dumps(payload))

    assert response.status_code == 400
    assert response.json()["message"] == "Données invalides."
    fields = response.json()["extra"]["fields"]
    assert set(fields) >= {"site", "category", "facts_at", "people_count", "weapon_seen"}
    assert fields["site"] == [NOT_A_CHOICE]  # one message for a malformed, missing or foreign id
    assert "n'est pas un choix valide" in fields["category"][0]
    assert "Un nombre entier valide est requis." in fields["people_count"]
    assert not Alert.objects.exists()


@pytest.mark.parametrize("body", ["[1, 2]", '"une fiche"', "42"])
def test_a_json_body_that_is_not_an_object_is_a_french_400(world, client, body):
    client.force_login(world.landlord_agent)

    response = post_json(client, "/api/v1/alerts/", body)

    assert response.status_code == 400
    assert response.json()["message"] == "Données invalides."
    assert "Attendait un dictionnaire" in response.json()["extra"]["fields"]["non_field_errors"][0]
    assert not Alert.objects.exists()


def test_an_oversized_upload_is_refused_in_french_from_the_api_and_the_fiche_page(
    world, client, alert, settings
):
    settings.MAX_UPLOAD_SIZE = len(JPEG) - 1
    client.force_login(world.landlord_agent)
    before = snapshot(alert)

    api = client.post(
        f"/api/v1/alerts/{alert.pk}/attachments/", {"file": SimpleUploadedFile("hall.jpg", JPEG)}
    )
    page = client.post(
        reverse("alerts:transition", args=[alert.pk, "attach"]),
        {"attach-uploaded_file": SimpleUploadedFile("hall.jpg", JPEG)},
    )

    assert api.status_code == 400
    assert "taille maximale" in api.json()["message"]
    assert page.status_code == 302
    assert any("taille maximale" in m for m in messages_of(page))
    assert snapshot(alert) == before


@pytest.mark.parametrize("content", [EXECUTABLE, HTML], ids=["executable", "html"])
def test_a_pdf_that_is_not_a_pdf_is_refused_everywhere(world, client, alert, content):
    client.force_login(world.landlord_agent)
    before = snapshot(alert)

    api = client.post(
        f"/api/v1/alerts/{alert.pk}/attachments/", {"file": SimpleUploadedFile("plainte.pdf", content)}
    )
    page = client.post(
        reverse("alerts:transition", args=[alert.pk, "attach"]),
        {"attach-uploaded_file": SimpleUploadedFile("plainte.pdf", content)},
    )
    filing = client.post(
        create_url(world.site_creil),
        {**form_data(), "attachments": [SimpleUploadedFile("plainte.pdf", content)]},
    )

    assert api.status_code == 400
    assert "Type de fichier non accepté" in api.json()["message"]
    assert any("Type de fichier non accepté" in m for m in messages_of(page))
    assert filing.status_code == 200
    assert "Type de fichier non accepté" in filing.content.decode()
    assert snapshot(alert) == before  # no attachment, and the refused filing filed nothing


def test_a_real_pdf_is_accepted_so_the_refusals_above_are_about_content(world, client, alert):
    client.force_login(world.landlord_agent)

    response = client.post(
        f"/api/v1/alerts/{alert.pk}/attachments/", {"file": SimpleUploadedFile("plainte.pdf", PDF)}
    )

    assert response.status_code == 201
    assert response.json()["content_type"] == "application/pdf"


def test_unknown_and_malformed_ids_are_404_never_500(world, client, alert):
    client.force_login(world.prefect_agent)
    too_big = "9" * 25
    convention = make_convention(world)
    pages = [
        f"/fiches/{too_big}/",
        f"/fiches/{alert.pk}/pieces/{too_big}/",
        f"/sites/{too_big}/",
        f"/conventions/{too_big}/",
        f"/conventions/{convention.pk}/documents/{too_big}/",
        f"/conventions/{convention.pk}/reunions/999/compte-rendu/",
        f"/conventions/{convention.pk}/indicateurs/export.pdf",
        f"/conventions/problemes/{too_big}/",
        "/imports/inconnu/",
    ]
    api = [
        f"/api/v1/alerts/{too_big}/",
        "/api/v1/alerts/abc/",
        "/api/v1/alerts/1.5/",
        f"/api/v1/alerts/{alert.pk}/attachments/{too_big}/download/",
        "/api/v1/sites/-1/",
        f"/api/v1/conventions/{too_big}/",
    ]

    for url in pages:
        assert client.get(url).status_code == 404, url
    for url in api:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["message"] == "Ressource introuvable.", url


def test_filing_for_an_unknown_or_malformed_estate_is_a_404(world, client):
    client.force_login(world.landlord_agent)

    for site in ("abc", "9" * 25, "-1"):
        assert client.get(f"{reverse('alerts:create')}?site={site}").status_code == 404


def test_garbage_filters_never_crash_the_lists_and_the_api_names_the_bad_field(world, client, alert):
    client.force_login(world.prefect_agent)
    garbage = "?status=zzz&urgency=&landlord=abc&submitted_after=hier&page=abc&q=%00"

    for name in ("alerts:list", "alerts:export", "alerts:routing_queue", "sites:list", "conventions:list"):
        assert client.get(reverse(name) + garbage).status_code == 200, name
    indicators = client.get(reverse("conventions:indicators") + "?start=hier&end=2026-13-45&landlord=abc")
    api = client.get("/api/v1/alerts/" + garbage)

    assert indicators.status_code == 200
    assert api.status_code == 400
    assert api.json()["message"] == "Données invalides."
    assert "status" in api.json()["extra"]["fields"]


def test_an_illegal_transition_through_the_api_is_a_french_400_and_changes_nothing(world, client, alert):
    client.force_login(world.officer)
    assert client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code == 200
    alert.refresh_from_db()
    before = snapshot(alert)

    again = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/")
    client.force_login(world.landlord_agent)
    reopen = post_json(client, f"/api/v1/alerts/{alert.pk}/reopen/", json.dumps({"reason": "Encore"}))

    assert again.status_code == reopen.status_code == 400
    assert again.json()["code"] == reopen.json()["code"] == "illegal_transition"
    assert (
        again.json()["message"] == "Impossible de prendre en compte une fiche au statut « Prise en compte »."
    )
    assert "Impossible de" in reopen.json()["message"]
    assert snapshot(alert) == before


def test_a_transition_form_with_an_invalid_choice_shows_a_french_error_and_changes_nothing(
    world, client, alert
):
    client.force_login(world.officer)
    before = snapshot(alert)

    response = client.post(
        reverse("alerts:transition", args=[alert.pk, "redirect"]),
        {"redirect-unit": "abc", "redirect-reason": ""},
    )

    # Back on the fiche with the form as sent: the error is tied to its field and summed up on top.
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="error-summary"' in page
    assert "Sélectionnez un choix valide" in page
    assert 'aria-invalid="true"' in page
    assert snapshot(alert) == before


def test_an_unknown_follow_up_or_problem_status_is_refused_in_french(world, client):
    convention = make_convention(world)
    commitment = Commitment.objects.create(convention=convention, text="Éclairage du parking")
    problem = PartnershipProblem.objects.create(
        department=world.oise, commune=world.creil, title="Hall B", opened_by=world.police
    )
    client.force_login(world.prefect_agent)

    follow_up = client.post(
        reverse("conventions:follow_up_status", args=[convention.pk, "engagement", commitment.pk]),
        {"status": "fini"},
    )
    transition = client.post(reverse("conventions:problem_detail", args=[problem.pk]), {"status": "oublié"})

    assert messages_of(follow_up) == ["Statut inconnu."]
    # Messages not yet shown pile up in the session: the last one is this request's.
    assert messages_of(transition)[-1:] == [
        "Un problème « Identifié » ne peut pas passer au statut « oublié »."
    ]
    assert Commitment.objects.get().status == commitment.status
    assert PartnershipProblem.objects.get().status == problem.status


def test_the_fiche_page_carries_the_version_it_shows(world, client, alert):
    client.force_login(world.officer)

    page = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()

    assert f'name="version" value="{alert.version}"' in page


def test_an_action_from_a_stale_page_is_refused_in_french_and_the_newer_change_stays(world, client, alert):
    seen = alert.version  # the officer opened the fiche at this version...
    client.force_login(world.police_manager)
    client.post(reverse("alerts:transition", args=[alert.pk, "acknowledge"]), {"version": seen})
    alert.refresh_from_db()
    after_colleague = snapshot(alert)
    assert alert.status == Status.ACKNOWLEDGED

    client.force_login(world.officer)  # ...and acts on what the page showed
    response = client.post(
        reverse("alerts:transition", args=[alert.pk, "start"]), {"start-message": "", "version": seen}
    )

    assert response.status_code == 302
    shown = messages_of(response)
    assert (
        "Cette fiche a été modifiée entre-temps par quelqu'un d'autre. Rechargez la page et recommencez."
        in shown
    )
    assert "Action engagée." not in shown
    assert snapshot(alert) == after_colleague


def test_an_api_client_with_a_stale_version_gets_a_conflict_and_changes_nothing(world, client, alert):
    client.force_login(world.officer)
    seen = client.get(f"/api/v1/alerts/{alert.pk}/").json()["version"]
    client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", HTTP_IF_MATCH=str(seen))
    alert.refresh_from_db()
    before = snapshot(alert)

    stale = client.post(
        f"/api/v1/alerts/{alert.pk}/start/", {}, content_type="application/json", HTTP_IF_MATCH=f'"{seen}"'
    )
    absurd = client.post(
        f"/api/v1/alerts/{alert.pk}/start/", {}, content_type="application/json", HTTP_IF_MATCH="9" * 30
    )
    fresh = client.post(
        f"/api/v1/alerts/{alert.pk}/start/",
        {},
        content_type="application/json",
        HTTP_IF_MATCH=str(alert.version),
    )

    assert stale.status_code == absurd.status_code == 400
    assert stale.json()["code"] == absurd.json()["code"] == "conflict"
    assert "modifiée entre-temps" in stale.json()["message"]
    assert fresh.status_code == 200
    assert fresh.json()["status"] == Status.IN_PROGRESS
    assert AlertEvent.objects.count() == before[2] + 1  # only the fresh request wrote


def test_tampered_ids_in_bulk_forms_select_nothing_instead_of_crashing(world, client, alert):
    client.force_login(world.officer)
    before = snapshot(alert)
    tampered = ["abc", "9" * 25, "-1"]

    acknowledged = client.post(reverse("alerts:bulk_acknowledge"), {"alerts": tampered})
    marked = client.post(reverse("alerts:notifications"), {"notification": tampered})

    assert acknowledged.status_code == marked.status_code == 302
    assert messages_of(acknowledged) == ["Aucune fiche sélectionnée ne pouvait être prise en compte."]
    assert snapshot(alert) == before
    assert not Notification.objects.filter(recipient=world.officer, read_at__isnull=False).exists()
    assert Notification.objects.filter(recipient=world.officer).exists()


def test_nul_characters_are_dropped_from_the_query_string_before_any_view_reads_it(rf):
    # PostgreSQL refuses NUL in text parameters: the conventions search answered 500 to `?q=%00` there.
    seen = {}

    def view(request):
        seen.update(request.GET.lists())
        return HttpResponse()

    StripNulMiddleware(view)(rf.get("/conventions/?q=a%00b&status=active&k%00=x"))
    assert seen == {"q": ["ab"], "status": ["active"], "k": ["x"]}
