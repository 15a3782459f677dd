import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    CHECKING = "checking", _("Vérification en cours")
    CHECKED = "checked", _("Vérifié")
    COMMITTING = "committing", _("Enregistrement en cours")
    DONE = "done", _("Enregistré")
    FAILED = "failed", _("Échec")


RUNNING = (ImportStatus.PENDING, ImportStatus.CHECKING, ImportStatus.COMMITTING)


class ImportRun(models.Model):
    """One uploaded reference-data file, checked and then committed by Celery tasks
    (partnerships.services.imports): the page follows its progress and keeps its result readable."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_runs"
    )
    # The author's organisation when the file was uploaded: its managers follow the run too.
    organisation = models.ForeignKey(
        "partnerships.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("type"), max_length=20)
    # What the importer needs besides the file (format, landlord, date of effect), as JSON.
    params = models.JSONField(default=dict, blank=True)
    # Private storage (PRIVATE_MEDIA_ROOT): never served, deleted once the run is over.
    file = models.FileField(upload_to="imports/", max_length=200)
    original_name = models.CharField(max_length=255)
    confirm_reroute = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["organisation", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ImportStatus.values), name="importrun_status_valid"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.original_name} ({self.status})"

    @property
    def running(self) -> bool:
        return self.status in RUNNING
