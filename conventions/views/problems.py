"""Partnership problems: a recurring problem at an estate, its fiches and its action plan."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from partnerships.errors import ApplicationError

from .. import selectors, services
from ..forms import ProblemForm
from ..models import ProblemStatus
from ..permissions import problem_policy


@login_required
def problem_list(request):
    status = request.GET.get("statut", "")
    return render(
        request,
        "conventions/problem_list.html",
        {
            "page_title": _("Problèmes partenariaux"),
            "problems": selectors.problem_list(user=request.user, status=status),
            "statuses": ProblemStatus.choices,
            "status": status,
            "can_open": problem_policy.user_has_permission(request.user, "open"),
        },
    )


@login_required
def problem_create(request):
    if not problem_policy.user_has_permission(request.user, "open"):
        raise Http404
    # « Ouvrir un problème à partir de cette fiche »: the fiche's estate and reference pre-filled.
    initial = selectors.problem_initial_from_fiche(user=request.user, reference=request.GET.get("fiche", ""))
    form = ProblemForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {
            k: form.cleaned_data[k]
            for k in ("site", "commune", "title", "description", "partners", "action_plan", "alerts")
        }
        problem = services.problem_create(actor=request.user, **data)
        messages.success(request, _("Le problème partenarial a été ouvert."))
        return redirect("conventions:problem_detail", pk=problem.pk)
    return render(
        request, "conventions/form.html", {"page_title": _("Nouveau problème partenarial"), "form": form}
    )


@login_required
def problem_detail(request, pk):
    problem = selectors.problem_get(user=request.user, pk=pk)
    if request.method == "POST":
        problem = selectors.problem_get(user=request.user, pk=pk, action="change")
        try:
            services.problem_transition(
                actor=request.user, problem=problem, to_status=request.POST.get("status", "")
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("conventions:problem_detail", pk=pk)
    can_change = problem_policy.has_permission(request.user, "change", problem)
    return render(
        request,
        "conventions/problem_detail.html",
        {
            "page_title": problem.title,
            "problem": problem,
            "linked": selectors.problem_linked_alerts(user=request.user, problem=problem),
            "next_statuses": sorted(services.PROBLEM_TRANSITIONS[problem.status]) if can_change else [],
        },
    )
