from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = "Partenaires et territoires"

    def ready(self):
        # The login signal that records whether the session still owes a second factor, and the
        # system checks of the authentication settings.
        from .auth import oidc, otp  # noqa: F401

    def load_demo_data(self, run):
        from .demo import load_organisations

        load_organisations(run)
