from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = "Partenaires et territoires"

    def ready(self):
        # The login signals (whether the session still owes a second factor; which sessions an account
        # holds) and the system checks of the authentication settings.
        from .auth import oidc, otp, sessions  # noqa: F401
        from .localtime import remember_zone
        from .models import Commune, Department, HousingSite, Organisation, TerritoryAssignment
        from .prepared import forget_compiled
        from .reference_cache import invalidate_on

        # Filing's cached routing and the lists' cached filter panels (partnerships/reference_cache.py)
        # follow the units, territories, estates and communes.
        invalidate_on(Organisation, TerritoryAssignment, HousingSite, Commune)

        # SQL compiled once per process may hold a content type's id (partnerships/prepared.py): a
        # migrate or a flush may give it another.
        post_migrate.connect(forget_compiled, weak=False, dispatch_uid="forget_compiled_sql")

        # The zone cache of partnerships/localtime.py follows any département saved in this process.
        post_save.connect(
            lambda instance, **kwargs: remember_zone(instance.code, instance.time_zone),
            sender=Department,
            weak=False,
            dispatch_uid="department_zone_cache",
        )

    def load_demo_data(self, run):
        from .demo import load_organisations

        load_organisations(run)
