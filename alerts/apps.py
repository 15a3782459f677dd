from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Fiches alertes")
    # Fiches are filed on the demo estates and attached to the conventions in force.
    demo_requires = ("partnerships", "conventions")

    def load_demo_data(self, run):
        from .demo import load_demo_alerts

        load_demo_alerts(run.organisations, stdout=run.stdout)

    def menu_rows(self):
        from partnerships.permissions import signed_in_policy

        from .permissions import alert_policy

        return [
            (10, "alerts:create", _("Nouvelle fiche"), alert_policy, "file"),
            (20, "alerts:list", _("Fiches alertes"), alert_policy, "list"),
            (30, "alerts:dashboard", _("File des fiches"), alert_policy, "triage"),
            (40, "alerts:routing_queue", _("À router"), alert_policy, "route"),
            (99, "alerts:notifications", _("Notifications"), signed_in_policy, "notifications"),
            (100, "alerts:preferences", _("Mes préférences"), signed_in_policy, "notifications"),
        ]

    def ready(self):
        # The core's territories import announces moved communes; the fiches follow them here. The
        # core's e-mails (invitations, password resets) leave through the outbox.
        from partnerships import hooks
        from partnerships.importers.territories import territories_moved

        from .outbox import queue_email
        from .services.routing import on_territories_moved

        territories_moved.connect(on_territories_moved, dispatch_uid="alerts_reroute_for_communes")
        hooks.queue_email.register(queue_email)
        # The header's unread count, read with the session on a page's GET (alerts.context_processors).
        from .selectors import unread_count_of

        hooks.page_reads["unread_notifications"] = unread_count_of

        # The audit log names a fiche's changes (record_event writes these codes in `detail`).
        from partnerships.models.audit import DETAIL_LABELS

        from .models import EventKind, Status

        DETAIL_LABELS.update(event=dict(EventKind.choices), status=dict(Status.choices))

        # Filing's cached webhook endpoints (alerts.webhooks.events.active_endpoints).
        from django.db.models.signals import post_delete, post_save

        from partnerships.models import User

        from .models import WebhookEndpoint
        from .webhooks.events import endpoint_changed

        for model in (WebhookEndpoint, User):
            for signal in (post_save, post_delete):
                signal.connect(endpoint_changed, sender=model, dispatch_uid=f"endpoints_{model.__name__}")
