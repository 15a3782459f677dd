import datetime
import io
import re
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from conventions.models import Convention, ConventionEvent, Meeting, MeetingKind
from tests.conventions.factories import T0, make_alert, make_convention

H = datetime.timedelta(hours=1)
MARCH = "?start=2026-03-01&end=2026-03-31"


@pytest.fixture
def convention(world):
    return make_convention(world, periodic_review_months=6)


def form_data(world, **overrides):
    data = {
        "title": "Convention départementale de l'Oise",
        "status": "active",
        "signed_on": "2026-01-10",
        "effective_from": "2026-01-15",
        "effective_until": "2029-01-14",
        "all_sites_of_signatories": "on",
        "periodic_review_months": "6",
        "signatories": [world.prefecture.pk, world.other_landlord.pk, world.ddsp.pk],
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("prefect_agent", 200),
        ("landlord_manager", 200),
        ("ddsp_manager", 200),
        ("landlord_agent", 404),
        ("other_landlord_agent", 404),
        ("officer", 404),
        ("prefect_972", 404),
        ("mayor", 404),
    ],
)
def test_a_convention_page_is_shown_to_the_prefecture_and_signatory_managers_only(
    world, login, convention, user, status
):
    response = login(getattr(world, user)).get(reverse("conventions:detail", args=[convention.pk]))

    assert response.status_code == status


def test_the_list_shows_the_departments_conventions_in_a_constant_number_of_queries(
    world, login, django_assert_max_num_queries
):
    client = login(world.prefect_agent)
    make_convention(world, title="Convention A")
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("conventions:list"))
    for i in range(5):
        make_convention(world, title=f"Convention {i}", status="draft")
    make_convention(
        world,
        title="Convention martiniquaise",
        department=world.martinique,
        organisations=[world.prefecture_972],
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("conventions:list"))

    assert "Convention 4" in response.content.decode()
    assert "Convention martiniquaise" not in response.content.decode()


def test_a_late_periodic_point_is_flagged_on_the_convention_page(world, login, convention):
    meeting = Meeting.objects.create(
        convention=convention, kind=MeetingKind.PERIODIC, date=datetime.date(2025, 1, 10)
    )
    meeting.attendees.set([world.landlord, world.ddsp])

    response = login(world.prefect_agent).get(reverse("conventions:detail", args=[convention.pk]))
    page = response.content.decode()

    assert "10/07/2025" in page  # DDSP: six months after the last point, late
    assert "En retard" in page


def test_the_prefecture_creates_a_convention_and_its_history_records_it(world, login):
    document = SimpleUploadedFile("convention.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    response = login(world.prefect_agent).post(
        reverse("conventions:create"), form_data(world, document=document)
    )

    convention = Convention.objects.get(title="Convention départementale de l'Oise")
    assert response.status_code == 302
    assert convention.department == world.oise
    assert set(convention.signatories.values_list("organisation__name", flat=True)) == {
        "Préfecture de l'Oise",
        "Logis de l'Oise (fictif)",
        "DDSP de l'Oise",
    }
    assert ConventionEvent.objects.filter(convention=convention, action="create").exists()
    download = login(world.prefect_agent).get(
        reverse("conventions:document", args=[convention.pk, convention.documents.get().pk])
    )
    assert b"".join(download.streaming_content) == b"%PDF-1.4 signed"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"effective_until": "2025-01-01"}, "La fin de validité doit être postérieure"),
        ({"signed_on": "2026-02-01"}, "La date de signature doit précéder"),
        ({"signatories": "landlord"}, "La préfecture du département doit être signataire"),
        ({"signatories": "no_force"}, "Au moins une force"),
        ({"signatories": "no_landlord"}, "Au moins un bailleur social"),
    ],
)
def test_an_incoherent_convention_is_refused_with_a_french_explanation(world, login, overrides, message):
    signatories = {
        "landlord": [world.landlord.pk, world.ddsp.pk],
        "no_force": [world.prefecture.pk, world.landlord.pk],
        "no_landlord": [world.prefecture.pk, world.ddsp.pk],
    }
    if "signatories" in overrides:
        overrides = {"signatories": signatories[overrides["signatories"]]}

    response = login(world.prefect_agent).post(reverse("conventions:create"), form_data(world, **overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Convention.objects.filter(title="Convention départementale de l'Oise").exists()


def test_a_landlord_already_in_an_active_convention_on_the_same_perimeter_is_refused(
    world, login, convention
):
    data = form_data(world, signatories=[world.prefecture.pk, world.landlord.pk, world.ddsp.pk])

    response = login(world.prefect_agent).post(reverse("conventions:create"), data)

    expected = (
        "Habitat Picard (fictif) est déjà engagé dans la convention en vigueur « Convention de l&#x27;Oise »"
    )
    assert expected in response.content.decode()
    draft = login(world.prefect_agent).post(reverse("conventions:create"), {**data, "status": "draft"})
    assert draft.status_code == 302


def test_only_the_prefecture_edits_a_convention(world, login, convention):
    url = reverse("conventions:edit", args=[convention.pk])

    assert login(world.landlord_manager).get(url).status_code == 404
    response = login(world.prefect_agent).post(
        url,
        form_data(
            world,
            title="Convention modifiée",
            signatories=[world.prefecture.pk, world.landlord.pk, world.groupement.pk],
        ),
    )
    assert response.status_code == 302
    convention.refresh_from_db()
    assert convention.title == "Convention modifiée"
    assert convention.events.filter(action="update").exists()


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("prefect_agent", 200),
        ("landlord_manager", 200),
        ("police_manager", 200),
        ("mayor", 200),
        ("landlord_agent", 404),
        ("officer", 404),
        ("other_landlord_agent", 404),
    ],
)
def test_the_organisation_indicators_page_is_open_to_each_reader_and_404_for_others(
    world, login, user, status
):
    assert login(getattr(world, user)).get(reverse("conventions:indicators")).status_code == status


