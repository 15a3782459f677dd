"""Partnership problems: a recurring problem at an estate, its fiches, its action plan and its history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partnerships.errors import ApplicationError
from partnerships.permissions import site_policy

from .. import problems, selectors
from ..forms import ProblemActionPlanForm, ProblemForm, ProblemLinkForm
from ..models import ProblemStatus
from ..permissions import problem_policy


@login_required
def problem_list(request):
    status = request.GET.get("statut", "")
    # « Problèmes sur cette résidence », from the estate page: an estate the user may not see is a 404.
    site = site_policy.get_or_404(request.user, pk=request.GET["site"]) if request.GET.get("site") else None
    return render(
        request,
        "conventions/problem_list.html",
        {
            "page_title": _("Problèmes partenariaux"),
            "problems": selectors.problem_list(user=request.user, status=status, site=site),
            "statuses": ProblemStatus.choices,
            "status": status,
            "site": site,
            "can_open": problem_policy.user_has_permission(request.user, "open"),
        },
    )


@login_required
def problem_create(request):
    if not problem_policy.user_has_permission(request.user, "open"):
        raise Http404
    # « Ouvrir un problème à partir de cette fiche » (or from an estate's page): pre-filled.
    initial = selectors.problem_initial(
        user=request.user, reference=request.GET.get("fiche", ""), site_id=request.GET.get("site", "")
    )
    form = ProblemForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {
            k: form.cleaned_data[k]
            for k in ("site", "commune", "title", "description", "partners", "action_plan", "alerts")
        }
        problem = problems.problem_create(actor=request.user, **data)
        messages.success(request, _("Le problème partenarial a été ouvert."))
        return redirect("conventions:problem_detail", pk=problem.pk)
    return render(
        request,
        "conventions/form.html",
        {
            "page_title": _("Nouveau problème partenarial"),
            "form": form,
            "cancel_url": reverse("conventions:problems"),
        },
    )


@login_required
def problem_detail(request, pk):
    problem = selectors.problem_get(user=request.user, pk=pk)
    if request.method == "POST":
        problem = selectors.problem_get(user=request.user, pk=pk, action="change")
        try:
            problems.problem_transition(
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
            "can_change": can_change,
            "linked": selectors.problem_linked_alerts(
                user=request.user, problem=problem, can_change=can_change
            ),
            "timeline": selectors.problem_timeline(user=request.user, problem=problem),
            "link_form": ProblemLinkForm(user=request.user) if can_change else None,
            "next_statuses": sorted(problems.PROBLEM_TRANSITIONS[problem.status]) if can_change else [],
        },
    )


def _problem_form_page(request, problem, form, title):
    return render(
        request,
        "conventions/form.html",
        {
            "page_title": title,
            "lead": problem.title,
            "form": form,
            "cancel_url": reverse("conventions:problem_detail", args=[problem.pk]),
        },
    )


@login_required
def problem_action_plan(request, pk):
    problem = selectors.problem_get(user=request.user, pk=pk, action="change")
    form = ProblemActionPlanForm(request.POST or None, instance=problem)
    if request.method == "POST" and form.is_valid():
        problems.problem_set_action_plan(
            actor=request.user, problem=problem, action_plan=form.cleaned_data["action_plan"]
        )
        messages.success(request, _("Le plan d'action a été enregistré."))
        return redirect("conventions:problem_detail", pk=pk)
    return _problem_form_page(request, problem, form, _("Modifier le plan d'action"))


@login_required
def problem_link(request, pk):
    problem = selectors.problem_get(user=request.user, pk=pk, action="change")
    form = ProblemLinkForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            problems.problem_link_alerts(
                actor=request.user, problem=problem, alerts=form.cleaned_data["alerts"]
            )
        except ApplicationError as error:
            form.add_error("alert_references", error.message)
        else:
            messages.success(request, _("Les fiches ont été liées au problème."))
            return redirect("conventions:problem_detail", pk=pk)
    return _problem_form_page(request, problem, form, _("Lier des fiches au problème"))


@login_required
@require_POST
def problem_unlink(request, pk, alert_pk):
    problem = selectors.problem_get(user=request.user, pk=pk, action="change")
    alert = selectors.problem_linked_alert_get(user=request.user, problem=problem, pk=alert_pk)
    problems.problem_unlink_alert(actor=request.user, problem=problem, alert=alert)
    messages.success(request, _("La fiche %(ref)s n'est plus liée au problème.") % {"ref": alert.reference})
    return redirect("conventions:problem_detail", pk=pk)
