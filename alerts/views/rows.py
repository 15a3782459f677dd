"""The rows of the fiche lists (the force's triage dashboard, the landlord's and the prefecture's
lists) and the badges they show, drawn in Python: the templates' per-cell tags (a `{% translate %}`
per column label, a tag per badge, a filter per label) were half of a list page's time. Each row is
one string format over escaped values; the column labels are translated and escaped once per
language (they cannot change without a deploy). The HTML is the one the templates wrote
(tests/perf/test_list_rendering.py compares them)."""

import functools
from html import escape

from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from partnerships.localtime import fiche_time

from ..models import Alert, Status, Urgency

STATUS_BADGES = {
    Status.DRAFT: "",
    Status.SUBMITTED: "fr-badge--new",
    Status.ACKNOWLEDGED: "fr-badge--info",
    Status.IN_PROGRESS: "fr-badge--info",
    Status.CLOSED: "fr-badge--success",
    Status.RETURNED: "fr-badge--error",
}
URGENCY_BADGES = {Urgency.IMMEDIATE: "fr-badge--error", Urgency.HIGH: "fr-badge--warning", Urgency.NORMAL: ""}


def label(alert, name: str) -> str:
    """A choice's label, as get_FOO_display gives it: that one rebuilds the choices dict on each call,
    which made most of the time of a 100,000-row export."""
    value = getattr(alert, name)
    return choice_labels(name, get_language()).get(value, value)


@functools.cache
def choice_labels(name: str, language: str) -> dict:
    return {value: str(text) for value, text in Alert._meta.get_field(name).flatchoices}


def status_badge(alert) -> str:
    return _badge("status", alert.status, get_language())


def urgency_badge(alert) -> str:
    return _badge("urgency", alert.urgency, get_language())


@functools.cache
def _badge(name: str, value: str, language: str) -> str:
    """A status or urgency badge: the same few strings for every fiche, built once per language."""
    label = choice_labels(name, language).get(value, value)
    if name == "status":
        return format_html(
            '<p class="fr-badge fr-badge--sm fr-badge--no-icon {}" data-testid="status">{}</p>',
            STATUS_BADGES.get(value, ""),
            label,
        )
    return format_html(
        '<p class="fr-badge fr-badge--sm fr-badge--no-icon {}">{}</p>', URGENCY_BADGES.get(value, ""), label
    )


@functools.cache
def _column_labels(language: str) -> dict[str, str]:
    """Each column's label, translated and escaped as `{% translate %}` writes it (the active language
    is the key's: gettext reads it)."""
    names = {
        "reference": "Référence",
        "urgency": "Urgence",
        "submitted": "Transmise le",
        "category": "Catégorie",
        "site": "Site",
        "landlord": "Bailleur",
        "status": "Statut",
        "due": "Échéance",
        "escalation": "Relance",
        "acknowledge": "Prendre en compte",
        "none": "Aucune fiche.",
        "fiche": "Fiche",
        "facts": "Faits du",
        "unit": "Unité",
        "feedback": "Dernier retour",
    }
    return {key: escape(_(text)) for key, text in names.items()}


def _text(value) -> str:
    """A value as the template wrote it (`{{ value }}`): escaped."""
    return escape(str(value))


URL_PK = "2147483646"  # a key no fiche has yet, replaced by each row's


def url_pattern(name: str, *args) -> str:
    return reverse(name, args=[int(URL_PK), *args])


DASHBOARD_ROW = (
    "<tr{overdue}>"
    '<td class="passerelle-select-cell">{select}</td>'
    '<td class="passerelle-nowrap" data-label="{L[reference]}"><a href="{detail}">{reference}</a></td>'
    '<td data-label="{L[urgency]}">{urgency}</td>'
    '<td class="passerelle-nowrap" data-label="{L[submitted]}">{submitted}</td>'
    '<td data-label="{L[category]}">{category}</td>'
    '<td data-label="{L[site]}">{site}<br><span class="fr-text--xs">{commune}</span></td>'
    '<td data-label="{L[landlord]}">{landlord}</td>'
    '<td data-label="{L[status]}">{status}</td>'
    '<td class="passerelle-nowrap" data-label="{L[due]}">{due}</td>'
    '<td data-label="{L[escalation]}">{escalation}</td>'
    "<td>{acknowledge}</td>"
    "</tr>"
)
OVERDUE = ' class="passerelle-overdue" data-overdue="1"'
SELECT = (
    '<div class="fr-checkbox-group fr-checkbox-group--sm"><input type="checkbox" name="alerts" value="{pk}"'
    ' id="select-{pk}"><label class="fr-label" for="select-{pk}"><span class="fr-sr-only">{reference}</span>'
    "</label></div>"
)
ACKNOWLEDGE = (
    '<button class="fr-btn fr-btn--sm" type="submit" formaction="{url}" name="version" value="{version}"'
    ' data-testid="acknowledge-{pk}" title="{title}">{label}</button>'
)


