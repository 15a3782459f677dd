from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Fiches alertes")
    # Fiches are filed on the demo estates and attached to the conventions in force.
    demo_requires = ("partnerships", "conventions")

    def ready(self):
        from partnerships import hooks

        from .outbox import queue_email

        hooks.queue_email.register(queue_email)

    def load_demo_data(self, run):
        from .demo import load_demo_alerts

        load_demo_alerts(run.organisations, stdout=run.stdout)
