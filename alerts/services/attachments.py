"""Attachments of a fiche: the type is read from the first bytes (never the name or the browser's
claim), the size is capped, the file is stored under a random name and served by a checked view."""

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from partnerships.errors import ApplicationError
from partnerships.models import User

from ..models import Alert, Attachment, EventKind
from .common import authorise, record_event

HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1")


def sniff_content_type(head: bytes) -> str | None:
    """The MIME type of an accepted file from its first bytes, None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


@transaction.atomic
def alert_add_attachment(*, actor: User, alert: Alert, uploaded_file) -> Attachment:
    """Attach a photo (JPEG, PNG, WebP, HEIC) or a PDF to a fiche, within settings.MAX_UPLOAD_SIZE."""
    authorise(actor, "attach", alert)
    limit = settings.MAX_UPLOAD_SIZE
    if uploaded_file.size > limit:
        raise ApplicationError(
            _("Le fichier dépasse la taille maximale autorisée (%(limit)s).")
            % {"limit": filesizeformat(limit)},
            code="file_too_large",
        )
    uploaded_file.seek(0)
    content_type = sniff_content_type(uploaded_file.read(16))
    uploaded_file.seek(0)
    if content_type is None:
        raise ApplicationError(
            _(
                "Type de fichier non accepté : seules les photos (JPEG, PNG, WebP, HEIC) et les "
                "documents PDF sont acceptés."
            ),
            code="file_type",
        )
    name = (uploaded_file.name or _("fichier")).rsplit("/", 1)[-1][:200]
    event = record_event(alert, actor, EventKind.ATTACHMENT, message=name)
    attachment = Attachment(
        alert=alert,
        event=event,
        original_name=name,
        content_type=content_type,
        size=uploaded_file.size,
        uploaded_by=actor,
    )
    attachment.file.save(name, uploaded_file, save=False)
    attachment.save()
    return attachment
