"""API tokens: an organisation's system (property-management software, a force's tools) calls the API
as a service account of that organisation, within a scope."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TokenScope(models.TextChoices):
    """Ordered: each scope allows what the ones before it allow."""

    READ = "read", _("Lecture seule")
    FILE = "file", _("Lecture et dépôt de fiches")
    TRIAGE = "triage", _("Lecture, dépôt et traitement des fiches")

    @classmethod
    def allows(cls, granted: str, required: str) -> bool:
        return cls.values.index(granted) >= cls.values.index(required)


class ApiToken(models.Model):
    """Only the SHA-256 digest of the secret is kept: the token is shown once, at creation."""

    organisation = models.ForeignKey(
        "partnerships.Organisation", on_delete=models.PROTECT, related_name="api_tokens"
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_token"
    )
    name = models.CharField(_("nom"), max_length=100)
    scope = models.CharField(_("portée"), max_length=10, choices=TokenScope.choices)
    # Public part of the token: finds the row without scanning the digests.
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expire le"))
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")

    def __str__(self):
        return f"{self.name} ({self.prefix})"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
