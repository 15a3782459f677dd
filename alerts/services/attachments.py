"""Attachments of a fiche: the type is read from the first bytes (never the name or the browser's
claim), the size is capped, photos are re-encoded without their metadata, the file is stored under a
random name and served by a checked view under a name whose extension follows the sniffed type."""

import datetime
import hashlib
import io
import logging
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps
from pillow_heif import register_heif_opener

from partnerships.errors import ApplicationError
from partnerships.models import User

from .. import following
from ..models import Alert, Attachment, EventKind, Status
from .common import authorise, record_event

register_heif_opener()
logger = logging.getLogger(__name__)
# The gallery's previews: longest side in pixels.
THUMBNAIL_SIZE = 320
# The beat sweep (attachments_make_missing_thumbnails) leaves a photo this long to the task queued at
# its upload before making its preview itself, and makes at most a batch per run.
SWEEP_GRACE = datetime.timedelta(minutes=5)
SWEEP_BATCH = 200

HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1")

# The extension a stored or served file gets, from its sniffed type: a JPEG/HTML polyglot named
# "x.html" must never come back as "x.html" (a browser or desktop would open it as a page).
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}

# How each photo type is re-encoded: HEIC becomes JPEG (browsers do not display HEIC).
PHOTO_FORMATS = {
    "image/jpeg": ("JPEG", "image/jpeg"),
    "image/heic": ("JPEG", "image/jpeg"),
    "image/png": ("PNG", "image/png"),
    "image/webp": ("WEBP", "image/webp"),
}


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


