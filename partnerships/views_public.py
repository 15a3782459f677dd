"""Pages anyone may read without an account."""

import datetime

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

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
