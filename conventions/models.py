"""Conventions de partenariat sécurité. This module holds the core the fiches depend on (the
convention, its signatories, its perimeter, its response policy); follow-up models (commitments,
meetings, action items, partnership problems) live beside them."""

import datetime

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.validators import validate_free_text
from partnerships.models import Department, HousingSite, Organisation


class ConventionStatus(models.TextChoices):
    DRAFT = "draft", _("Projet")
    SIGNED = "signed", _("Signée")
    ACTIVE = "active", _("En vigueur")
    EXPIRED = "expired", _("Expirée")
    TERMINATED = "terminated", _("Résiliée")


class Convention(models.Model):
    title = models.CharField(_("intitulé"), max_length=250)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="conventions", verbose_name=_("département")
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=ConventionStatus.choices, default=ConventionStatus.DRAFT
    )
    signed_on = models.DateField(_("signée le"), null=True, blank=True)
    effective_from = models.DateField(_("en vigueur du"), null=True, blank=True)
    effective_until = models.DateField(_("au"), null=True, blank=True)
    tacit_renewal = models.BooleanField(_("reconduction tacite"), default=False)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
        verbose_name=_("convention modifiée (avenant)"),
    )
    # Perimeter: every estate of the signatory landlords, unless a list is chosen.
    all_sites_of_signatories = models.BooleanField(
        _("tous les sites des bailleurs signataires"), default=True
    )
    sites = models.ManyToManyField(
        HousingSite, blank=True, related_name="conventions", verbose_name=_("sites couverts")
    )
    # Periodic points between each landlord and its force units (every six months in Martinique).
    periodic_review_months = models.PositiveSmallIntegerField(
        _("points périodiques bailleur-forces (mois)"), null=True, blank=True
    )
    # The parquet reads aggregated figures only, unless the convention lets it read the fiches
    # themselves (their names and addresses): a choice of the signatories, off by default.
    parquet_reads_fiches = models.BooleanField(
        _("le parquet lit les fiches nominatives"),
        default=False,
        help_text=_("Sinon, le parquet signataire ne voit que les indicateurs agrégés."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["department", "-effective_from"]
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True)
                | Q(effective_from__isnull=True)
                | Q(effective_until__gte=models.F("effective_from")),
                name="convention_period_coherent",
            )
        ]

    def __str__(self):
        return self.title

    def in_force_on(self, day: datetime.date) -> bool:
        return (
            self.status in (ConventionStatus.SIGNED, ConventionStatus.ACTIVE)
            and (self.effective_from is None or self.effective_from <= day)
            and (self.effective_until is None or day <= self.effective_until)
        )


class Signatory(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="signatories")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("organisation")
    )
    representative = models.CharField(_("représentant"), max_length=150, blank=True)
    title = models.CharField(_("qualité"), max_length=150, blank=True)
    signed_on = models.DateField(_("date de signature"), null=True, blank=True)

    class Meta:
        ordering = ["convention", "organisation__kind", "organisation__name"]
        verbose_name = _("signataire")
        verbose_name_plural = _("signataires")
        constraints = [
            models.UniqueConstraint(fields=["convention", "organisation"], name="signatory_unique")
        ]

    def __str__(self):
        return f"{self.organisation} — {self.convention}"


def private_upload_path(instance, filename):
    # Never the user's file name on disk: the model and a random token only.
    import uuid

    return f"conventions/{instance._meta.model_name}/{uuid.uuid4().hex}"


