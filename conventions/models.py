"""Conventions de partenariat sécurité. This module holds the core the fiches depend on (the
convention, its signatories, its perimeter, its response policy); follow-up models (commitments,
meetings, action items, partnership problems) live beside them."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from partnerships.models import Department, HousingSite, Organisation


class ConventionStatus(models.TextChoices):
    DRAFT = "draft", _("Projet")
    SIGNED = "signed", _("Signée")
    ACTIVE = "active", _("En vigueur")
    EXPIRED = "expired", _("Expirée")
    TERMINATED = "terminated", _("Résiliée")


class Convention(models.Model):
    title = models.CharField(_("intitulé"), max_length=250)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="conventions",
                                   verbose_name=_("département"))
    status = models.CharField(_("statut"), max_length=12, choices=ConventionStatus.choices,
                              default=ConventionStatus.DRAFT)
    signed_on = models.DateField(_("signée le"), null=True, blank=True)
    effective_from = models.DateField(_("en vigueur du"), null=True, blank=True)
    effective_until = models.DateField(_("au"), null=True, blank=True)
    tacit_renewal = models.BooleanField(_("reconduction tacite"), default=False)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="amendments", verbose_name=_("convention modifiée (avenant)"))
    # Perimeter: every estate of the signatory landlords, unless a list is chosen.
    all_sites_of_signatories = models.BooleanField(_("tous les sites des bailleurs signataires"), default=True)
    sites = models.ManyToManyField(HousingSite, blank=True, related_name="conventions",
                                   verbose_name=_("sites couverts"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["department", "-effective_from"]
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True) | Q(effective_from__isnull=True)
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
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="signatures",
                                     verbose_name=_("organisation"))
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
