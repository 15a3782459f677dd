"""The main menu per kind of organisation. URL names that an app does not (yet) provide are skipped."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .models import OrganisationKind
from .permissions import member_policy, substitution_policy

# (url name, label, kinds allowed or a policy's predicate on the user, managers only)
MENU = [
    ("home", _("Accueil"), None, False),
    ("alerts:create", _("Nouvelle fiche"), {OrganisationKind.LANDLORD}, False),
    ("alerts:list", _("Fiches alertes"), {OrganisationKind.LANDLORD, OrganisationKind.PREFECTURE}, False),
    ("alerts:dashboard", _("File des fiches"), set(OrganisationKind.forces()), False),
    ("alerts:routing_queue", _("À router"), {OrganisationKind.PREFECTURE}, False),
    (
        "sites:list",
        _("Sites"),
        {OrganisationKind.LANDLORD, OrganisationKind.PREFECTURE, *OrganisationKind.forces()},
        False,
    ),
    ("conventions:list", _("Conventions"), {OrganisationKind.PREFECTURE}, False),
    (
        "conventions:indicators",
        _("Indicateurs"),
        {OrganisationKind.LANDLORD, OrganisationKind.MUNICIPALITY, *OrganisationKind.forces()},
        True,
    ),
    ("directory", _("Annuaire"), None, False),
    ("imports:index", _("Imports"), {OrganisationKind.LANDLORD, OrganisationKind.PREFECTURE}, True),
    ("audit:list", _("Journal d'audit"), {OrganisationKind.PREFECTURE}, True),
    ("alerts:notifications", _("Notifications"), None, False),
    ("organisation:accounts", _("Mon organisation"), member_policy.may_manage, False),
    ("organisation:absences", _("Mes absences"), substitution_policy.may_declare, False),
    ("organisation:create", _("Nouvelle organisation"), member_policy.may_create_organisations, False),
]


def main_menu(request):
    user = request.user
    if not user.is_authenticated:
        return []
    kind = user.organisation.kind if user.organisation_id else None
    items = []
    for name, label, kinds, managers_only in MENU:
        if callable(kinds):
            if not kinds(user):
                continue
        elif kinds is not None and kind not in kinds and not user.is_superuser:
            continue
        if (
            managers_only
            and not (user.is_manager or user.is_superuser)
            and kind != OrganisationKind.MUNICIPALITY
        ):
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
