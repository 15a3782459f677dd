from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from .geography import Commune
from .organisations import Organisation, OrganisationKind


class HousingSite(models.Model):
    """An estate (groupe d'habitations) of a social landlord."""

    landlord = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="sites", verbose_name=_("bailleur")
    )
    name = models.CharField(_("nom"), max_length=200)
    reference = models.CharField(_("référence du bailleur"), max_length=50)
    rpls_programme = models.CharField(_("identifiant de programme RPLS"), max_length=50, blank=True)
    address = models.CharField(_("adresse"), max_length=250)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="sites", verbose_name=_("commune")
    )
    # Only for a commune split between the police and the gendarmerie: which of its two units is
    # competent here (set by the prefecture, or by the estates import from the postal code).
    force = models.CharField(
        _("force compétente (commune partagée)"),
        max_length=20,
        blank=True,
        default="",
        # Bulk loaders (the benchmark generator) write rows without naming this column.
        db_default="",
        choices=[(kind.value, kind.label) for kind in OrganisationKind.forces()],
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    dwellings = models.PositiveIntegerField(_("nombre de logements"), default=0)
    qpv_code = models.CharField(
        _("code QPV"),
        max_length=12,
        blank=True,
        help_text=_("Quartier prioritaire de la politique de la ville, ex. QN06001M"),
    )
    zsp = models.BooleanField(_("en zone de sécurité prioritaire (ZSP)"), default=False)
    qrr = models.BooleanField(_("en quartier de reconquête républicaine (QRR)"), default=False)
    entry_authorisation = models.BooleanField(
        _("autorisation permanente de pénétrer dans les parties communes (CSI L272-1)"), default=False
    )
    entry_authorisation_date = models.DateField(_("date de l'autorisation"), null=True, blank=True)
    video_transmission = models.BooleanField(
        _("transmission des images de vidéoprotection couverte par une convention (CSI L272-2)"),
        default=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("site (groupe d'habitations)")
        verbose_name_plural = _("sites")
        constraints = [
            models.UniqueConstraint(
                fields=["landlord", "reference"], name="site_unique_reference_per_landlord"
            ),
            models.CheckConstraint(
                condition=Q(entry_authorisation=True) | Q(entry_authorisation_date__isnull=True),
                name="site_authorisation_date_needs_authorisation",
            ),
        ]
        indexes = [
            models.Index(fields=["landlord", "name"]),
            models.Index(fields=["commune", "name"]),
        ]

    def __str__(self):
        return self.label(self.name, self.commune.name)

    def clean(self):
        super().clean()
        if self.landlord_id and self.commune_id:
            message = self.outside_territory_error(self.commune, self.landlord.operating_department_ids())
            if message:
                raise ValidationError({"commune": message})

    @staticmethod
    def outside_territory_error(commune: Commune, department_ids: set[str]) -> str:
        """Why a landlord may not hold an estate in `commune` (every path that sets an estate's commune
        asks this: services and admin through clean(), the estates import for each row)."""
        if commune.department_id in department_ids:
            return ""
        return _(
            "%(commune)s (département %(department)s) est hors des départements où le bailleur "
            "intervient (%(allowed)s) : la préfecture ou un administrateur peut en ajouter."
        ) % {
            "commune": commune.name,
            "department": commune.department_id,
            "allowed": ", ".join(sorted(department_ids)),
        }

    @staticmethod
    def label(name: str, commune_name: str) -> str:
        """How an estate is named in lists and drop-downs (also built from columns, see prefill_choices)."""
        return f"{name} — {commune_name}"


class Building(models.Model):
    site = models.ForeignKey(HousingSite, on_delete=models.CASCADE, related_name="buildings")
    reference = models.CharField(_("référence"), max_length=50)
    name = models.CharField(_("nom"), max_length=150, blank=True)
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    entrances = models.CharField(
        _("entrées / cages d'escalier"), max_length=200, blank=True, help_text=_("Ex. : A, B, C")
    )
    dwellings = models.PositiveIntegerField(_("nombre de logements"), default=0)

    class Meta:
        ordering = ["site", "reference"]
        verbose_name = _("bâtiment")
        verbose_name_plural = _("bâtiments")
        constraints = [
            models.UniqueConstraint(fields=["site", "reference"], name="building_unique_reference")
        ]

    def __str__(self):
        return self.name or self.reference


# Direct foreign-key object permission tables (django-guardian): real FKs, indexed, cascade with the site.
class HousingSiteUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(HousingSite, on_delete=models.CASCADE)


class HousingSiteGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(HousingSite, on_delete=models.CASCADE)
