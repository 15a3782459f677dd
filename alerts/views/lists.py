"""Lists of fiches: the force triage dashboard, the landlord's and the prefecture's lists, the CSV
export of what is filtered, the manual-routing queue and the in-app notifications."""

import collections

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partnerships import scope
from partnerships.audit import audit_record, query_detail
from partnerships.exports import csv_response
from partnerships.localtime import fiche_time, zone_active
from partnerships.models import AuditAction
from partnerships.pagination import KeysFirstPaginator
from partnerships.reference_cache import cached
from partnerships.replica import replica_rows
from partnerships.views import querystring_without_page

from .. import following, selectors, services
from ..filters import AlertFilter, overdue_q
from ..forms import PreferencesForm, force_units
from ..models import FollowKind, Status
from ..models.lifecycle import PREFECTURE
from ..notifications import notifications_mark_read
from ..permissions import alert_policy
from ..prepared_lists import prepared_alert_list
from ..queues import conditional_queue
from .fiche import safe_next
from .rows import dashboard_rows, label, list_rows

PER_PAGE = 25


def filtered_alerts(request, *, latest_feedback: bool = False):
    """The user's fiches narrowed by the GET filters, each flagged `is_overdue` in the same query
    (the rule of filters.overdue_q): one source for the pages and the CSV export. The latest feedback
    only for the list that shows it (the landlord's)."""
    filters = request.GET.dict()
    alerts = selectors.alert_list(user=request.user, filters=filters, latest_feedback=latest_feedback)
    alerts = selectors.list_rows(alerts).annotate(
        is_overdue=ExpressionWrapper(overdue_q(timezone.now()), output_field=BooleanField())
    )
    return alerts, filters


def list_context(request, title, *, latest_feedback: bool = False):
    filters = request.GET.dict()
    # No filter named (most pages): read by SQL compiled once (alerts/prepared_lists.py).
    alerts = prepared_alert_list(request.user, filters, latest_feedback=latest_feedback, overdue=True)
    if alerts is None:
        alerts, filters = filtered_alerts(request, latest_feedback=latest_feedback)
        paginator = KeysFirstPaginator(alerts, PER_PAGE)
    else:
        paginator = Paginator(alerts, PER_PAGE)
    filters_active = any(value for key, value in filters.items() if key != "page")
    counts = status_counts(request, filters)
    if not filters.get("status"):
        # The tabs counted the same fiches (same filters but the status): no second COUNT.
        paginator.count = sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))
    return {
        "page_title": title,
        # The page's fiches are drawn by rows.py from page_obj.object_list: not in the context on their
        # own, where the page's form lookup (passerelle_tags._page_forms) would walk each row's fields.
        "page_obj": page,
        **filter_panel(request, filters_active),
        "filters_active": filters_active,
        "counts": [
            {"status": value, "label": label, "count": counts[value]}
            for value, label in Status.choices
            if value != Status.DRAFT or alert_policy.user_has_permission(request.user, "file")
        ],
        "querystring_without_page": querystring_without_page(request),
    }


COUNTS_KEPT = 512
_counts: collections.OrderedDict = collections.OrderedDict()


def status_counts(request, filters: dict) -> dict[str, int]:
    """The status tabs' counts, kept in this process under the queue's ETag (alerts.queues): the ETag
    names the version rows of every queue the user sees (any change to one of their fiches bumps
    them), the user, the language and the full path (the filters), so a page served again with the
    same ETag counts the same fiches; a new version is a new key, and a worker that never saw it
    counts. Not kept with the `overdue` filter: which fiches it keeps changes with the clock."""
    etag = getattr(request, "queue_etag", None)
    if etag is None or filters.get("overdue"):
        return selectors.status_counts(user=request.user, filters=filters)
    key = (etag, request.user.pk)
    counts = _counts.get(key)
    if counts is None:
        counts = selectors.status_counts(user=request.user, filters=filters)
        _counts[key] = counts
        while len(_counts) > COUNTS_KEPT:
            _counts.popitem(last=False)
    return dict(counts)


