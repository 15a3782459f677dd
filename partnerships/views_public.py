"""Pages anyone may read without an account."""

import datetime

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

# Date of the last review of the statement: update it with the statement's content.
ACCESSIBILITY_STATEMENT_DATE = datetime.date(2026, 11, 23)


def accessibility(request):
    return render(
        request,
        "partnerships/accessibility.html",
        {
            "page_title": _("Déclaration d'accessibilité"),
            "statement_date": ACCESSIBILITY_STATEMENT_DATE,
            "contact": settings.PASSERELLE_ACCESSIBILITY_CONTACT,
        },
    )


@never_cache
def service_worker(request):
    """The service worker Workbox generates (static/vendor/sw.js, scripts/build-static.mjs), served at
    the root: a worker controls only the pages under its own path, and the landlord's are all over /."""
    path = finders.find("vendor/sw.js")
    if path is None:  # npm's build step has not run
        raise Http404
    response = FileResponse(open(path, "rb"), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    return response