class ConventionDocument(models.Model):
    """The signed document (and annexes): stored privately, served only by a permission-checked view."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=private_upload_path)
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(max_length=100)
    is_signed_version = models.BooleanField(_("version signée"), default=True)
    uploaded_by = models.ForeignKey(
        "partnerships.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("document de la convention")

    def __str__(self):
        return self.original_name


class CommitmentStatus(models.TextChoices):
    TO_START = "to_start", _("À engager")
    IN_PROGRESS = "in_progress", _("En cours")
    DONE = "done", _("Réalisé")
    ABANDONED = "abandoned", _("Abandonné")


class Commitment(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="commitments")
    text = models.TextField(_("engagement"), validators=[validate_free_text])
    responsible = models.ManyToManyField(
        Organisation, blank=True, related_name="commitments", verbose_name=_("organisations responsables")
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=CommitmentStatus.choices, default=CommitmentStatus.TO_START
    )
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["convention", "position", "id"]
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")

    def __str__(self):
        return self.text[:80]


class MeetingKind(models.TextChoices):
    STEERING = "steering", _("Comité de pilotage")
    FOLLOW_UP = "follow_up", _("Comité de suivi")
    PERIODIC = "periodic", _("Point périodique bailleur-forces")


class Meeting(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(_("type de réunion"), max_length=10, choices=MeetingKind.choices)
    date = models.DateField(_("date"))
    attendees = models.ManyToManyField(
        Organisation, blank=True, related_name="meetings", verbose_name=_("organisations présentes")
    )
    minutes = models.TextField(_("compte rendu"), blank=True, validators=[validate_free_text])
    minutes_file = models.FileField(_("compte rendu (fichier)"), upload_to=private_upload_path, blank=True)

    class Meta:
        ordering = ["convention", "-date", "-id"]
        verbose_name = _("réunion")
        verbose_name_plural = _("réunions")
        indexes = [models.Index(fields=["convention", "kind", "-date"])]

    def __str__(self):
        return f"{self.get_kind_display()} du {self.date:%d/%m/%Y}"


class ActionItemStatus(models.TextChoices):
    OPEN = "open", _("À faire")
    IN_PROGRESS = "in_progress", _("En cours")
    DONE = "done", _("Fait")
    DROPPED = "dropped", _("Abandonné")


OPEN_ACTION_STATUSES = (ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS)


class ActionItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    text = models.TextField(_("action"), validators=[validate_free_text])
    owner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="action_items", verbose_name=_("pilote")
    )
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    status = models.CharField(
        _("statut"), max_length=12, choices=ActionItemStatus.choices, default=ActionItemStatus.OPEN
    )

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("action à mener")
        verbose_name_plural = _("actions à mener")

    def __str__(self):
        return self.text[:80]

    @property
    def is_late(self) -> bool:
        """Still open after its due date (in the reader's local day), as periodic points are marked."""
        return (
            self.status in OPEN_ACTION_STATUSES
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )


class ProblemStatus(models.TextChoices):
    IDENTIFIED = "identified", _("Identifié")
    IN_TREATMENT = "in_treatment", _("En traitement")
    RESOLVED = "resolved", _("Résolu")


class PartnershipProblem(models.Model):
    """A recurring problem at an estate or area, as the PSQ's operational partnership groups track them."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="partnership_problems")
    site = models.ForeignKey(
        HousingSite,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="partnership_problems",
        verbose_name=_("site"),
    )
    commune = models.ForeignKey(
        "partnerships.Commune",
        on_delete=models.PROTECT,
        related_name="partnership_problems",
        verbose_name=_("commune"),
    )
    title = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(_("description"), blank=True, validators=[validate_free_text])
    opened_by = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="opened_problems", verbose_name=_("ouvert par")
    )
    partners = models.ManyToManyField(
        Organisation, blank=True, related_name="partnership_problems", verbose_name=_("partenaires")
    )
    action_plan = models.TextField(_("plan d'action"), blank=True, validators=[validate_free_text])
    status = models.CharField(
        _("statut"), max_length=12, choices=ProblemStatus.choices, default=ProblemStatus.IDENTIFIED
    )
    alerts = models.ManyToManyField(
        "alerts.Alert", blank=True, related_name="partnership_problems", verbose_name=_("fiches liées")
    )
    # The moment of each transition (identified: opened_at), kept for the timeline and the indicators.
    opened_at = models.DateTimeField(_("identifié le"), auto_now_add=True)
    in_treatment_at = models.DateTimeField(_("en traitement depuis le"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("résolu le"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("problème partenarial")
        verbose_name_plural = _("problèmes partenariaux")
        indexes = [models.Index(fields=["department", "status"])]

    def __str__(self):
        return self.title


class HistoryEvent(models.Model):
    """One line of a history written by the services: who changed what, when. The message is shown
    as is (it may quote free text); `data` holds the machine-readable part (ids, field names, codes)."""

    actor = models.ForeignKey("partnerships.User", on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=40)
    message = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.message


class ConventionEvent(HistoryEvent):
    """History of a convention and its follow-up (commitments, meetings, action items, delays)."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="events")

    class Meta(HistoryEvent.Meta):
        verbose_name = _("historique")


class PartnershipProblemEvent(HistoryEvent):
    """History of a partnership problem: its opening, each change of status, of its action plan and
    of its linked fiches."""

    problem = models.ForeignKey(PartnershipProblem, on_delete=models.CASCADE, related_name="events")

    class Meta(HistoryEvent.Meta):
        verbose_name = _("historique du problème partenarial")


class ResponsePolicy(models.Model):
    """The response delays promised to the landlords, per urgency: a convention's own, or the
    département's default (no convention). Due dates are computed and stored on each fiche when it
    is submitted or re-routed, so a change applies to new fiches only."""

    convention = models.OneToOneField(
        Convention, on_delete=models.CASCADE, null=True, blank=True, related_name="response_policy"
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, related_name="response_policies"
    )
    immediate_ack_hours = models.PositiveSmallIntegerField(
        _("urgence immédiate : prise en compte sous (heures)"), default=1, validators=[MinValueValidator(1)]
    )
    immediate_feedback_days = models.PositiveSmallIntegerField(
        _("urgence immédiate : premier retour sous (jours)"), default=1, validators=[MinValueValidator(1)]
    )
    high_ack_hours = models.PositiveSmallIntegerField(
        _("urgence haute : prise en compte sous (heures)"), default=4, validators=[MinValueValidator(1)]
    )
    high_feedback_days = models.PositiveSmallIntegerField(
        _("urgence haute : premier retour sous (jours)"), default=3, validators=[MinValueValidator(1)]
    )
    normal_ack_hours = models.PositiveSmallIntegerField(
        _("urgence normale : prise en compte sous (heures)"), default=24, validators=[MinValueValidator(1)]
    )
    normal_feedback_days = models.PositiveSmallIntegerField(
        _("urgence normale : premier retour sous (jours)"), default=7, validators=[MinValueValidator(1)]
    )
    feedback_working_days = models.BooleanField(
        _(
            "compter le délai de premier retour en jours ouvrés (hors week-ends et jours fériés du département)"
        ),
        default=False,
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "partnerships.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("politique de réponse")
        verbose_name_plural = _("politiques de réponse")
        constraints = [
            models.CheckConstraint(
                condition=(Q(convention__isnull=True) & Q(department__isnull=False))
                | (Q(convention__isnull=False) & Q(department__isnull=True)),
                name="response_policy_convention_xor_department",
            ),
            models.UniqueConstraint(
                fields=["department"],
                condition=Q(convention__isnull=True),
                name="response_policy_one_default_per_department",
            ),
        ]

    def __str__(self):
        return f"Délais — {self.convention or self.department}"

    def windows(self, urgency: str) -> tuple[int, int]:
        """(hours to acknowledge, days to first feedback) for an urgency."""
        prefix = urgency if urgency in ("immediate", "high") else "normal"
        return getattr(self, f"{prefix}_ack_hours"), getattr(self, f"{prefix}_feedback_days")


class ReminderSent(models.Model):
    """One reminder told to one person (conventions/reminders.py): an action item, a periodic point or
    a convention's expiry, at one threshold. The unique key is what makes each reminder once: a re-run
    of the task, or a second scheduler, finds the row and sends nothing."""

    recipient = models.ForeignKey("partnerships.User", on_delete=models.CASCADE, related_name="+")
    # What and which threshold, with the date it is about: a new due date starts a new reminder.
    key = models.CharField(max_length=120)
    channel = models.CharField(max_length=10)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rappel envoyé")
        verbose_name_plural = _("rappels envoyés")
        constraints = [models.UniqueConstraint(fields=["key", "recipient"], name="reminder_sent_once")]

    def __str__(self):
        return f"{self.key} → {self.recipient_id}"
