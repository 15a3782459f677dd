from django.db import models
from django.utils.translation import gettext_lazy as _

from ..localtime import time_zone_for_code


class Department(models.Model):
    """A French département, keyed by its INSEE code ("60", "2A", "972")."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    # IANA name: every time of the département's fiches is shown and typed in it (partnerships/localtime.py).
    time_zone = models.CharField(_("fuseau horaire"), max_length=40, default="Europe/Paris")

    class Meta:
        ordering = ["code"]
        verbose_name = _("département")
        verbose_name_plural = _("départements")

    def __str__(self):
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        if self._state.adding and self.time_zone == "Europe/Paris":
            self.time_zone = time_zone_for_code(self.code)
        super().save(*args, **kwargs)


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
