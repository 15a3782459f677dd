"""Upload → validation preview (a complete import rolled back: nothing written) → commit → summary.
The file waits in private storage between the two steps, named by a random token kept in the session."""

import datetime
import uuid

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partnerships.importers.sites import import_sites
from partnerships.importers.territories import import_territories

from ..permissions import IMPORT_SITES as SITES
from ..permissions import IMPORT_TERRITORIES as TERRITORIES
from ..permissions import import_policy
from .forms import SitesImportForm, TerritoriesImportForm

FORMS = {SITES: SitesImportForm, TERRITORIES: TerritoriesImportForm}
TITLES = {
    SITES: _("Importer un patrimoine (sites)"),
    TERRITORIES: _("Importer des compétences territoriales"),
}
SESSION_KEY = "passerelle_imports"


@login_required
def index(request):
    kinds = import_policy.actions(request.user)
    if not kinds:
        raise Http404
    return render(
        request,
        "imports/index.html",
        {
            "page_title": _("Imports"),
            "imports": [(kind, TITLES[kind]) for kind in kinds],
        },
    )


@login_required
def upload(request, kind):
    import_policy.check(request.user, kind)
    form = FORMS[kind](request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        token = uuid.uuid4().hex
        stored = default_storage.save(f"imports/{token}.csv", form.cleaned_data["file"])
        pending = {"kind": kind, "file": stored, **form.params()}
        request.session[SESSION_KEY] = {**request.session.get(SESSION_KEY, {}), token: pending}
        summary = _run(request.user, pending, dry_run=True)
        return render(
            request,
            "imports/result.html",
            {
                "page_title": TITLES[kind],
                "kind": kind,
                "summary": summary,
                "token": token,
                "committed": False,
            },
        )
    return render(request, "imports/upload.html", {"page_title": TITLES[kind], "kind": kind, "form": form})


@login_required
@require_POST
def commit(request, kind, token):
    import_policy.check(request.user, kind)
    imports = request.session.get(SESSION_KEY, {})
    pending = imports.get(token)
    if pending is None or pending["kind"] != kind:
        raise Http404
    summary = _run(
        request.user, pending, dry_run=False, confirm_reroute=request.POST.get("confirm_reroute") == "on"
    )
    committed = summary.ok and not summary.confirmation_needed
    if committed:
        default_storage.delete(pending["file"])
        request.session[SESSION_KEY] = {key: value for key, value in imports.items() if key != token}
    return render(
        request,
        "imports/result.html",
        {
            "page_title": TITLES[kind],
            "kind": kind,
            "summary": summary,
            "token": token,
            "committed": committed,
        },
    )


def _run(user, pending: dict, *, dry_run: bool, confirm_reroute: bool = False):
    with default_storage.open(pending["file"], "rb") as binary:
        if pending["kind"] == SITES:
            # Checked again at commit time: the user's organisation or role may have changed since.
            landlord = import_policy.landlords(user).filter(pk=pending["landlord"]).first()
            if landlord is None:
                raise Http404
            return import_sites(binary, landlord=landlord, fmt=pending["fmt"], dry_run=dry_run)
        valid_from = pending["valid_from"]
        return import_territories(
            binary,
            fmt=pending["fmt"],
            actor=user,
            departments=import_policy.territory_departments(user),
            valid_from=datetime.date.fromisoformat(valid_from) if valid_from else None,
            confirm_reroute=confirm_reroute,
            dry_run=dry_run,
        )
