"""Webhook endpoints: an organisation's system told of fiche events by signed HTTPS calls (Standard
Webhooks). Deliveries are outbox rows (OutboxEmail with channel "webhook")."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookEvent(models.TextChoices):
    FILED = "alert.filed", _("Fiche transmise")
    ACKNOWLEDGED = "alert.acknowledged", _("Fiche prise en compte")
    FEEDBACK = "alert.feedback", _("Retour d'information")
    CLOSED = "alert.closed", _("Fiche clôturée")
    REDIRECTED = "alert.redirected", _("Fiche réorientée")
    RETURNED = "alert.returned", _("Fiche renvoyée à la préfecture")


class WebhookEndpoint(models.Model):
    organisation = models.ForeignKey(
        "partnerships.Organisation", on_delete=models.PROTECT, related_name="webhook_endpoints"
    )
    # The service account whose sight the payloads follow: a manager of the organisation, so the
    # receiver gets what such a person would get from the API, never more.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="webhook_endpoint"
    )
    url = models.URLField(_("adresse (HTTPS)"), max_length=500)
    description = models.CharField(_("description"), max_length=100, blank=True)
    events = models.JSONField(_("événements"), default=list)
    secret = models.CharField(max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # First failure of the current run of failures; cleared by a success.
    failing_since = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(_("en pause depuis"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self):
        return self.url

    def event_labels(self) -> list[str]:
        return [WebhookEvent(e).label for e in self.events if e in WebhookEvent.values]
