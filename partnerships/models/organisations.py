from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .geography import Commune, Department


class OrganisationKind(models.TextChoices):
    PREFECTURE = "prefecture", _("Préfecture")
    LANDLORD = "landlord", _("Bailleur social")
    POLICE = "police", _("Police nationale")
    GENDARMERIE = "gendarmerie", _("Gendarmerie nationale")
    MUNICIPALITY = "municipality", _("Commune (mairie)")
    PARQUET = "parquet", _("Parquet")

    @classmethod
    def forces(cls):
        return (cls.POLICE, cls.GENDARMERIE)


class Organisation(models.Model):
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=OrganisationKind.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("département")
    )
    # brigade → compagnie → groupement; commissariat → DDSP
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("unité de rattachement"),
    )
    # A force unit's identity in the Ministry of the Interior's files (`id_service`): its name is a
    # label that may change, and homonymous units exist in different départements.
    service_code = models.CharField(
        _("identifiant du service (ministère de l'Intérieur)"),
        max_length=30,
        null=True,
        blank=True,
        unique=True,
    )
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    email = models.EmailField(_("adresse e-mail de contact"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    # For a partner mayor: the communes whose aggregated indicators it may read.
    communes = models.ManyToManyField(
        Commune, blank=True, related_name="municipalities", verbose_name=_("communes (mairie)")
    )
    # For a landlord: the départements where it operates besides its own (its estates lie there).
    departments = models.ManyToManyField(
        Department,
        blank=True,
        related_name="operating_landlords",
        verbose_name=_("autres départements d'intervention (bailleur)"),
    )
    # One django group per organisation carries its object permissions (django-guardian).
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="organisation"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["department", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            # A force unit known by its id_service may share its name with another (a name is a label).
            models.UniqueConstraint(
                fields=["department", "kind", "name"],
                condition=Q(service_code__isnull=True),
                name="organisation_unique_name",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="organisation_not_own_parent"),
        ]
        indexes = [models.Index(fields=["kind", "department"])]

    def __str__(self):
        return self.name

    @property
    def is_force(self) -> bool:
        return self.kind in OrganisationKind.forces()

    @property
    def is_landlord(self) -> bool:
        return self.kind == OrganisationKind.LANDLORD

    @property
    def is_prefecture(self) -> bool:
        return self.kind == OrganisationKind.PREFECTURE

    def operating_department_ids(self) -> set[str]:
        """Where a landlord may hold estates: its own département and those listed."""
        return {self.department_id, *self.departments.values_list("code", flat=True)}


class TerritoryAssignment(models.Model):
    """A force unit is competent in a commune for a period. At most one current assignment per
    commune and force: that unit (the lowest level) is what routing reads. A commune split between
    the police and the gendarmerie has two, and each estate there says which one applies."""

    unit = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="territory", verbose_name=_("unité")
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("commune")
    )
    # The unit's kind, copied so that the database can allow one current unit per force.
    force = models.CharField(_("force"), max_length=20, choices=OrganisationKind.choices)
    # The Ministry file's postal codes of this part of a split commune: they locate an estate there.
    postal_codes = models.CharField(_("codes postaux"), max_length=200, blank=True, default="", db_default="")
    valid_from = models.DateField(_("depuis le"))
    valid_until = models.DateField(_("jusqu'au"), null=True, blank=True)

    class Meta:
        verbose_name = _("compétence territoriale")
        verbose_name_plural = _("compétences territoriales")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "force"],
                condition=Q(valid_until__isnull=True),
                name="one_current_unit_per_commune_and_force",
                violation_error_message=_("Cette commune a déjà une unité compétente de cette force."),
            ),
            models.CheckConstraint(
                condition=Q(force__in=[kind.value for kind in OrganisationKind.forces()]),
                name="territory_force_is_a_force",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="territory_period_coherent",
            ),
        ]
        indexes = [models.Index(fields=["unit", "valid_until"])]

    def __str__(self):
        return f"{self.commune} → {self.unit}"


class SecurityCorrespondent(models.Model):
    """A named contact (correspondant tranquillité-sécurité) in the partners' shared directory."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="correspondents")
    full_name = models.CharField(_("nom et prénom"), max_length=150)
    function = models.CharField(_("fonction"), max_length=150)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    user = models.ForeignKey(
        "partnerships.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["organisation", "full_name"]
        verbose_name = _("correspondant sécurité")
        verbose_name_plural = _("correspondants sécurité")

    def __str__(self):
        return f"{self.full_name} ({self.organisation})"
