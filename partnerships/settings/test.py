"""Test settings: fast hashing, in-memory e-mail; DATABASE_URL and REDIS_URL come from .ci/run in CI."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In memory, unless a test starts a worker process that must talk to a real local SMTP server.
if not env("EMAIL_URL", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_AUTOREFRESH = True
# The load-test smoke test and the benchmark's own tests (tests/perf/) run its code and commands.
INSTALLED_APPS = [*INSTALLED_APPS, "partnerships.benchmark"]
PASSERELLE_REQUIRE_BROWSER = env.bool("PASSERELLE_REQUIRE_BROWSER", default=False)
# Tasks run in the test process: the import progress needs no shared cache.
CACHES = {  # noqa: F405
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "imports": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "imports"},
    "reference": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "reference"},
}
