import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from partnerships.audit import audit_record, query_detail
from partnerships.errors import ApplicationError
from partnerships.models import AuditAction, HousingSite
from partnerships.widgets import prefill_choices

from . import charts, exports, indicators, selectors, services
from .forms import (
    ActionItemForm,
    CommitmentForm,
    ConventionForm,
    IndicatorFilterForm,
    MeetingForm,
    ProblemForm,
    limit_to_convention,
)
from .models import (
    OPEN_ACTION_STATUSES,
    ActionItem,
    ActionItemStatus,
    CommitmentStatus,
    MeetingKind,
    PartnershipProblem,
    ProblemStatus,
)
from .permissions import convention_policy, indicator_reader, problem_policy

EXPIRY_WARNING_DAYS = 180


@login_required
def convention_list(request):
    search = request.GET.get("q", "").strip()
    today = timezone.localdate()
    conventions = list(selectors.convention_list(user=request.user, search=search))
    for convention in conventions:
        until = convention.effective_until
        convention.expires_soon = (
            until is not None
            and today <= until <= today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
            and not convention.tacit_renewal
        )
        convention.is_over = until is not None and until < today
    return render(
        request,
        "conventions/list.html",
        {
            "page_title": _("Conventions"),
            "conventions": conventions,
            "search": search,
            "can_create": convention_policy.can_create(request.user),
        },
    )


def periodic_reviews(convention) -> list[dict]:
    """Each signatory landlord with each signatory force unit: when their next periodic point is due."""
    if not convention.periodic_review_months:
        return []
    orgs = [s.organisation for s in convention.signatories.all()]
    meetings = [m for m in convention.meetings.all() if m.kind == MeetingKind.PERIODIC]
    today = timezone.localdate()
    rows = []
    for landlord in (o for o in orgs if o.is_landlord):
        for unit in (o for o in orgs if o.is_force):
            due = services.next_periodic_review(convention, landlord, unit, meetings)
            late = due is not None and due < today
            rows.append({"landlord": landlord, "unit": unit, "due": due, "late": late})
    return rows


@login_required
def convention_detail(request, pk):
    convention = selectors.convention_get(user=request.user, pk=pk)
    meetings = list(convention.meetings.all())
    return render(
        request,
        "conventions/detail.html",
        {
            "page_title": convention.title,
            "convention": convention,
            "signatories": convention.signatories.all(),
            "commitments": convention.commitments.all(),
            "meetings": meetings,
            "open_actions": open_actions(meetings),
            "reviews": periodic_reviews(convention),
            "events": convention.events.select_related("actor")[:20],
            "can_change": convention_policy.has_permission(request.user, "change", convention),
            "has_indicators": indicator_reader(request.user) is not None,
            "commitment_statuses": CommitmentStatus.choices,
            "action_statuses": ActionItemStatus.choices,
        },
    )


def open_actions(meetings) -> list:
    return [a for m in meetings for a in m.action_items.all() if a.status in OPEN_ACTION_STATUSES]


def _save(request, form, convention=None):
    data = {f: form.cleaned_data.get(f) for f in services.CONVENTION_FIELDS}
    arguments = {
        "actor": request.user,
        "data": data,
        "organisations": list(form.cleaned_data["signatories"]),
        "sites": list(form.cleaned_data.get("sites") or []),
        "document": form.cleaned_data.get("document"),
    }
    if convention is None:
        return services.convention_create(department_id=request.user.organisation.department_id, **arguments)
    return services.convention_update(convention=convention, **arguments)


