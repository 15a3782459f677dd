"""Factories of fiches alertes. Fiches are filed through the services (reference, routing and grants
as in production); `alert_data` gives a valid form payload to override."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from alerts import services
from alerts.models import Category, Urgency

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
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
