from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .organisations import Organisation
from .users import Role


class IdentityMappingKind(models.TextChoices):
    SIRET = "siret", _("SIRET")
    EMAIL_DOMAIN = "email_domain", _("domaine de l'adresse e-mail")


class IdentityMapping(models.Model):
    """Which organisation an account coming from the OpenID provider (ProConnect) joins on its first
    login, when no Passerelle account has its e-mail yet. Checked before the organisations' own
    SIRET and contact e-mail domain (README, "Authentication")."""

    kind = models.CharField(_("critère"), max_length=20, choices=IdentityMappingKind.choices)
    value = models.CharField(
        _("valeur"),
        max_length=255,
        help_text=_("Un SIRET (14 chiffres) ou un domaine, par exemple bailleur.fr"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="identity_mappings",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("rôle donné"), max_length=10, choices=Role.choices, default=Role.AGENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = _("correspondance d'identité (OpenID Connect)")
        verbose_name_plural = _("correspondances d'identité (OpenID Connect)")
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="identity_mapping_unique_value"),
            models.CheckConstraint(
                condition=~Q(kind="siret") | Q(value__regex=r"^[0-9]{14}$"),
                name="identity_mapping_siret_digits",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.value} → {self.organisation}"

    def clean(self):
        # Stored as the provider sends them: domains in lower case, SIRET without spaces.
        self.value = self.value.strip().lower().lstrip("@").replace(" ", "")
