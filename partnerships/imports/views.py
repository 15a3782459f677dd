"""Upload → check (a complete import rolled back: nothing written) → commit → summary. Both long steps run
in Celery tasks (partnerships.services.imports); the run's page follows their progress, polled by
static/imports.js, and keeps the result readable afterwards."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partnerships.errors import ApplicationError
from partnerships.selectors import import_run_progress, import_runs
from partnerships.services.imports import import_run_commit_request, import_run_create

from ..permissions import IMPORT_SITES as SITES
from ..permissions import IMPORT_TERRITORIES as TERRITORIES
from ..permissions import import_policy, import_run_policy
from .forms import SitesImportForm, TerritoriesImportForm

FORMS = {SITES: SitesImportForm, TERRITORIES: TerritoriesImportForm}
TITLES = {
    SITES: _("Importer un patrimoine (sites)"),
    TERRITORIES: _("Importer des compétences territoriales"),
}


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
            "runs": import_runs(user=request.user),
        },
    )


@login_required
def upload(request, kind):
    import_policy.check(request.user, kind)
    form = FORMS[kind](request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        run = import_run_create(
            actor=request.user, kind=kind, uploaded_file=form.cleaned_data["file"], params=form.params()
        )
        return redirect("imports:run", pk=run.pk)
    return render(request, "imports/upload.html", {"page_title": TITLES[kind], "kind": kind, "form": form})


@login_required
def run(request, pk):
    import_run = import_run_policy.get_or_404(request.user, "view", pk=pk)
    return render(
        request,
        "imports/run.html",
        {
            "page_title": TITLES.get(import_run.kind, _("Import")),
            "run": import_run,
            "rows_done": import_run_progress(import_run),
            "may_commit": import_run_policy.has_permission(request.user, "commit", import_run),
        },
    )


@login_required
def run_status(request, pk):
    """What the run page polls while a task works on the file."""
    import_run = import_run_policy.get_or_404(request.user, "view", pk=pk)
    return JsonResponse(
        {
            "status": import_run.status,
            "label": import_run.get_status_display(),
            "running": import_run.running,
            "rows_done": import_run_progress(import_run),
            "rows_total": import_run.rows_total,
        }
    )


@login_required
@require_POST
def commit(request, pk):
    import_run = import_run_policy.get_or_404(request.user, "commit", pk=pk)
    try:
        import_run_commit_request(
            actor=request.user, run=import_run, confirm_reroute=request.POST.get("confirm_reroute") == "on"
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("imports:run", pk=import_run.pk)