def _edit(request, convention=None):
    department_id = convention.department_id if convention else request.user.organisation.department_id
    form = ConventionForm(
        request.POST or None, request.FILES or None, instance=convention, department_id=department_id
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save(request, form, convention)
        except ApplicationError as error:
            for message in error.extra.get("errors", [error.message]):
                form.add_error(None, message)
        else:
            messages.success(request, _("La convention a été enregistrée."))
            return redirect("conventions:detail", pk=saved.pk)
    return render(
        request,
        "conventions/form.html",
        {
            "page_title": _("Modifier la convention") if convention else _("Nouvelle convention"),
            "form": form,
            "convention": convention,
        },
    )


@login_required
def convention_create(request):
    if not convention_policy.can_create(request.user):
        raise Http404
    return _edit(request)


@login_required
def convention_edit(request, pk):
    return _edit(request, selectors.convention_get(user=request.user, pk=pk, action="change"))


@login_required
def convention_document(request, pk, document_pk):
    convention = selectors.convention_get(user=request.user, pk=pk)
    document = get_object_or_404(convention.documents.all(), pk=document_pk)
    audit_record(
        request_or_actor=request,
        action=AuditAction.DOWNLOAD,
        obj=document,
        department_id=convention.department_id,
    )
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )


@login_required
def meeting_minutes(request, pk, meeting_pk):
    convention = selectors.convention_get(user=request.user, pk=pk)
    meeting = get_object_or_404(convention.meetings.exclude(minutes_file=""), pk=meeting_pk)
    audit_record(
        request_or_actor=request,
        action=AuditAction.DOWNLOAD,
        obj=meeting,
        department_id=convention.department_id,
    )
    return FileResponse(
        meeting.minutes_file.open("rb"), as_attachment=True, filename=f"compte-rendu-{meeting.date:%Y-%m-%d}"
    )


def _indicator_request(request, pk, fmt="csv"):
    """Reader, convention and filters of an indicators page or export; 404 when the user reads none."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    reader = indicator_reader(request.user)
    convention = selectors.convention_get(user=request.user, pk=pk) if pk is not None else None
    if reader is None:
        raise Http404
    department_id = convention.department_id if convention else reader.department_id
    # Always bound, so the period shown in the date fields is the one counted.
    data = request.GET.copy()
    default = indicators.Filters.last_twelve_months()
    data.setdefault("start", default.start.isoformat())
    data.setdefault("end", default.end.isoformat())
    form = IndicatorFilterForm(data, reader=reader, user=request.user, department_id=department_id)
    return reader, convention, form


def figures(shown: dict) -> list[tuple[str, object]]:
    """The key figures as label/value pairs: one list feeds the page, the CSV and the XLSX."""
    value = lambda v: "—" if v is None else v  # noqa: E731
    return [
        (_("Fiches transmises"), shown["total"]),
        (_("Délai médian de prise en compte (heures)"), value(shown["ack_hours"]["median"])),
        (_("Délai de prise en compte, 90e centile (heures)"), value(shown["ack_hours"]["p90"])),
        (_("Délai médian de premier retour (heures)"), value(shown["feedback_hours"]["median"])),
        (_("Délai de premier retour, 90e centile (heures)"), value(shown["feedback_hours"]["p90"])),
        (_("Part prise en compte dans les délais (%)"), value(shown["within_policy_share"])),
        (_("Agressions de personnels"), shown["staff_aggressions"]),
        (_("Plaintes déposées"), shown["complaints_filed"]),
        (_("Réorientations"), shown["redirections"]),
        (_("Problèmes partenariaux identifiés"), shown["problems_identified"]),
        (_("Problèmes partenariaux résolus"), shown["problems_resolved"]),
    ]


def _month_label(day: datetime.date) -> str:
    return f"{day:%m}/{day:%y}"


def _plotted(value) -> int:
    """A masked count ("< 5") is drawn as an empty bar: a bar's height must not give it away."""
    return value if isinstance(value, int) else 0


