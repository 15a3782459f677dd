"""The main menu: one row per page, shown to whoever its policy lets open it (the policy's model-level
`user_has_permission(user, action)`, which the page's own gate asks too), so that no role's menu
offers a page answering 403 or 404, and every page a role may open has its entry.
URL names that an app does not (yet) provide are skipped."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from alerts.permissions import alert_policy
from conventions.permissions import convention_policy, indicator_policy, problem_policy

from .audit import audit_policy
from .permissions import import_policy, signed_in_policy, site_policy

# (url name, label, policy, action)
MENU = [
    ("home", _("Accueil"), signed_in_policy, "home"),
    ("alerts:create", _("Nouvelle fiche"), alert_policy, "file"),
    ("alerts:list", _("Fiches alertes"), alert_policy, "list"),
    ("alerts:dashboard", _("File des fiches"), alert_policy, "triage"),
    ("alerts:routing_queue", _("À router"), alert_policy, "route"),
    ("sites:list", _("Sites"), site_policy, "list"),
    ("conventions:list", _("Conventions"), convention_policy, "list"),
    ("conventions:problems", _("Problèmes partenariaux"), problem_policy, "list"),
    ("conventions:indicators", _("Indicateurs"), indicator_policy, "view"),
    ("directory", _("Annuaire"), signed_in_policy, "directory"),
    ("imports:index", _("Imports"), import_policy, "sites"),
    ("audit:list", _("Journal d'audit"), audit_policy, "view"),
    ("alerts:notifications", _("Notifications"), signed_in_policy, "notifications"),
    ("alerts:preferences", _("Mes préférences"), signed_in_policy, "notifications"),
]


def main_menu(request):
    user = request.user
    if not user.is_authenticated:
        return []
    items = []
    for name, label, policy, action in MENU:
        if not policy.user_has_permission(user, action):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": False})
    # The active entry is the one whose URL is the longest prefix of the page's path ("/fiches/file/"
    # is the dashboard, not "/fiches/").
    matches = [
        item
        for item in items
        if request.path == item["url"] or (item["url"] != "/" and request.path.startswith(item["url"]))
    ]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["active"] = True
    return items
