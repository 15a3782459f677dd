from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = "Partenaires et territoires"

    def ready(self):
        # The login signals (whether the session still owes a second factor; which sessions an account
        # holds) and the system checks of the authentication settings.
        from .auth import oidc, otp, sessions  # noqa: F401

    def load_demo_data(self, run):
        from .demo import load_organisations

        load_organisations(run)
