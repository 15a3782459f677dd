"""Filing a fiche: pick one of one's own estates, fill the form, confirm. Drafts are edited here too."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms.models import model_to_dict
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from partnerships import selectors as site_selectors
from partnerships.errors import ApplicationError
from partnerships.views import querystring_without_page

from .. import selectors, services
from ..forms import AlertForm, DuplicateChoiceForm
from ..models import Status
from ..permissions import alert_policy

DRAFT, SUBMIT = "draft", "submit"


@login_required
def alert_create(request):
    if not alert_policy.user_has_permission(request.user, "file"):
        raise PermissionDenied
    if "site" not in request.GET:
        return pick_site(request)
    site = site_selectors.site_get(user=request.user, pk=request.GET["site"])
    form = AlertForm(
        request.POST or None,
        request.FILES or None,
        site=site,
        initial={"building": selectors.last_building_on_site(user=request.user, site=site)},
    )
    duplicates = None
    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data["idempotency_key"]
        files = form.cleaned_data["attachments"]
        try:
            if request.POST.get("action") == DRAFT:
                alert = services.alert_create_draft(
                    actor=request.user, site=site, data=form.alert_data(), idempotency_key=key
                )
                add_attachments(request, alert, files)
                messages.success(
                    request, _("Brouillon enregistré. Vous pourrez le compléter puis le transmettre.")
                )
                return redirect("alerts:edit", alert.pk)
            similar = list(services.similar_recent_alerts(site=site, category=form.cleaned_data["category"]))
            # A re-sent form finds its own fiche among the recent ones: that is not a duplicate.
            similar = [
                a for a in similar if not (a.reporter_id == request.user.pk and a.idempotency_key == key)
            ]
            duplicates = DuplicateChoiceForm(
                request.POST if "duplicate_decision" in request.POST else None, similar=similar
            )
            if not similar or duplicates.is_valid():
                alert = services.alert_file(
                    actor=request.user,
                    site=site,
                    data=form.alert_data(),
                    idempotency_key=key,
                    attachments=files,
                    link_to=duplicates.link_to() if similar else None,
                )
                return redirect("alerts:confirmation", alert.pk)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            duplicates = None
    return render(
        request,
        "alerts/alert_form.html",
        {
            "page_title": _("Nouvelle fiche alerte — décrire les faits"),
            "form": form,
            "site": site,
            "duplicates": duplicates,
        },
    )


def pick_site(request):
    search = request.GET.get("q", "").strip()
    sites = site_selectors.site_list(user=request.user, search=search)
    page = Paginator(sites, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "alerts/pick_site.html",
        {
            "page_title": _("Nouvelle fiche alerte — choisir le site"),
            "page_obj": page,
            "recent_sites": [] if search else selectors.recent_filing_sites(user=request.user),
            "search": search,
            "querystring_without_page": querystring_without_page(request),
        },
    )


def add_attachments(request, alert, files):
    """A draft keeps what it could attach; a refused file is reported in French, the draft stays."""
    for uploaded in files:
        try:
            services.alert_add_attachment(actor=request.user, alert=alert, uploaded_file=uploaded)
        except ApplicationError as exc:
            messages.error(request, _("%(file)s : %(error)s") % {"file": uploaded.name, "error": exc.message})


@login_required
def alert_edit(request, pk):
    alert = selectors.alert_get(user=request.user, pk=pk, action="file")
    if alert.status != Status.DRAFT:
        return redirect("alerts:detail", alert.pk)
    # Not `instance=alert`: the form would write onto the fiche and the service would see no change.
    form = AlertForm(
        request.POST or None,
        request.FILES or None,
        site=alert.site,
        initial=model_to_dict(alert, fields=AlertForm.Meta.fields),
    )
    if request.method == "POST" and form.is_valid():
        try:
            alert = services.alert_update_draft(actor=request.user, alert=alert, data=form.alert_data())
            add_attachments(request, alert, form.cleaned_data["attachments"])
            if request.POST.get("action") == SUBMIT:
                alert = services.alert_submit(actor=request.user, alert=alert)
                return redirect("alerts:confirmation", alert.pk)
            messages.success(request, _("Brouillon enregistré."))
            return redirect("alerts:edit", alert.pk)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "alerts/alert_form.html",
        {
            "page_title": _("Brouillon de fiche alerte"),
            "form": form,
            "site": alert.site,
            "alert": alert,
        },
    )


@login_required
def alert_confirmation(request, pk):
    alert = selectors.alert_get(user=request.user, pk=pk)
    if alert.status == Status.DRAFT:
        return redirect("alerts:edit", alert.pk)
    return render(request, "alerts/confirmation.html", {"page_title": _("Fiche transmise"), "alert": alert})


@login_required
def similar_count(request):
    """How many fiches of the same estate and category were transmitted in the last 48 hours: the
    page files through the device's queue only when there are none; otherwise it posts the form, and
    the server offers the duplicate step (« Des fiches semblables existent déjà »)."""
    if not alert_policy.user_has_permission(request.user, "file"):
        raise PermissionDenied
    site_pk = request.GET.get("site", "")
    if not site_pk.isdigit():
        raise Http404
    site = site_selectors.site_get(user=request.user, pk=site_pk)
    category = request.GET.get("category", "")
    return JsonResponse({"similar": services.similar_recent_alerts(site=site, category=category).count()})


@login_required
def site_positions(request):
    """« Près de moi »: the coordinates of the user's own estates, fetched only when asked."""
    if not alert_policy.user_has_permission(request.user, "file"):
        raise PermissionDenied
    sites = site_selectors.site_positions(user=request.user, landlord_id=request.user.organisation_id)
    return JsonResponse(
        {
            "sites": [
                {
                    "url": f"?site={site['id']}",
                    "name": f"{site['name']} — {site['commune__name']}",
                    "latitude": float(site["latitude"]),
                    "longitude": float(site["longitude"]),
                }
                for site in sites
            ]
        }
    )