def indicator_context(reader, convention, filters) -> dict:
    """Figures, charts and map of a period, as the reader may see them: shared by the page and the bilan."""
    result = indicators.compute(reader, filters, convention, with_map=True)
    shown = indicators.present(result, reader)
    threshold = indicators.small_count_threshold()
    communes = result.communes
    if reader.aggregated_only:
        # A rate computed from a handful of fiches would give the count away.
        communes = [{**c, "rate": c["rate"] if c["fiches"] >= threshold else None} for c in communes]
    return {
        "convention": convention,
        "filters": filters,
        "reader": reader,
        "figures": figures(shown),
        "month_chart": charts.bar_chart(
            [(_month_label(m), _plotted(value), value) for m, value in shown["per_month"]],
            _("Fiches transmises par mois"),
        ),
        "category_chart": charts.hbar_chart(
            [(label, _plotted(value), value) for _code, label, value in shown["per_category"]],
            _("Fiches par catégorie"),
        )
        if shown["per_category"]
        else None,
        "hotspots": shown["hotspots"],
        "map": charts.commune_map(communes, _("Fiches pour 1 000 logements sociaux, par commune")),
        "map_bounds": charts.map_classes([c["rate"] for c in communes if c["rate"]]),
        "communes": [
            {**c, "fiches": indicators.shown(c["fiches"], reader)}
            for c in communes
            if c["dwellings"] or c["fiches"]
        ],
    }


def _light_site_choices(form) -> None:
    """The estate drop-down's options from one values_list (prefill_choices): a département has
    thousands of estates."""
    field = form.fields.get("site")
    if field is not None:
        rows = field.queryset.values_list("pk", "name", "commune__name")
        prefill_choices(field, [(pk, HousingSite.label(name, commune)) for pk, name, commune in rows])


@login_required
def indicators_page(request, pk=None):
    reader, convention, form = _indicator_request(request, pk)
    _light_site_choices(form)
    query = request.GET.urlencode()
    return render(
        request,
        "conventions/indicators.html",
        {
            "page_title": _("Indicateurs") + (f" — {convention.title}" if convention else ""),
            "form": form,
            "query": f"?{query}" if query else "",
            **indicator_context(reader, convention, form.filters()),
        },
    )


@login_required
def convention_bilan(request, pk):
    """The annual review (bilan) for the committee, as a PDF with the charts and the map."""
    from weasyprint import CSS, HTML  # heavy import (Pango), only for this view

    reader, convention, form = _indicator_request(request, pk)
    filters = form.filters()
    meetings = [m for m in convention.meetings.all() if filters.start <= m.date <= filters.end]
    context = {
        **indicator_context(reader, convention, filters),
        "signatories": convention.signatories.all(),
        "commitments": convention.commitments.all(),
        "meetings": meetings,
        "open_actions": open_actions(convention.meetings.all()),
        "reviews": periodic_reviews(convention),
        "generated_on": timezone.localdate(),
    }
    html = render_to_string("conventions/bilan.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(
        stylesheets=[CSS(string=render_to_string("conventions/bilan.css"))]
    )
    audit_export(request, convention, "bilan", "pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="bilan-convention-{convention.pk}-{filters.end:%Y-%m-%d}.pdf"'
    )
    return response


def audit_export(request, convention, what: str, fmt: str) -> None:
    audit_record(
        request_or_actor=request,
        action=AuditAction.EXPORT,
        obj=convention,
        object_type=f"conventions.{what}",
        detail=query_detail(request, export=what, format=fmt),
    )


def _export_name(convention, what: str) -> str:
    return f"{what}-convention-{convention.pk}" if convention else f"{what}-{timezone.localdate():%Y-%m-%d}"


@login_required
def indicators_export(request, fmt, pk=None):
    reader, convention, form = _indicator_request(request, pk, fmt)
    filters = form.filters()
    shown = indicators.present(indicators.compute(reader, filters, convention), reader)
    period = f"{filters.start:%d/%m/%Y} – {filters.end:%d/%m/%Y}"
    hotspot_label = _("Point de fixation : %(site)s (%(commune)s)")
    rows = [
        [_("Indicateur"), _("Valeur")],
        [_("Période"), period],
        *[[label, value] for label, value in figures(shown)],
        *[[_("Fiches du mois %s") % _month_label(m), n] for m, n in shown["per_month"]],
        *[[_("Fiches « %s »") % label, n] for _code, label, n in shown["per_category"]],
        *[
            [hotspot_label % {"site": h["site__name"], "commune": h["site__commune__name"]}, h["n"]]
            for h in shown["hotspots"]
        ],
    ]
    audit_export(request, convention, "indicateurs", fmt)
    return exports.export(rows, _export_name(convention, "indicateurs"), fmt, _("Indicateurs"))


