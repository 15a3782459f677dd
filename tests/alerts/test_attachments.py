"""What an uploaded file becomes: named after its sniffed type, photos stripped of who and where."""

import datetime
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from alerts import services, tasks
from alerts.models import Attachment
from partnerships.errors import ApplicationError
from partnerships.models import AuditAction, AuditEntry
from tests.alerts.factories import JPEG, PDF, filed_alert, upload

pytestmark = pytest.mark.django_db


def phone_photo() -> bytes:
    """A 6×2 JPEG as a phone writes it: GPS position, make and model, capture time with its offset,
    and an orientation asking to turn it a quarter (so it shows 2×6)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 15"
    exif[ExifTags.Base.Orientation] = 6
    exif.get_ifd(ExifTags.IFD.Exif).update(
        {
            ExifTags.Base.DateTimeOriginal: "2026:03:14 21:05:09",
            ExifTags.Base.OffsetTimeOriginal: "-04:00",
            ExifTags.Base.MakerNote: b"Apple iOS\x00secret",
        }
    )
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (14.0, 36.0, 0.0),
            ExifTags.GPS.GPSLongitudeRef: "W",
            ExifTags.GPS.GPSLongitude: (61.0, 4.0, 0.0),
        }
    )
    buffer = io.BytesIO()
    Image.new("RGB", (6, 2), "blue").save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def stored(attachment) -> bytes:
    with attachment.file.open("rb") as handle:
        return handle.read()


def test_the_photo_fixture_really_carries_gps_and_device(world):
    exif = Image.open(io.BytesIO(phone_photo())).getexif()
    assert exif[ExifTags.Base.Model] == "iPhone 15"
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)


def test_a_photo_loses_its_position_device_and_maker_notes_and_keeps_its_capture_time(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    attachment = services.alert_add_attachment(
        actor=world.landlord_agent, alert=alert, uploaded_file=upload(phone_photo(), "IMG_4242.JPG")
    )
    content = stored(attachment)
    for leak in (b"Apple", b"iPhone", b"secret", b"Exif"):
        assert leak not in content
    image = Image.open(io.BytesIO(content))
    assert not image.getexif()
    assert image.size == (2, 6)
    assert attachment.size == len(content)
    assert attachment.taken_at == datetime.datetime(2026, 3, 15, 1, 5, 9, tzinfo=datetime.UTC)


def test_a_photo_without_exif_has_no_capture_time(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    attachment = services.alert_add_attachment(
        actor=world.landlord_agent, alert=alert, uploaded_file=upload(JPEG)
    )
    assert attachment.taken_at is None


def test_a_jpeg_html_polyglot_named_html_is_stored_and_served_as_jpg(world, login):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    polyglot = JPEG + b"<html><script>alert(document.cookie)</script></html>"
    attachment = services.alert_add_attachment(
        actor=world.landlord_agent, alert=alert, uploaded_file=upload(polyglot, "rapport.html")
    )
    assert attachment.original_name == "rapport.jpg"
    assert b"<script>" not in stored(attachment)
    response = login(world.landlord_agent).get(reverse("alerts:attachment", args=[alert.pk, attachment.pk]))
    assert response.status_code == 200
    assert 'filename="rapport.jpg"' in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("compte-rendu.exe", "compte-rendu.pdf"),
        ("sans extension", "sans extension.pdf"),
        (".html", "fichier.pdf"),
    ],
)
def test_a_document_takes_the_extension_of_its_sniffed_type(world, name, expected):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    attachment = services.alert_add_attachment(
        actor=world.landlord_agent, alert=alert, uploaded_file=upload(PDF, name)
    )
    assert attachment.original_name == expected


def test_a_photo_that_does_not_decode_is_refused_in_french(world):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    with pytest.raises(ApplicationError) as refused:
        services.alert_add_attachment(
            actor=world.landlord_agent,
            alert=alert,
            uploaded_file=upload(b"\xff\xd8\xff\xe0" + b"<html>not a picture</html>", "photo.jpg"),
        )
    assert "illisible" in refused.value.message
    assert not alert.attachments.exists()


def test_a_photo_gets_its_gallery_preview_from_the_worker_queued_when_the_fiche_commits(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.make_thumbnail_task, "apply_async", lambda args, **options: queued.append(args))
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    big = io.BytesIO()
    Image.new("RGB", (1600, 1200), "green").save(big, format="JPEG")
    with django_capture_on_commit_callbacks(execute=True):
        photo = services.alert_add_attachment(
            actor=world.landlord_agent, alert=alert, uploaded_file=upload(big.getvalue(), "hall.jpg")
        )
        services.alert_add_attachment(
            actor=world.landlord_agent, alert=alert, uploaded_file=upload(PDF, "pv.pdf")
        )
    assert queued == [[photo.pk]]  # a PDF has no preview

    tasks.make_thumbnail_task(photo.pk)
    photo.refresh_from_db()
    with photo.thumbnail.open("rb") as handle, Image.open(handle) as preview:
        assert preview.format == "JPEG"
        assert preview.size == (320, 240)


def test_the_fiche_page_shows_the_gallery_and_streams_all_photos_as_one_audited_zip(world, login):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    for name in ("IMG_0001.jpg", "IMG_0001.jpg"):
        services.alert_add_attachment(
            actor=world.landlord_agent, alert=alert, uploaded_file=upload(JPEG, name)
        )
    services.alert_add_attachment(
        actor=world.landlord_agent, alert=alert, uploaded_file=upload(PDF, "pv.pdf")
    )
    first = alert.attachments.first()
    tasks.make_thumbnail_task(first.pk)
    client = login(world.officer)

    page = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert 'data-testid="gallery"' in page
    assert reverse("alerts:thumbnail", args=[alert.pk, first.pk]) in page
    assert client.get(reverse("alerts:thumbnail", args=[alert.pk, first.pk]))["Content-Type"] == "image/jpeg"

    response = client.get(reverse("alerts:photos_zip", args=[alert.pk]))
    assert response.streaming
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist() == ["01-IMG_0001.jpg", "02-IMG_0001.jpg"]
    assert archive.read("01-IMG_0001.jpg") == stored(first)
    entry = AuditEntry.objects.filter(action=AuditAction.DOWNLOAD, alert_id=alert.pk).get()
    assert entry.actor == world.officer
    assert len(entry.detail["photos"]) == 2


def test_a_stranger_to_the_fiche_gets_neither_its_photos_zip_nor_its_previews(world, login):
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    photo = services.alert_add_attachment(actor=world.landlord_agent, alert=alert, uploaded_file=upload(JPEG))
    tasks.make_thumbnail_task(photo.pk)
    client = login(world.gendarme)
    assert client.get(reverse("alerts:photos_zip", args=[alert.pk])).status_code == 404
    assert client.get(reverse("alerts:thumbnail", args=[alert.pk, photo.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.DOWNLOAD).exists()


def test_the_beat_sweep_makes_the_previews_of_photos_attached_while_the_broker_was_down(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.make_thumbnail_task, "apply_async", broker_down)
    alert = filed_alert(site=world.site_creil, reporter=world.landlord_agent)
    with django_capture_on_commit_callbacks(execute=True):
        old, pdf, recent = (
            services.alert_add_attachment(actor=world.landlord_agent, alert=alert, uploaded_file=file)
            for file in (upload(JPEG), upload(PDF, "pv.pdf"), upload(JPEG))
        )
    # The sweep leaves a fresh photo to the task its upload queued.
    Attachment.objects.filter(pk__in=[old.pk, pdf.pk]).update(
        created_at=timezone.now() - datetime.timedelta(minutes=10)
    )

    assert tasks.sweep_thumbnails_task() == 1
    for attachment in (old, pdf, recent):
        attachment.refresh_from_db()
    assert old.thumbnail
    assert not pdf.thumbnail
    assert not recent.thumbnail
    assert tasks.sweep_thumbnails_task() == 0  # done once: the next run finds nothing left


def test_the_thumbnail_sweep_runs_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["alerts-sweep-thumbnails"]
    assert entry["task"] == "alerts.tasks.sweep_thumbnails_task"
    assert entry["schedule"] <= 15 * 60
