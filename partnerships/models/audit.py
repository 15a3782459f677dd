from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    VIEW = "view", _("Consultation")
    CREATE = "create", _("Création")
    CHANGE = "change", _("Modification")
    EXPORT = "export", _("Export")
    DOWNLOAD = "download", _("Téléchargement")
    ANONYMISE = "anonymise", _("Anonymisation")


# Labels of the codes the apps' services write in an entry's `detail` ("event", "status"): the apps
# register theirs when ready (the core imports no app).
DETAIL_LABELS: dict[str, dict] = {}

# What the journal shows for the object types written by the application.
OBJECT_LABELS = {
    "alerts.alert": _("Fiche"),
    "alerts.attachment": _("Pièce jointe"),
    "conventions.actionitem": _("Action à mener"),
    "conventions.commitment": _("Engagement"),
    "conventions.convention": _("Convention"),
    "conventions.conventiondocument": _("Document de convention"),
    "conventions.meeting": _("Compte rendu de réunion"),
    "conventions.partnershipproblem": _("Problème partenarial"),
    "conventions.responsepolicy": _("Délais de réponse"),
    "conventions.fiches": _("Fiches (toutes conventions)"),
    "conventions.indicateurs": _("Indicateurs (toutes conventions)"),
    "partnerships.auditentry": _("Journal d'audit"),
    "partnerships.apitoken": _("Jeton d'API"),
    "alerts.webhookendpoint": _("Webhook"),
    "partnerships.housingsite": _("Site"),
    "partnerships.organisation": _("Organisation"),
}


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit entries are append-only")

    def delete(self):
        raise TypeError("Audit entries are append-only")


class AuditEntry(models.Model):
    """Append-only proof of who viewed, changed, exported or downloaded what.

    Labels (e-mail, organisation name, fiche reference) are copied as text and the fiche is kept
    as a plain id, so that deleting a user or anonymising a fiche never rewrites or removes the
    proof. The only UPDATE ever allowed (and let through by the PostgreSQL trigger) is the
    SET NULL of actor/organisation when such a row is deleted."""

    at = models.DateTimeField(_("date"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("utilisateur"),
    )
    actor_label = models.CharField(_("utilisateur (e-mail)"), max_length=254, blank=True)
    organisation = models.ForeignKey(
        "partnerships.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    organisation_label = models.CharField(_("organisation (nom)"), max_length=200, blank=True)
    # The département whose prefecture may read the entry (the fiche's, or the actor's otherwise);
    # the composite index below serves its lookups, so no separate FK index.
    department = models.ForeignKey(
        "partnerships.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        verbose_name=_("département"),
    )
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("type d'objet"), max_length=60)
    object_id = models.CharField(_("identifiant de l'objet"), max_length=64, blank=True)
    alert_id = models.BigIntegerField(_("fiche (identifiant)"), null=True, blank=True)
    reference = models.CharField(_("référence"), max_length=60, blank=True)
    detail = models.JSONField(_("détail"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("entrée du journal d'audit")
        verbose_name_plural = _("journal d'audit")
        indexes = [
            models.Index(fields=["alert_id", "at"], name="audit_alert_at_idx"),
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object_at_idx"),
            models.Index(fields=["department", "at"], name="audit_department_at_idx"),
        ]

    def __str__(self):
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type} {self.object_id}"
        )

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit entries are append-only")

    @property
    def object_label(self) -> str:
        return str(OBJECT_LABELS.get(self.object_type, self.object_type))

    @property
    def action_label(self) -> str:
        """What was done, not only its kind: « Modification — Changement de statut (Transmise → Prise
        en compte) », from the event and statuses the apps' services record in `detail`."""
        label = str(self.get_action_display())
        event = (self.detail or {}).get("event")
        if not event:
            return label
        events, statuses = DETAIL_LABELS.get("event", {}), DETAIL_LABELS.get("status", {})
        text = f"{label} — {events.get(event, event)}"
        before, after = self.detail.get("from_status"), self.detail.get("to_status")
        if after and before != after:
            text += " (" + " → ".join(str(statuses.get(s, s)) for s in (before, after) if s) + ")"
        return text
