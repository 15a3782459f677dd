from django.apps import AppConfig


class ConventionsConfig(AppConfig):
    name = "conventions"
    verbose_name = "Conventions"
    demo_requires = ("partnerships",)

    def ready(self):
        # The core reads partners through a hook: it cannot import this app, which imports it.
        from partnerships import hooks

        from .selectors import partner_organisation_ids

        hooks.partner_organisation_ids.register(partner_organisation_ids)

    def load_demo_data(self, run):
        from .demo import load_demo_conventions

        load_demo_conventions(run.organisations)
