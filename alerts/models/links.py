from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least
from django.utils.translation import gettext_lazy as _

from .alert import Alert


class AlertLink(models.Model):
    """Two fiches the force or the prefecture knows to be about the same facts, possibly of two
    landlords (which may not be merged): both stay open, and each reader is shown only the linked
    fiches it may see. Unlike Alert.linked_to (the landlord's own link, made when filing), it is
    made on the force side and says nothing to either landlord about the other."""

    from_alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="links_from")
    to_alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="links_to")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("lien entre fiches")
        verbose_name_plural = _("liens entre fiches")
        constraints = [
            # A link has no direction: A→B and B→A are the same pair, so one of them only.
            models.UniqueConstraint(
                Least("from_alert", "to_alert"),
                Greatest("from_alert", "to_alert"),
                name="alertlink_unique_pair",
            ),
            models.CheckConstraint(condition=~Q(from_alert=F("to_alert")), name="alertlink_two_fiches"),
        ]

    def __str__(self):
        return f"{self.from_alert} ↔ {self.to_alert}"