def filter_panel(request, filters_active: bool) -> dict:
    """The filter panel, built and rendered once per organisation's sight and query string, then
    kept: its drop-downs list the visible estates, communes and landlords, which only reference-data
    changes alter (estates, communes, organisations, territories: partnerships/reference_cache.py).
    A query string the form refuses also puts the form in the context, whose errors the page's title
    and error summary name (passerelle_tags.form_notices)."""
    user = request.user
    key = (
        "alert_filters",
        user.organisation_id,
        user.role,
        tuple(scope.unit_ids(user)),
        user.is_superuser,
        get_language(),
        querystring_without_page(request),
    )

    def render_panel():
        form = filter_form(request)
        html = render_to_string(
            "alerts/_filters.html", {"filter_form": form, "filters_active": filters_active}
        )
        return html, not form.errors

    html, valid = cached(key, render_panel)
    return {"filters_html": html} if valid else {"filters_html": html, "filter_form": filter_form(request)}


def filter_form(request):
    filterset = AlertFilter(request.GET or None, user=request.user)
    form = filterset.form
    if alert_policy.user_has_permission(request.user, "file"):
        del form.fields["landlord"]  # a filing organisation lists its own fiches only
    if not alert_policy.user_has_permission(request.user, PREFECTURE):
        del form.fields["unit"]  # a unit's dashboard lists its own fiches; a landlord's, its own
    filterset.fill_choices(form)
    return form


@login_required
@conditional_queue
def dashboard(request):
    if not alert_policy.user_has_permission(request.user, "triage"):
        raise PermissionDenied
    context = list_context(request, _("File des fiches alertes"))
    context["rows"] = dashboard_rows(context["page_obj"].object_list)
    return render(request, "alerts/dashboard.html", context)


@login_required
@conditional_queue
def alert_list(request):
    user = request.user
    if not alert_policy.user_has_permission(user, "list"):
        if alert_policy.user_has_permission(user, "triage"):
            return redirect("alerts:dashboard")
        raise PermissionDenied
    # The filing organisation lists its own fiches: no landlord column, the latest feedback instead.
    own = alert_policy.user_has_permission(user, "file")
    title = _("Mes fiches alertes") if own else _("Fiches alertes du département")
    context = list_context(request, title, latest_feedback=own)
    context["rows"] = list_rows(context["page_obj"].object_list, own_fiches=own)
    return render(request, "alerts/alert_list.html", {**context, "own_fiches": own})


@require_POST
@login_required
def bulk_acknowledge(request):
    ids = posted_ids(request, "alerts")
    selected = selectors.alert_list(user=request.user).filter(pk__in=ids, status=Status.SUBMITTED)
    count = services.alert_bulk_acknowledge(actor=request.user, alerts=selected)
    if count:
        messages.success(request, _("%(count)d fiche(s) prise(s) en compte.") % {"count": count})
    else:
        messages.error(request, _("Aucune fiche sélectionnée ne pouvait être prise en compte."))
    return redirect(safe_next(request) or "alerts:dashboard")


MAX_ID = 2**63 - 1  # the largest primary key the databases store


def posted_ids(request, name) -> list[int]:
    """Ids posted under `name`; tampered ones ("abc", 10**30) name no row, rather than crash the query."""
    return [int(pk) for pk in request.POST.getlist(name) if pk.isdigit() and int(pk) <= MAX_ID]


