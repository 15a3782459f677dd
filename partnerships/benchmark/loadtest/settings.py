"""Production settings as served by the load test: plain HTTP on loopback, so only what needs TLS
is switched off (secure-only cookies, the HTTPS redirect, HSTS). Static files are never fetched
by the test, so the manifest storage (which needs collectstatic) is swapped for the plain one."""

from partnerships.settings.production import *  # noqa: F403
from partnerships.settings.production import INSTALLED_APPS, STORAGES

INSTALLED_APPS = [*INSTALLED_APPS, "partnerships.benchmark"]

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "sessionid"
CSRF_COOKIE_NAME = "csrftoken"
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}
