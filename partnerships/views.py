from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from dsfr.forms import DsfrBaseForm

from . import hooks, routing, selectors
from .console.forms import SiteForm
from .errors import ApplicationError
from .models import OrganisationKind
from .permissions import home_panel, site_policy
from .services.sites import SITE_EDITABLE_FIELDS, site_set_force, site_update


class SiteForceForm(DsfrBaseForm):
    force = forms.ChoiceField(
        label=gettext_lazy("Force compétente pour ce site"),
        choices=[(kind.value, kind.label) for kind in OrganisationKind.forces()],
        widget=forms.RadioSelect,
    )


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
            "force_form": _force_form(request.user, site),
        },
    )


def _force_form(user, site):
    """The choice of force, for the prefecture, when the estate's commune is split."""
    if not site_policy.has_permission(user, "set_force", site):
        return None
    if len(routing.current_units(site.commune_id)) < 2:
        return None
    return SiteForceForm(initial={"force": site.force or None})


@login_required
@require_POST
def site_force(request, pk):
    site = selectors.site_get(user=request.user, pk=pk, action="set_force")
    form = SiteForceForm(request.POST)
    if form.is_valid():
        try:
            site_set_force(actor=request.user, site=site, force=form.cleaned_data["force"])
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _(
                    "Force compétente enregistrée : les prochaines fiches de ce site seront orientées "
                    "automatiquement. Les fiches déjà en attente restent dans la file de routage manuel."
                ),
            )
    else:
        messages.error(request, _("Choisissez la police ou la gendarmerie."))
    return redirect("sites:detail", pk=site.pk)


def add_model_errors(form, error: ValidationError) -> None:
    """A model's validation errors on the form's fields, or above the form for the others."""
    for field, errors in (
        error.error_dict if hasattr(error, "error_dict") else {None: error.messages}
    ).items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def site_edit(request, pk):
    """The landlord's managers edit an estate; the rules are site_update's (the API's PATCH too)."""
    site = selectors.site_get(user=request.user, pk=pk, action="change")
    initial = {name: getattr(site, name) for name in SITE_EDITABLE_FIELDS}
    initial["commune"] = site.commune.insee_code
    form = SiteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            site_update(actor=request.user, site=site, data=form.cleaned_data)
        except ValidationError as error:
            add_model_errors(form, error)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Le site a été modifié."))
            return redirect("sites:detail", pk=site.pk)
    return render(
        request,
        "partnerships/console/form.html",
        {
            "page_title": _("Modifier le site %(name)s") % {"name": site.name},
            "form": form,
            "back_href": reverse("sites:detail", args=[site.pk]),
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
