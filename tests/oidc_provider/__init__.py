"""A real OpenID Connect provider for the end-to-end login test: django-oauth-toolkit in OIDC mode,
its own settings and SQLite database, run as a separate process (`python -m tests.oidc_provider`).
Besides the standard JSON userinfo it serves a signed-JWT userinfo, as ProConnect does."""
