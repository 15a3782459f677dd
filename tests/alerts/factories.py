"""Factories of fiches alertes. Fiches are filed through the services (reference, routing and grants
as in production); `alert_data` gives a valid form payload to override."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from pillow_heif import register_heif_opener

from alerts import services
from alerts.models import Category, Urgency

register_heif_opener()


def image_bytes(image_format: str, size=(4, 3), **options) -> bytes:
    """A real, decodable picture: photos are re-encoded on upload, so their bytes must decode."""
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format=image_format, **options)
    return buffer.getvalue()


JPEG = image_bytes("JPEG")
PNG = image_bytes("PNG")
WEBP = image_bytes("WEBP")
HEIC = image_bytes("HEIF")
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 64


def alert_data(**overrides) -> dict:
    data = {
        "category": Category.DRUGS,
        "subcategory": "deal_point",
        "place_type": "hall",
        "facts_at": timezone.now() - datetime.timedelta(hours=1),
        "urgency": Urgency.NORMAL,
        "description": "Regroupement dans le hall B, échanges suspects.",
        "people_count": 4,
    }
    data.update(overrides)
    return data


def draft_alert(*, site, reporter, **overrides):
    return services.alert_create_draft(actor=reporter, site=site, data=alert_data(**overrides))


def filed_alert(*, site, reporter, **overrides):
    """A submitted fiche, routed like a real one."""
    return services.alert_file(actor=reporter, site=site, data=alert_data(**overrides))


def upload(content: bytes = JPEG, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")
