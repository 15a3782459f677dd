from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Fiches alertes"

    def ready(self):
        # The core's territories import announces moved communes; the fiches follow them here.
        from partnerships.importers.territories import territories_moved

        from .services.routing import on_territories_moved

        territories_moved.connect(on_territories_moved, dispatch_uid="alerts_reroute_for_communes")