@login_required
def fiches_export(request, fmt, pk=None):
    reader, convention, form = _indicator_request(request, pk, fmt)
    if not reader.can_list_fiches:
        raise Http404
    qs = indicators.fiches(reader, form.filters(), convention)
    audit_export(request, convention, "fiches", fmt)
    return exports.export(exports.fiche_rows(qs), _export_name(convention, "fiches"), fmt, _("Fiches"))


# URL slug -> (form, service call, page title)
FOLLOW_UP = {
    "engagement": (
        CommitmentForm,
        lambda actor, convention, data: services.commitment_create(
            actor=actor, convention=convention, **data
        ),
        gettext_lazy("Nouvel engagement"),
    ),
    "reunion": (
        MeetingForm,
        lambda actor, convention, data: services.meeting_create(actor=actor, convention=convention, **data),
        gettext_lazy("Nouvelle réunion"),
    ),
    "action": (
        ActionItemForm,
        lambda actor, convention, data: services.action_item_create(actor=actor, **data),
        gettext_lazy("Nouvelle action à mener"),
    ),
}


@login_required
def follow_up_create(request, pk, kind):
    if kind not in FOLLOW_UP:
        raise Http404
    convention = selectors.convention_get(user=request.user, pk=pk, action="change")
    form_class, create, title = FOLLOW_UP[kind]
    form = limit_to_convention(form_class(request.POST or None, request.FILES or None), convention)
    if request.method == "POST" and form.is_valid():
        create(request.user, convention, form.cleaned_data)
        messages.success(request, _("Enregistré."))
        return redirect("conventions:detail", pk=convention.pk)
    return render(
        request, "conventions/form.html", {"page_title": title, "form": form, "convention": convention}
    )


@require_POST
@login_required
def follow_up_status(request, pk, kind, item_pk):
    convention = selectors.convention_get(user=request.user, pk=pk, action="change")
    items = {
        "engagement": convention.commitments.all(),
        "action": ActionItem.objects.filter(meeting__convention=convention).select_related(
            "meeting__convention"
        ),
    }
    if kind not in items:
        raise Http404
    item = get_object_or_404(items[kind], pk=item_pk)
    try:
        services.follow_up_status_set(actor=request.user, item=item, status=request.POST.get("status", ""))
    except ValidationError:
        messages.error(request, _("Statut inconnu."))
    return redirect("conventions:detail", pk=convention.pk)


@login_required
def problem_list(request):
    status = request.GET.get("statut", "")
    problems = (
        problem_policy.instances(request.user)
        .select_related("site", "commune", "opened_by")
        .annotate(alert_count=Count("alerts", distinct=True))
    )
    if status in ProblemStatus.values:
        problems = problems.filter(status=status)
    return render(
        request,
        "conventions/problem_list.html",
        {
            "page_title": _("Problèmes partenariaux"),
            "problems": problems.order_by("status", "-opened_at"),
            "statuses": ProblemStatus.choices,
            "status": status,
            "can_open": problem_policy.can_open(request.user),
        },
    )


@login_required
def problem_create(request):
    if not problem_policy.can_open(request.user):
        raise Http404
    form = ProblemForm(request.POST or None, user=request.user)
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
    queryset = PartnershipProblem.objects.select_related("site", "commune", "opened_by").prefetch_related(
        "partners"
    )
    problem = problem_policy.get_or_404(request.user, "view", queryset=queryset, pk=pk)
    if request.method == "POST":
        problem = problem_policy.get_or_404(request.user, "change", pk=pk)
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
