"""API tokens of an organisation's systems: service accounts with a role and a scope (services.py),
the DRF authentication, scope permission and throttle that read them (api.py), the admin's pages
(views.py)."""