def dashboard_rows(alerts) -> str:
    """The dashboard's rows: links from one reversed URL each (a prefix and the key), the times in the
    fiche's zone, a checkbox and a one-tap button for a fiche awaiting acknowledgement."""
    labels = _column_labels(get_language())
    detail = url_pattern("alerts:detail")
    acknowledge = url_pattern("alerts:transition", "acknowledge")
    rows = []
    for alert in alerts:
        pk = str(alert.pk)
        reference = _text(alert.reference)
        submitted = alert.status == Status.SUBMITTED
        if submitted:
            due = fiche_time(alert.ack_due_at, alert)
        elif not alert.first_feedback_at:
            due = fiche_time(alert.feedback_due_at, alert)
        else:
            due = "—"
        level = alert.escalation_level
        rows.append(
            DASHBOARD_ROW.format(
                L=labels,
                overdue=OVERDUE if alert.is_overdue else "",
                select=SELECT.format(pk=pk, reference=reference) if submitted else "",
                detail=detail.replace(URL_PK, pk),
                reference=reference,
                urgency=urgency_badge(alert),
                submitted=escape(fiche_time(alert.submitted_at, alert)),
                category=escape(label(alert, "category")),
                site=_text(alert.site.name),
                commune=_text(alert.site.commune.name),
                landlord=_text(alert.landlord.name),
                status=status_badge(alert),
                due=escape(due),
                escalation=(
                    '<p class="fr-badge fr-badge--sm fr-badge--warning">{}</p>'.format(
                        _("Niveau %(level)s/4") % {"level": level}
                    )
                    if level
                    else "—"
                ),
                acknowledge=ACKNOWLEDGE.format(
                    url=acknowledge.replace(URL_PK, pk),
                    version=alert.version,
                    pk=pk,
                    title=_("Prendre en compte %(reference)s") % {"reference": reference},
                    label=labels["acknowledge"],
                )
                if submitted
                else "",
            )
        )
    if not rows:
        rows.append('<tr><td colspan="11">{}</td></tr>'.format(labels["none"]))
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)


LIST_ROW = (
    "<tr{overdue}>"
    '<td class="passerelle-nowrap" data-label="{L[reference]}"><a href="{detail}">{name}</a></td>'
    '<td class="passerelle-nowrap" data-label="{L[facts]}">{facts}</td>'
    '<td data-label="{L[site]}">{site}<br><span class="fr-text--xs">{commune}</span></td>'
    "{landlord}"
    '<td data-label="{L[category]}">{category}</td>'
    '<td data-label="{L[urgency]}">{urgency}</td>'
    '<td data-label="{L[status]}">{status}</td>'
    '<td data-label="{L[unit]}">{unit}</td>'
    "{feedback}"
    "</tr>"
)


def list_rows(alerts, *, own_fiches: bool) -> str:
    """The landlord's (`own_fiches`: no landlord column, the latest feedback instead) and the
    prefecture's rows."""
    labels = _column_labels(get_language())
    detail = url_pattern("alerts:detail")
    rows = []
    for alert in alerts:
        if own_fiches:
            feedback = truncatechars(alert.latest_feedback or "—", 120)
            extra = '<td data-testid="latest-feedback" data-label="{}">{}</td>'.format(
                labels["feedback"], _text(feedback)
            )
            landlord = ""
        else:
            extra = ""
            landlord = '<td data-label="{}">{}</td>'.format(labels["landlord"], _text(alert.landlord.name))
        unit = alert.routed_unit.name if alert.routed_unit else ""
        rows.append(
            LIST_ROW.format(
                L=labels,
                overdue=OVERDUE if alert.is_overdue else "",
                detail=detail.replace(URL_PK, str(alert.pk)),
                name=_text(alert),
                facts=escape(fiche_time(alert.facts_at, alert)),
                site=_text(alert.site.name),
                commune=_text(alert.site.commune.name),
                landlord=landlord,
                category=escape(label(alert, "category")),
                urgency=urgency_badge(alert),
                status=status_badge(alert),
                unit=_text(unit or "—"),
                feedback=extra,
            )
        )
    if not rows:
        rows.append('<tr><td colspan="9">{}</td></tr>'.format(labels["none"]))
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)