CSV_COLUMNS = [
    (gettext_lazy("Référence"), lambda a: a.reference),
    (gettext_lazy("Statut"), lambda a: label(a, "status")),
    (gettext_lazy("Urgence"), lambda a: label(a, "urgency")),
    (gettext_lazy("Catégorie"), lambda a: label(a, "category")),
    (gettext_lazy("Sous-catégorie"), lambda a: label(a, "subcategory")),
    (gettext_lazy("Date des faits"), lambda a: fiche_time(a.facts_at, a)),
    (gettext_lazy("Transmise le"), lambda a: fiche_time(a.submitted_at, a)),
    (gettext_lazy("Prise en compte le"), lambda a: fiche_time(a.acknowledged_at, a)),
    (gettext_lazy("Premier retour le"), lambda a: fiche_time(a.first_feedback_at, a)),
    (gettext_lazy("Clôturée le"), lambda a: fiche_time(a.closed_at, a)),
    (gettext_lazy("Suite donnée"), lambda a: label(a, "outcome")),
    (gettext_lazy("Site"), lambda a: a.site.name),
    (gettext_lazy("Commune"), lambda a: a.site.commune.name),
    (gettext_lazy("Bailleur"), lambda a: a.landlord.name),
    (gettext_lazy("Unité"), lambda a: a.routed_unit.name if a.routed_unit else ""),
    (gettext_lazy("En retard"), lambda a: _("oui") if a.is_overdue else _("non")),
]


@login_required
def export_csv(request):
    """Exactly the filtered list the user sees, streamed; `;` and a BOM so that Excel opens it in French."""
    alerts, _filters = filtered_alerts(request)
    audit_record(
        request_or_actor=request,
        action=AuditAction.EXPORT,
        object_type="alerts.alert",
        detail=query_detail(request, format="csv"),
    )

    reader_zone = timezone.get_current_timezone()

    def rows():
        # Streamed after the middleware has restored the default zone: times are named for the reader.
        with zone_active(reader_zone):
            yield [str(title) for title, _value in CSV_COLUMNS]
            for alert in alerts.iterator(chunk_size=500):
                yield [value(alert) for _title, value in CSV_COLUMNS]

    # Streamed after the view returns: read from the replica when there is one (an export may lag).
    return csv_response(replica_rows(rows()), f"fiches-alertes-{timezone.localdate():%Y%m%d}")


@login_required
def routing_queue(request):
    if not alert_policy.user_has_permission(request.user, "route"):
        raise PermissionDenied
    page = Paginator(selectors.routing_queue(user=request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "alerts/routing_queue.html",
        {
            "page_title": _("Fiches à router"),
            "page_obj": page,
            "alerts": page.object_list,
            "units": force_units(request.user.organisation.department_id),
            "querystring_without_page": querystring_without_page(request),
        },
    )


NOTIFICATION_KINDS = [*FollowKind.choices, (selectors.ESCALATIONS, gettext_lazy("Relance (délai dépassé)"))]


@login_required
def notifications(request):
    if request.method == "POST":
        # "Tout marquer comme lu", or one notification (and, with "open", go to its fiche).
        ids = None if "all" in request.POST else posted_ids(request, "notification")
        notifications_mark_read(user=request.user, ids=ids)
        target = request.POST.get("open", "")
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            return redirect(target)
        return redirect("alerts:notifications")
    kind = request.GET.get("type", "")
    if kind not in dict(NOTIFICATION_KINDS):
        kind = ""
    page = Paginator(selectors.notification_list(user=request.user, kind=kind), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "alerts/notifications.html",
        {
            "page_title": _("Notifications"),
            "page_obj": page,
            "kinds": NOTIFICATION_KINDS,
            "kind": kind,
            "unread_count": selectors.unread_notification_count(user=request.user),
            "querystring_without_page": querystring_without_page(request),
        },
    )


@login_required
def preferences(request):
    """« Mes préférences »: how the user hears of each kind of event of the fiches they follow."""
    form = PreferencesForm(request.POST or None, current=following.preferences_of(request.user))
    if request.method == "POST" and form.is_valid():
        following.notification_preferences_set(actor=request.user, choices=form.cleaned_data)
        messages.success(request, _("Vos préférences de notification sont enregistrées."))
        return redirect("alerts:preferences")
    return render(
        request, "alerts/preferences.html", {"page_title": _("Mes préférences de notification"), "form": form}
    )
