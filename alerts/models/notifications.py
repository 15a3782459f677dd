"""In-app notifications and the e-mail outbox. Rows are written in the same transaction as the
change they announce; alerts/outbox.py queues each key once and delivers each row at least once."""

import hashlib
from email.utils import parseaddr

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .alert import Alert


class Channel(models.TextChoices):
    """How a user hears of one kind of event of the fiches they follow."""

    IMMEDIATE = "immediate", _("Tout de suite (application et courriel)")
    DIGEST = "digest", _("Dans le point quotidien (application et courriel du matin)")
    NEVER = "never", _("Jamais")


class FollowKind(models.TextChoices):
    """The kinds of events a follower chooses a channel for (alerts/following.py maps each
    notification kind to one of them), and the conventions' reminders (conventions/reminders.py),
    whose notification kind is their value."""

    NEW = "new", _("Nouvelle fiche ou fiche rouverte")
    ROUTING = "routing", _("Réorientation, renvoi à la préfecture, routage")
    ACKNOWLEDGED = "acknowledged", _("Prise en compte")
    PROGRESS = "progress", _("Action engagée")
    FEEDBACK = "feedback", _("Retour d'information")
    COMMENT = "comment", _("Commentaire")
    ATTACHMENT = "attachment", _("Pièce jointe")
    CLOSED = "closed", _("Clôture ou fusion")
    ACTION_REMINDER = "reminder_action", _("Rappel : action à mener bientôt due ou en retard")
    PERIODIC_REMINDER = "reminder_periodic", _("Rappel : point périodique à tenir ou en retard")
    EXPIRY_REMINDER = "reminder_expiry", _("Rappel : convention arrivant à échéance")


# The conventions' reminders (conventions/reminders.py): notified under their own kind.
REMINDER_KINDS = (FollowKind.ACTION_REMINDER, FollowKind.PERIODIC_REMINDER, FollowKind.EXPIRY_REMINDER)


class NotificationPreference(models.Model):
    """A user's choice for one kind of event; no row means the default (alerts/following.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=20, choices=FollowKind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")
        ]

    def __str__(self):
        return f"{self.user_id} {self.kind}: {self.channel}"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=30)
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Waits for the recipient's next daily digest (they chose « point quotidien » for its kind). A
    # database default: the escalation scan and the benchmark write rows without naming it.
    digest_pending = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"]),
            models.Index(
                fields=["recipient"], condition=Q(digest_pending=True), name="notification_digest_idx"
            ),
        ]

    def __str__(self):
        return self.message


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("À envoyer")
    SENDING = "sending", _("Envoi en cours")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Échec")


class OutboxChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class OutboxEmail(models.Model):
    """One message to deliver: an e-mail, or a webhook call (`endpoint`, JSON `body`, event type in
    `subject`; its `key` is the `webhook-id` receivers deduplicate on)."""

    key = models.CharField(max_length=200, unique=True, help_text="Identifies the message: never sent twice.")
    channel = models.CharField(max_length=8, choices=OutboxChannel.choices, default=OutboxChannel.EMAIL)
    endpoint = models.ForeignKey(
        "alerts.WebhookEndpoint", on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=250)
    body = models.TextField()
    status = models.CharField(max_length=8, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When a worker took the row for its SMTP attempt: a row still "sending" long after is sent again.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Webhooks only: a failed call waits here before its next attempt (the backoff).
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="outbox_endpoint_idx"),
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="outbox_pending_idx"),
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="outbox_sending_idx"),
        ]

    def __str__(self):
        return f"{self.subject} ({self.get_status_display()})"

    @property
    def message_id(self) -> str:
        """The same Message-ID on every attempt, so a mail client shows a re-sent message once. The
        key's hash keeps it unique across databases that reuse ids."""
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "passerelle.local"
        return f"<outbox.{self.pk}.{hashlib.sha256(self.key.encode()).hexdigest()[:16]}@{domain}>"
