from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import hooks, selectors
from .permissions import home_panel, site_policy


def querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return f"{encoded}&" if encoded else ""


def landlord_home(user) -> dict:
    sites = selectors.site_list(user=user)
    return {"sites": sites[:10], "site_count": sites.count()}


def force_home(user) -> dict:
    return {
        "assignments": list(selectors.territory_assignments(user=user)),
        "site_count": site_policy.instances(user).count(),
    }


# The home page's panel (chosen by permissions.home_panel) -> what it shows; the apps add theirs.
CORE_HOME_PANELS = {"landlord": landlord_home, "force": force_home}


@login_required
def home(request):
    user = request.user
    panel = home_panel(user)
    context = {"page_title": _("Accueil"), "organisation": user.organisation, "panel": panel}
    build = CORE_HOME_PANELS.get(panel) or hooks.home_panels.get(panel)
    if build is not None:
        context.update(build(user))
    return render(request, "partnerships/home.html", context)


@login_required
def site_list(request):
    search = request.GET.get("q", "").strip()
    qs = selectors.site_list(user=request.user, search=search)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "partnerships/site_list.html",
        {
            "page_title": _("Sites"),
            "page_obj": page,
            "sites": page.object_list,
            "search": search,
            "querystring_without_page": querystring_without_page(request),
        },
    )


@login_required
def site_detail(request, pk):
    site = selectors.site_get(user=request.user, pk=pk)
    return render(
        request,
        "partnerships/site_detail.html",
        {
            "page_title": site.name,
            "site": site,
            "buildings": site.buildings.all(),
            "can_change": site_policy.has_permission(request.user, "change", site),
            "competent_unit": selectors.competent_unit_for_site(site),
        },
    )


@login_required
def directory(request):
    return render(
        request,
        "partnerships/directory.html",
        {
            "page_title": _("Annuaire des correspondants sécurité"),
            "correspondents": selectors.directory(user=request.user),
        },
    )
