"""The main menu: one row per page, shown to whoever its policy lets open it (the policy's model-level
`user_has_permission(user, action)`, which the page's own gate asks too), so that no role's menu
offers a page answering 403 or 404, and every page a role may open has its entry.
URL names that an app does not (yet) provide are skipped."""

from functools import cache

from django.apps import apps
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _

from .audit import audit_policy
from .permissions import import_policy, member_policy, signed_in_policy, site_policy, substitution_policy

# (position, url name, label, policy, action). The apps built on the core add theirs through their
# AppConfig's `menu_rows()` (the core never imports them); positions interleave the two.
CORE_ROWS = [
    (0, "home", _("Accueil"), signed_in_policy, "home"),
    (50, "sites:list", _("Sites"), site_policy, "list"),
    (80, "directory", _("Annuaire"), signed_in_policy, "directory"),
    (85, "imports:index", _("Imports"), import_policy, "sites"),
    (90, "audit:list", _("Journal d'audit"), audit_policy, "view"),
    (100, "organisation:accounts", _("Mon organisation"), member_policy, "manage"),
    (101, "organisation:absences", _("Mes absences"), substitution_policy, "declare"),
    (102, "organisation:create", _("Nouvelle organisation"), member_policy, "create_organisation"),
]


@cache
def menu_rows() -> list[tuple]:
    """Every row as (url name, label, policy, action), in menu order."""
    rows = list(CORE_ROWS)
    for config in apps.get_app_configs():
        rows.extend(getattr(config, "menu_rows", list)())
    return [row[1:] for row in sorted(rows, key=lambda row: row[0])]


@cache
def menu_url(name: str, script_prefix: str) -> str | None:
    """A menu page's URL, reversed once per process: the URL configuration changes only with a deploy
    (the script prefix, which reverse() prepends, is part of the key)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def main_menu(request):
    user = request.user
    if not user.is_authenticated:
        return []
    items = []
    for name, label, policy, action in menu_rows():
        if not policy.user_has_permission(user, action):
            continue
        url = menu_url(name, get_script_prefix())
        if url is None:
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