def test_the_indicators_page_shows_charts_the_map_and_the_hotspots(world, login, convention):
    for _ in range(3):
        make_alert(world, convention=convention, ack_after=2 * H)
    world.creil.outline = {
        "type": "Polygon",
        "coordinates": [[[2.4, 49.2], [2.5, 49.2], [2.5, 49.3], [2.4, 49.2]]],
    }
    world.creil.save()

    page = (
        login(world.prefect_agent)
        .get(reverse("conventions:convention_indicators", args=[convention.pk]) + MARCH)
        .content.decode()
    )

    assert page.count("<svg") == 3
    assert 'data-insee="60175"' in page
    assert "Les Hauts de Creil" in page


def test_a_mayor_sees_suppressed_counts_and_no_site_name(world, login, convention):
    for _ in range(3):
        make_alert(world, convention=convention, staff_victim=True, category="drugs")
    make_alert(world, convention=convention)

    page = login(world.mayor).get(reverse("conventions:indicators") + MARCH).content.decode()

    assert "&lt; 5" in page
    # Bars of masked counts are flat: their height would give the count away.
    bars = re.findall(r'<rect fill="#000091"[^>]* width="([0-9.]+)" height="([0-9.]+)"', page)
    assert bars
    assert all("0.0" in (width, height) for width, height in bars)
    # Masked categories are listed by name, not by their hidden counts.
    assert page.index("Occupation abusive") < page.index("Trafic de stupéfiants")
    assert "Les Hauts de Creil" not in page
    assert "Le Plateau" not in page
    assert login(world.mayor).get(reverse("conventions:fiches_export", args=["csv"])).status_code == 404


def test_the_fiches_csv_export_holds_the_readers_fiches_only(world, login, convention):
    mine = make_alert(world, convention=convention, ack_after=2 * H)
    theirs = make_alert(world, convention=convention, site=world.other_site)

    response = login(world.landlord_manager).get(reverse("conventions:fiches_export", args=["csv"]) + MARCH)
    content = b"".join(response.streaming_content).decode("utf-8-sig")

    assert response["Content-Type"].startswith("text/csv")
    assert content.splitlines()[0].startswith("Référence;Transmise le;Bailleur")
    assert mine.reference in content
    assert theirs.reference not in content
    assert "Occupation du hall" not in content


def test_the_indicators_xlsx_export_matches_the_page(world, login, convention):
    for hours in (1, 3):
        make_alert(world, convention=convention, ack_after=hours * H, submitted_at=T0)

    response = login(world.prefect_agent).get(
        reverse("conventions:convention_indicators_export", args=[convention.pk, "xlsx"]) + MARCH
    )
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)

    assert ("Fiches transmises", 2) in rows
    assert ("Délai médian de prise en compte", "2 h") in rows
    assert ("Fiches du mois 03/26", 2) in rows


def test_the_mayors_indicator_export_suppresses_small_counts(world, login, convention):
    make_alert(world, convention=convention)

    response = login(world.mayor).get(reverse("conventions:indicators_export", args=["csv"]) + MARCH)
    content = b"".join(response.streaming_content).decode("utf-8-sig")

    assert "Fiches transmises;< 5" in content
    assert "Point de fixation" not in content


