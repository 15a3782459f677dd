from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from partnerships.models import Organisation

from ..validators import validate_free_text
from .alert import Alert
from .choices import EventKind, Status


class AlertEvent(models.Model):
    """The fiche's timeline. A comment is shared with every organisation that sees the fiche
    unless `internal_to` restricts it to one organisation."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("type"), max_length=12, choices=EventKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    internal_to = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("interne à"),
    )
    from_status = models.CharField(max_length=14, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=14, choices=Status.choices, blank=True)
    message = models.TextField(_("message"), blank=True, validators=[validate_free_text])
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        indexes = [
            models.Index(fields=["alert", "created_at"]),
            # Redirections counted by the indicators: a small index instead of every fiche's timeline.
            models.Index(
                fields=["alert"], condition=models.Q(kind="redirect"), name="alertevent_redirect_idx"
            ),
        ]

    def __str__(self):
        return f"{self.alert} — {self.get_kind_display()}"


def attachment_path(instance, filename):
    # Never the user's file name on disk: only the alert id and a random token.
    import uuid

    return f"alerts/{instance.alert_id}/{uuid.uuid4().hex}"


def thumbnail_path(instance, filename):
    import uuid

    return f"alerts/{instance.alert_id}/thumbnails/{uuid.uuid4().hex}.jpg"


class Attachment(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="attachments")
    event = models.OneToOneField(
        AlertEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachment"
    )
    file = models.FileField(upload_to=attachment_path)
    # A small JPEG of a photo for the fiche's gallery, made by a Celery task after the upload
    # (alerts.tasks.make_thumbnail_task); empty for a PDF, or until the worker has run.
    thumbnail = models.FileField(upload_to=thumbnail_path, blank=True)
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    # Read from the photo's EXIF before its metadata is stripped (alerts.services.attachments).
    taken_at = models.DateTimeField(_("prise de vue"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The client's Idempotency-Key (API upload): an upload resent after a lost answer returns this
    # attachment instead of storing the photo twice; the hash of the first request's content tells a
    # replay from another file sent under the same key (alerts.services.attachments).
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)
    idempotency_body_hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        constraints = [
            # Uploads without a key (the web form) have NULL here: NULLs never collide.
            models.UniqueConstraint(
                fields=["uploaded_by", "idempotency_key"], name="attachment_idempotent_per_uploader"
            ),
        ]
        indexes = [
            # The beat sweep's photos still without a preview (alerts.tasks.sweep_thumbnails_task):
            # a handful of rows, not the whole table, every run.
            models.Index(
                fields=["created_at"],
                condition=models.Q(thumbnail="", content_type__startswith="image/"),
                name="attachment_no_thumbnail_idx",
            ),
        ]

    def __str__(self):
        return self.original_name
