from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .menu import main_menu

# django-dsfr reads SITE_CONFIG; a constant here saves its per-page database query.
_SITE_CONFIG = {
    "site_title": "Passerelle",
    "site_tagline": "Conventions de partenariat sécurité — bailleurs, police, gendarmerie, préfecture",
    "header_brand_html": "Préfectures<br>de France",
    "footer_brand_html": "Préfectures<br>de France",
    "footer_description": "Passerelle — fiches alertes et suivi des conventions de partenariat sécurité.",
    "mourning": False,
    "beta_tag": True,
}


def site(request):
    return {
        "SITE_CONFIG": _SITE_CONFIG,
        "DEBUG": settings.DEBUG,
        "CSRF_COOKIE_NAME": settings.CSRF_COOKIE_NAME,
        "main_menu": SimpleLazyObject(lambda: main_menu(request)),
    }
