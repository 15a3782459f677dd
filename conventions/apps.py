from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConventionsConfig(AppConfig):
    name = "conventions"
    verbose_name = "Conventions"
    demo_requires = ("partnerships",)

    def ready(self):
        # The core reads partners through a hook: it cannot import this app, which imports it.
        from partnerships import hooks
        from partnerships.reference_cache import invalidate_on

        from .models import Convention, ResponsePolicy, Signatory
        from .permissions import convention_policy
        from .selectors import partner_organisation_ids, prefecture_home
        from .views.home import signatory_home

        hooks.partner_organisation_ids.register(partner_organisation_ids)
        # Filing's cached convention in force and response delays (partnerships/reference_cache.py).
        invalidate_on(Convention, Signatory, ResponsePolicy, m2m=[Convention.sites.through])
        hooks.home_panels.update(
            prefecture=lambda user: prefecture_home(user=user),
            municipality=signatory_home,
            parquet=signatory_home,
            partner=lambda user: {
                "can_list_conventions": convention_policy.user_has_permission(user, "list")
            },
        )

    def menu_rows(self):
        from .permissions import convention_policy, indicator_policy, problem_policy

        return [
            (60, "conventions:list", _("Conventions"), convention_policy, "list_department"),
            (61, "conventions:list", _("Mes conventions"), convention_policy, "list_signed"),
            (65, "conventions:problems", _("Problèmes partenariaux"), problem_policy, "list"),
            (70, "conventions:indicators", _("Indicateurs"), indicator_policy, "view"),
        ]

    def load_demo_data(self, run):
        from .demo import load_demo_conventions

        load_demo_conventions(run.organisations)
