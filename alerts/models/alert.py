import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from partnerships.models import Building, Department, HousingSite, Organisation

from ..validators import validate_free_text
from .choices import (
    Category,
    Complaint,
    ComplaintBy,
    Outcome,
    PlaceType,
    StaffFunction,
    Status,
    SubCategory,
    Urgency,
)


class Alert(models.Model):
    """A fiche alerte. Status changes only through alerts.services (the transition table)."""

    reference = models.CharField(_("référence"), max_length=24, unique=True, null=True, blank=True)
    # Filing side
    # No single-column index on the foreign keys that lead a composite index below (landlord, site,
    # department, routed_unit, convention, reporter): those serve the same lookups and deletes, and
    # every index is rewritten by each UPDATE of a fiche (the escalation scan raises thousands at once).
    landlord = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="filed_alerts",
        verbose_name=_("bailleur"),
        db_index=False,
    )
    site = models.ForeignKey(
        HousingSite, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("site"), db_index=False
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("bâtiment"),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="alerts", db_index=False
    )
    # Emptied when the fiche is anonymised at the end of its retention period (alerts/retention.py).
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_alerts",
        verbose_name=_("déclarant"),
        db_index=False,  # alert_idempotent_per_reporter leads with it
    )
    reporter_visible = models.BooleanField(_("identité du déclarant visible par les forces"), default=False)
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False)
    # SHA-256 of the API request that filed the fiche (canonical JSON): the key replayed with another
    # body is refused instead of answering with this fiche. Empty for fiches filed from the pages.
    idempotency_body_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    # Routing side
    routed_unit = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="routed_alerts",
        verbose_name=_("unité destinataire"),
        db_index=False,
    )
    convention = models.ForeignKey(
        "conventions.Convention",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("convention"),
        db_index=False,
    )
    # Facts
    category = models.CharField(_("catégorie"), max_length=20, choices=Category.choices)
    subcategory = models.CharField(
        _("sous-catégorie"), max_length=24, choices=SubCategory.choices, blank=True
    )
    place_type = models.CharField(_("lieu"), max_length=16, choices=PlaceType.choices, blank=True)
    people_count = models.PositiveSmallIntegerField(_("nombre estimé de personnes"), null=True, blank=True)
    weapon_seen = models.BooleanField(_("arme aperçue"), default=False)
    facts_at = models.DateTimeField(_("date et heure des faits"))
    urgency = models.CharField(_("urgence"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    description = models.TextField(_("description des faits"), validators=[validate_free_text])
    staff_victim = models.BooleanField(_("un personnel est victime"), default=False)
    staff_victim_function = models.CharField(
        _("fonction du personnel victime"), max_length=12, choices=StaffFunction.choices, blank=True
    )
    work_stoppage = models.BooleanField(_("arrêt de travail"), default=False)
    complaint = models.CharField(
        _("plainte déposée"), max_length=8, choices=Complaint.choices, default=Complaint.NO
    )
    complaint_by = models.CharField(
        _("plainte déposée par"), max_length=10, choices=ComplaintBy.choices, blank=True
    )
    complaint_date = models.DateField(_("date de la plainte"), null=True, blank=True)
    complaint_service = models.CharField(_("service ayant reçu la plainte"), max_length=150, blank=True)
    # Restricted to the force and the prefecture (never shown to landlords other than the filer's form).
    complaint_reference = models.CharField(_("numéro de procédure"), max_length=60, blank=True)
    main_courante = models.BooleanField(_("main courante déposée"), default=False)
    images_available = models.BooleanField(_("images / vidéo disponibles"), default=False)
    witnesses_available = models.BooleanField(_("témoins disponibles"), default=False)
    recurring = models.BooleanField(_("faits récurrents"), default=False)
    # Lifecycle
    status = models.CharField(_("statut"), max_length=14, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("transmise le"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("prise en compte le"), null=True, blank=True)
    first_feedback_at = models.DateTimeField(_("premier retour le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)
    ack_due_at = models.DateTimeField(_("prise en compte attendue avant"), null=True, blank=True)
    feedback_due_at = models.DateTimeField(_("premier retour attendu avant"), null=True, blank=True)
    ack_escalation_level = models.PositiveSmallIntegerField(
        _("niveau de relance (prise en compte)"), default=0
    )
    feedback_escalation_level = models.PositiveSmallIntegerField(_("niveau de relance (retour)"), default=0)
    outcome = models.CharField(_("suite donnée"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_comment = models.TextField(
        _("précisions sur la suite donnée"), blank=True, validators=[validate_free_text]
    )
    linked_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="linked_alerts",
        verbose_name=_("rattachée à la fiche"),
        db_index=False,  # alert_linked_to_idx
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_duplicates",
        verbose_name=_("doublon de"),
        db_index=False,  # alert_duplicate_of_idx
    )
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("fiche alerte")
        verbose_name_plural = _("fiches alertes")
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "idempotency_key"], name="alert_idempotent_per_reporter"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(reference__isnull=False), name="alert_submitted_has_reference"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(outcome=""), name="alert_closed_has_outcome"
            ),
        ]
        indexes = [
            # A unit's triage order (overdue first, computed from now: see KeysFirstPaginator) sorts
            # its fiches' keys from this index alone, and its status tabs are counted from it.
            models.Index(
                fields=["routed_unit", "status", "-created_at"],
                include=[
                    "urgency",
                    "submitted_at",
                    "ack_due_at",
                    "feedback_due_at",
                    "first_feedback_at",
                    "id",
                ],
                name="alert_unit_triage_idx",
            ),
            models.Index(fields=["landlord", "-created_at"], name="alert_landlord_created_idx"),
            # The prefecture's list (newest first, drafts excluded) walks it in order; its status
            # tabs are counted from it.
            models.Index(
                fields=["department", "-created_at"], include=["status"], name="alert_dept_created_idx"
            ),
            models.Index(fields=["site", "category", "-created_at"], name="alert_site_category_idx"),
            # Indicators read a period of a convention or a département: only that period's rows. A
            # convention's are counted from the index alone (PostgreSQL): it carries every column
            # conventions/indicators.py reads for them (tens of thousands of rows a page).
            models.Index(
                fields=["convention", "submitted_at"],
                include=[
                    "department",
                    "status",
                    "site",
                    "category",
                    "acknowledged_at",
                    "ack_due_at",
                    "first_feedback_at",
                    "staff_victim",
                    "complaint",
                ],
                name="alert_conv_indicators_idx",
            ),
            models.Index(fields=["department", "submitted_at"], name="alert_dept_submitted_idx"),
            # The landlord's status tabs are counted from the index alone.
            models.Index(fields=["landlord", "status"], name="alert_landlord_status_idx"),
            models.Index(fields=["ack_due_at"], condition=Q(status="submitted"), name="alert_ack_due_idx"),
            # Almost every fiche has neither link: left out of these indexes, it costs them nothing
            # when it is filed or updated (lookups by a linked fiche imply a value).
            models.Index(
                fields=["linked_to"], condition=Q(linked_to__isnull=False), name="alert_linked_to_idx"
            ),
            models.Index(
                fields=["duplicate_of"],
                condition=Q(duplicate_of__isnull=False),
                name="alert_duplicate_of_idx",
            ),
            models.Index(
                fields=["feedback_due_at"],
                condition=Q(first_feedback_at__isnull=True)
                & Q(status__in=["submitted", "acknowledged", "in_progress"]),
                name="alert_feedback_due_idx",
            ),
        ]

    def __str__(self):
        return self.reference or _("Brouillon n° %(pk)s") % {"pk": self.pk}

    @property
    def escalation_level(self) -> int:
        """The higher of the two clocks' levels (acknowledgement, first feedback), 0 to 4."""
        return max(self.ack_escalation_level, self.feedback_escalation_level)


def alert_field_names(first: str | None = None, last: str | None = None) -> tuple[str, ...]:
    """The names of the fiche's concrete fields in declaration order, from `first` to `last` included
    (all of them by default). The lists other modules keep of a fiche's fields (what a landlord fills
    in, what a list reads, what the API shows) are sections of the model read here, so a field
    declared in a section joins each list built on it."""
    names = [field.name for field in Alert._meta.concrete_fields]
    start = names.index(first) if first else 0
    stop = names.index(last) + 1 if last else len(names)
    return tuple(names[start:stop])


class ReferenceCounter(models.Model):
    """Next reference number per département and year; a row lock makes concurrent filing safe."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "year"], name="reference_counter_unique")
        ]

    def __str__(self):
        return f"{self.department_id}-{self.year} : {self.last_value}"


class AlertUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Alert, on_delete=models.CASCADE)


class AlertGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Alert, on_delete=models.CASCADE)
