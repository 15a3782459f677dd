from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A French département, keyed by its INSEE code ("60", "2A", "972")."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("département")
        verbose_name_plural = _("départements")

    def __str__(self):
        return f"{self.name} ({self.code})"


class Commune(models.Model):
    insee_code = models.CharField(_("code INSEE"), max_length=5, unique=True)
    name = models.CharField(_("nom"), max_length=150)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="communes")
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    # Simplified GeoJSON geometry, enough to draw a département's map without a tile server.
    outline = models.JSONField(_("contour"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        indexes = [models.Index(fields=["department", "name"])]

    def __str__(self):
        return self.label(self.name, self.insee_code)

    @staticmethod
    def label(name: str, insee_code: str) -> str:
        """How a commune is named in drop-downs (also built from columns, see prefill_choices)."""
        return f"{name} ({insee_code})"
