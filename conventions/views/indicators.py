"""Indicators of the fiches, on the page, as CSV/XLSX exports and in the annual review (bilan) PDF."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from partnerships.audit import audit_record, query_detail
from partnerships.exports import export
from partnerships.models import AuditAction, HousingSite
from partnerships.replica import lagging_reads, replica_rows
from partnerships.widgets import prefill_choices

from .. import charts, comparison, disclosure, exports, indicators, selectors
from ..forms import IndicatorFilterForm
from ..permissions import indicator_policy, indicator_reader


def _indicator_request(request, pk, fmt="csv", action="view"):
    """Reader, convention and filters of an indicators page or export; 404 when the user reads none
    (or may not take `action`, indicator_policy's page action)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    convention = selectors.convention_get(user=request.user, pk=pk) if pk is not None else None
    if not indicator_policy.user_has_permission(request.user, action):
        raise Http404
    reader = indicator_reader(request.user)
    department_id = convention.department_id if convention else reader.department_id
    # Always bound, so the period shown in the date fields is the one counted.
    data = request.GET.copy()
    default = indicators.Filters.last_twelve_months()
    data.setdefault("start", default.start.isoformat())
    data.setdefault("end", default.end.isoformat())
    form = IndicatorFilterForm(data, reader=reader, user=request.user, department_id=department_id)
    return reader, convention, form


def duration(hours) -> str:
    """A delay as people say it: « 2 j 4 h », « 5 h », « 40 min » (not « 52,00 heures »). A masked
    value (a string) is left as it is."""
    if hours is None:
        return "—"
    if not isinstance(hours, int | float):
        return hours
    days, minutes = divmod(round(hours * 60), 24 * 60)
    hours_left, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d j %(hours)d h") % {"days": days, "hours": hours_left}
    if hours_left:
        return _("%(hours)d h") % {"hours": hours_left} + (f" {minutes:02d}" if minutes else "")
    return _("%(minutes)d min") % {"minutes": minutes}


def figures(shown: dict) -> list[tuple[str, object]]:
    """The key figures as label/value pairs: one list feeds the page, the CSV and the XLSX."""
    value = lambda v: "—" if v is None else v  # noqa: E731
    return [
        (_("Fiches transmises"), shown["total"]),
        (_("Délai médian de prise en compte"), duration(shown["ack_hours"]["median"])),
        (_("Délai de prise en compte, 90e centile"), duration(shown["ack_hours"]["p90"])),
        (_("Délai médian de premier retour"), duration(shown["feedback_hours"]["median"])),
        (_("Délai de premier retour, 90e centile"), duration(shown["feedback_hours"]["p90"])),
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
    """Figures, charts and map of a period, as the reader may see them: shared by the page and the bilan.
    Counted on the replica when there is one: figures over months may lag a few seconds."""
    with lagging_reads():
        result = indicators.compute(reader, filters, convention, with_map=True)
    shown = disclosure.present(result, reader)
    communes = shown["communes"]
    return {
        "convention": convention,
        "filters": filters,
        "reader": reader,
        # The period actually counted: a partner mayor's is widened to whole calendar periods and
        # stopped at the last finished month (indicators.published_period).
        "counted": {"start": shown["start"], "end": shown["end"]},
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
        # A masked count ("< 5") may hide a zero: its row stays, else leaving it out would say 0.
        "communes": [c for c in communes if c["dwellings"] or c["fiches"] != 0],
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
            "can_compare": indicator_policy.user_has_permission(request.user, "compare"),
            **indicator_context(reader, convention, form.filters()),
        },
    )


@login_required
def comparison_page(request, pk=None):
    """The units and the landlords side by side, with the indicators' filters (same query string)."""
    reader, convention, form = _indicator_request(request, pk, action="compare")
    _light_site_choices(form)
    filters = form.filters()
    compared = comparison.compare(reader, filters, convention)
    query = request.GET.urlencode()
    return render(
        request,
        "conventions/comparison.html",
        {
            "page_title": _("Comparaison des unités et des bailleurs")
            + (f" — {convention.title}" if convention else ""),
            "form": form,
            "query": f"?{query}" if query else "",
            "convention": convention,
            "filters": filters,
            "small_sample": comparison.small_sample(),
            "tables": [
                {
                    "by": by,
                    "heading": heading,
                    "rows": [(row, _comparison_cells(row)) for row in compared[by]],
                }
                for by, (_key, heading) in comparison.GROUPS.items()
            ],
        },
    )


def _share(value) -> str:
    return "—" if value is None else f"{number_format(value, 1)} %"


def _comparison_cells(row) -> list[str]:
    """A row's figures after its name and volume, as the page shows them (« 2 j 4 h », « 83,3 % »)."""
    return [
        duration(row.ack_hours["median"]),
        duration(row.ack_hours["p90"]),
        _share(row.ack_share),
        duration(row.feedback_hours["median"]),
        duration(row.feedback_hours["p90"]),
        _share(row.feedback_share),
    ]


def comparison_rows(compared: dict) -> list[list]:
    """The export's rows: durations in hours and shares in percent as numbers (a decimal comma in
    the CSV, numbers in the XLSX), so that a spreadsheet can sort and chart them."""
    yes, no = _("oui"), _("non")
    rows = [
        [
            _("Comparaison"),
            _("Nom"),
            _("Fiches transmises"),
            _("Échantillon réduit"),
            _("Délai médian de prise en compte (h)"),
            _("Délai de prise en compte, 90e centile (h)"),
            _("Part prise en compte dans les délais (%)"),
            _("Délai médian de premier retour (h)"),
            _("Délai de premier retour, 90e centile (h)"),
            _("Part avec premier retour dans les délais (%)"),
        ]
    ]
    for by, (_key, heading) in comparison.GROUPS.items():
        rows.extend(
            [
                heading,
                row.name,
                row.total,
                yes if row.small_sample else no,
                row.ack_hours["median"],
                row.ack_hours["p90"],
                row.ack_share,
                row.feedback_hours["median"],
                row.feedback_hours["p90"],
                row.feedback_share,
            ]
            for row in compared[by]
        )
    return rows


@login_required
def comparison_export(request, fmt, pk=None):
    reader, convention, form = _indicator_request(request, pk, fmt, action="compare")
    compared = comparison.compare(reader, form.filters(), convention)
    audit_export(request, convention, "comparaison", fmt)
    return export(comparison_rows(compared), _export_name(convention, "comparaison"), fmt, _("Comparaison"))


@login_required
def convention_bilan(request, pk):
    """The annual review (bilan) for the committee, as a PDF with the charts and the map."""
    from weasyprint import CSS, HTML  # heavy import (Pango), only for this view

    reader, convention, form = _indicator_request(request, pk)
    filters = form.filters()
    # A year's review may lag a few seconds: read on the replica, rendering included (the template
    # evaluates the querysets).
    with lagging_reads():
        meetings = [m for m in convention.meetings.all() if filters.start <= m.date <= filters.end]
        context = {
            **indicator_context(reader, convention, filters),
            "signatories": convention.signatories.all(),
            "commitments": convention.commitments.all(),
            "meetings": meetings,
            "open_actions": selectors.open_action_items(convention.meetings.all()),
            "reviews": selectors.periodic_reviews(convention),
            "generated_on": timezone.localdate(),
            "prefecture": selectors.convention_prefecture(convention),
        }
        html = render_to_string("conventions/bilan.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(
        stylesheets=[CSS(string=render_to_string("conventions/bilan.css"))],
        # Tagged (headings, tables, reading order) for screen readers: PDF/UA-1.
        pdf_variant="pdf/ua-1",
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
    with lagging_reads():
        shown = disclosure.present(indicators.compute(reader, filters, convention), reader)
    period = f"{shown['start']:%d/%m/%Y} – {shown['end']:%d/%m/%Y}"
    hotspot_label = _("Point de fixation : %(site)s (%(commune)s)")
    rows = [
        [_("Indicateur"), _("Valeur")],
        [_("Période comptée"), period],
        *(
            [[_("Territoire prioritaire"), indicators.Territory(filters.territory).label]]
            if filters.territory
            else []
        ),
        *[[label, value] for label, value in figures(shown)],
        *[[_("Fiches du mois %s") % _month_label(m), n] for m, n in shown["per_month"]],
        *[[_("Fiches « %s »") % label, n] for _code, label, n in shown["per_category"]],
        *[
            [hotspot_label % {"site": h["site__name"], "commune": h["site__commune__name"]}, h["n"]]
            for h in shown["hotspots"]
        ],
    ]
    audit_export(request, convention, "indicateurs", fmt)
    return export(rows, _export_name(convention, "indicateurs"), fmt, _("Indicateurs"))


@login_required
def fiches_export(request, fmt, pk=None):
    reader, convention, form = _indicator_request(request, pk, fmt)
    if not reader.can_list_fiches:
        raise Http404
    qs = indicators.fiches(reader, form.filters(), convention)
    audit_export(request, convention, "fiches", fmt)
    rows = replica_rows(exports.fiche_rows(qs))  # streamed: read after the view returns
    return export(rows, _export_name(convention, "fiches"), fmt, _("Fiches"))