def attachment_name(client_name: str | None, content_type: str) -> str:
    """The uploader's name with the extension of the sniffed type in place of its own."""
    base = (client_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    extension = EXTENSIONS[content_type]
    return f"{stem.strip()[: 199 - len(extension)] or 'fichier'}.{extension}"


def capture_time(exif: Image.Exif) -> datetime.datetime | None:
    """When the photo was taken, from EXIF (original time, else the file's time), aware: with the
    photo's own offset when it gives one, else read in the server's zone."""
    details = exif.get_ifd(ExifTags.IFD.Exif)
    raw = details.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    offset = details.get(ExifTags.Base.OffsetTimeOriginal)
    if not isinstance(raw, str):
        return None
    raw = raw.strip("\x00 ")
    offset = offset.strip("\x00 ") if isinstance(offset, str) else ""
    try:
        if offset:
            return datetime.datetime.strptime(f"{raw} {offset}", "%Y:%m:%d %H:%M:%S %z")
        return timezone.make_aware(datetime.datetime.strptime(raw, "%Y:%m:%d %H:%M:%S"))  # noqa: DTZ007
    except ValueError:
        return None


def photo_without_metadata(
    uploaded_file, content_type: str
) -> tuple[ContentFile, str, datetime.datetime | None]:
    """The photo re-encoded from its pixels only, turned upright first (EXIF orientation): GPS
    position, device make and model, maker notes and XMP are not copied. Returns the new file, its
    type and the capture time read before stripping. A photo that does not decode is refused."""
    image_format, new_type = PHOTO_FORMATS[content_type]
    try:
        with Image.open(uploaded_file) as image:
            taken_at = capture_time(image.getexif())
            icc_profile = image.info.get("icc_profile")
            upright = ImageOps.exif_transpose(image)
            upright.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise ApplicationError(
            "La photo est illisible ou endommagée : elle n'a pas été ajoutée.", code="file_unreadable"
        ) from error
    if image_format == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    # Nothing of the original's info (exif, xmp, comments, text chunks) goes into the new file but
    # the colour profile, which describes the pixels and says nothing of who or where.
    upright.info = {}
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if image_format == "JPEG":
        options["quality"] = 90
    buffer = io.BytesIO()
    upright.save(buffer, format=image_format, **options)
    return ContentFile(buffer.getvalue()), new_type, taken_at


def alert_add_attachment(
    *, actor: User, alert: Alert, uploaded_file, idempotency_key: uuid.UUID | None = None
) -> Attachment:
    """Attach a photo (JPEG, PNG, WebP, HEIC) or a PDF to a fiche, within settings.MAX_UPLOAD_SIZE."""
    attachment, _stored = alert_add_attachment_or_replay(
        actor=actor, alert=alert, uploaded_file=uploaded_file, idempotency_key=idempotency_key
    )
    return attachment


def upload_hash(alert: Alert, uploaded_file) -> str:
    """SHA-256 of what an upload asks for: this fiche, this file name, these bytes. The same upload
    resent hashes the same; another file (or the same one for another fiche) does not."""
    digest = hashlib.sha256(f"{alert.pk}\n{uploaded_file.name}\n".encode())
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()


def replayed_upload(attachment: Attachment, request_hash: str) -> tuple[Attachment, bool]:
    """The answer to an upload key already used: its attachment, unless the first upload's content
    differs (422, as for a fiche's key: a reused key must not hide another file)."""
    if attachment.idempotency_body_hash != request_hash:
        raise ApplicationError(
            _(
                "Cette clé d'idempotence a déjà servi pour un autre fichier (%(name)s) : choisissez une "
                "nouvelle clé pour ajouter un nouveau fichier."
            )
            % {"name": attachment.original_name},
            code="idempotency_key_reused",
            status=422,
        )
    return attachment, False


@transaction.atomic
def alert_add_attachment_or_replay(
    *, actor: User, alert: Alert, uploaded_file, idempotency_key: uuid.UUID | None = None
) -> tuple[Attachment, bool]:
    """alert_add_attachment, and whether this call stored the file (False: an earlier upload with the
    same key did, and its attachment is returned; the API answers 201 or 200 from it)."""
    request_hash = upload_hash(alert, uploaded_file) if idempotency_key else ""
    if idempotency_key:
        # Before the permission: the answer lost on the way is given even if the fiche moved on since.
        existing = Attachment.objects.filter(uploaded_by=actor, idempotency_key=idempotency_key).first()
        if existing is not None:
            return replayed_upload(existing, request_hash)
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
    taken_at = None
    content = uploaded_file
    if content_type in PHOTO_FORMATS:
        content, content_type, taken_at = photo_without_metadata(uploaded_file, content_type)
    name = attachment_name(uploaded_file.name, content_type)
    try:
        # A savepoint: the same key sent twice at once stores one file; the second waits on the
        # unique index, then answers with the first one's attachment.
        with transaction.atomic():
            event = record_event(alert, actor, EventKind.ATTACHMENT, message=name)
            attachment = Attachment(
                alert=alert,
                event=event,
                original_name=name,
                content_type=content_type,
                size=content.size,
                taken_at=taken_at,
                uploaded_by=actor,
                idempotency_key=idempotency_key,
                idempotency_body_hash=request_hash,
            )
            attachment.file.save(name, content, save=False)
            attachment.save()
    except IntegrityError:
        if not idempotency_key:
            raise
        attachment.file.delete(save=False)
        existing = Attachment.objects.get(uploaded_by=actor, idempotency_key=idempotency_key)
        return replayed_upload(existing, request_hash)
    if alert.status != Status.DRAFT:
        # A draft's photos reach its followers with the fiche itself, at submission.
        following.notify_followers(
            event=event,
            kind="alert_attachment",
            message=_("Pièce jointe ajoutée à la fiche %(reference)s") % {"reference": alert.reference},
        )
    if content_type.startswith("image/"):
        transaction.on_commit(lambda pk=attachment.pk: enqueue_thumbnail(pk))
    return attachment, True


def enqueue_thumbnail(attachment_pk: int) -> None:
    """A broker failure must not fail the filing: the gallery then links the photo without preview."""
    from ..tasks import make_thumbnail_task  # tasks import the services

    try:
        make_thumbnail_task.apply_async(args=[attachment_pk], retry=False)
    except Exception:  # any broker/transport error
        logger.warning("Broker unreachable, no thumbnail for attachment %s", attachment_pk, exc_info=True)


def attachment_make_thumbnail(*, attachment: Attachment) -> None:
    """The photo's preview for the gallery. Derived from a file already recorded and audited: no
    history event of its own. Made again if called twice (a task retried): the old file goes."""
    with attachment.file.open("rb") as source, Image.open(source) as image:
        image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="JPEG", quality=80)
    old = attachment.thumbnail.name
    attachment.thumbnail.save("thumbnail.jpg", ContentFile(buffer.getvalue()), save=False)
    attachment.save(update_fields=["thumbnail"])
    if old:
        attachment.thumbnail.storage.delete(old)


def attachments_make_missing_thumbnails() -> int:
    """The previews of photos whose task was never queued (the broker was down at the upload,
    enqueue_thumbnail) or was lost: made here, oldest first, a batch per run. Returns how many."""
    photos = Attachment.objects.filter(
        thumbnail="", content_type__startswith="image/", created_at__lt=timezone.now() - SWEEP_GRACE
    ).order_by("created_at")[:SWEEP_BATCH]
    made = 0
    for attachment in photos:
        try:
            attachment_make_thumbnail(attachment=attachment)
        except (OSError, ValueError, Image.DecompressionBombError):
            # A file gone or unreadable: the others still get theirs; the gallery links it without preview.
            logger.warning("No thumbnail for attachment %s", attachment.pk, exc_info=True)
            continue
        made += 1
    return made
