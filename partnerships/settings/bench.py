"""The benchmark and the load test (`make bench`, `make loadtest`): the embedded default's settings
plus the benchmark app and its commands, against the PostgreSQL of DATABASE_URL."""

from .local import *  # noqa: F403
from .local import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "partnerships.benchmark"]
