"""The embedded default: SQLite, the filesystem Celery broker, console e-mail."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Served on 127.0.0.1 only: compressing 5,000 static files at each collectstatic buys nothing here.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# The covering indexes' INCLUDE columns are PostgreSQL's; SQLite ignores them, which is fine here.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