def test_an_unknown_export_format_is_a_404(world, login):
    assert login(world.prefect_agent).get("/conventions/indicateurs/export.pdf").status_code == 404


def test_the_bilan_is_a_pdf_with_the_convention_and_its_figures(world, login, convention):
    make_alert(world, convention=convention, ack_after=2 * H)

    response = login(world.prefect_agent).get(reverse("conventions:bilan", args=[convention.pk]) + MARCH)

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    titles = pdf_titles(response.content)
    assert "Bilan — Convention de l'Oise" in titles  # the document
    assert {"Chiffres clés", "Engagements", "Points périodiques bailleur-forces"} <= titles  # its bookmarks
    other = login(world.landlord_agent).get(reverse("conventions:bilan", args=[convention.pk]))
    assert other.status_code == 404


def pdf_titles(pdf: bytes) -> set[str]:
    """The document title and bookmark titles WeasyPrint writes (UTF-16, in compressed object streams)."""
    titles = set()
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            content = zlib.decompress(stream.group(1))
        except zlib.error:
            continue
        for found in re.finditer(rb"/Title (?:<feff([0-9a-f]+)>|\(([^)]*)\))", content):
            hex_title, literal = found.groups()
            title = bytes.fromhex(hex_title.decode()).decode("utf-16-be") if hex_title else literal.decode()
            titles.add(title)
    return titles


def test_the_prefecture_records_a_meeting_an_action_and_updates_statuses(world, login, convention):
    client = login(world.prefect_agent)
    minutes = SimpleUploadedFile("cr.pdf", b"%PDF-1.4 minutes", content_type="application/pdf")

    client.post(
        reverse("conventions:follow_up_create", args=[convention.pk, "reunion"]),
        {
            "kind": "steering",
            "date": "2026-03-10",
            "attendees": [world.prefecture.pk, world.landlord.pk],
            "minutes": "Bilan annuel",
            "minutes_file": minutes,
        },
    )
    meeting = convention.meetings.get()
    client.post(
        reverse("conventions:follow_up_create", args=[convention.pk, "action"]),
        {
            "meeting": meeting.pk,
            "text": "Diagnostic des halls",
            "owner": world.landlord.pk,
            "due_date": "2026-06-01",
        },
    )
    client.post(
        reverse("conventions:follow_up_create", args=[convention.pk, "engagement"]),
        {"text": "Partage d'information", "responsible": [world.ddsp.pk], "status": "to_start"},
    )
    action = meeting.action_items.get()
    client.post(
        reverse("conventions:follow_up_status", args=[convention.pk, "action", action.pk]), {"status": "done"}
    )

    action.refresh_from_db()
    assert action.status == "done"
    assert convention.commitments.get().text == "Partage d'information"
    assert convention.events.filter(action="status").exists()
    minutes_response = client.get(reverse("conventions:meeting_minutes", args=[convention.pk, meeting.pk]))
    assert b"".join(minutes_response.streaming_content) == b"%PDF-1.4 minutes"


def test_a_signatory_landlord_cannot_change_the_follow_up(world, login, convention):
    response = login(world.landlord_manager).post(
        reverse("conventions:follow_up_create", args=[convention.pk, "engagement"]),
        {"text": "x", "status": "to_start"},
    )

    assert response.status_code == 404
    assert not convention.commitments.exists()


def test_a_signatory_landlord_manager_lists_its_conventions_with_every_signatory_counted(
    world, login, convention
):
    make_convention(
        world,
        title="Convention sans ce bailleur",
        status="draft",
        organisations=[world.prefecture, world.other_landlord, world.ddsp],
    )

    page = login(world.landlord_manager).get(reverse("conventions:list")).content.decode()

    assert "Convention de l&#x27;Oise" in page
    assert "Convention sans ce bailleur" not in page
    assert "<td>4</td>" in page


def test_the_indicators_page_runs_a_constant_number_of_queries(
    world, login, convention, django_assert_max_num_queries
):
    client = login(world.prefect_agent)
    url = reverse("conventions:convention_indicators", args=[convention.pk]) + MARCH
    make_alert(world, convention=convention, ack_after=H)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for site in (world.site_creil, world.site_meru, world.other_site) * 3:
        make_alert(
            world, convention=convention, site=site, ack_after=2 * H, feedback_after=5 * H, redirected=True
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)

    assert "Les Hauts de Creil" in response.content.decode()
