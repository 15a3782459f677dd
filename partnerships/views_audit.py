"""The audit trail pages: the prefecture's referent reads (and exports) who viewed, changed,
exported or downloaded what in the département; "who saw this fiche" is the same page filtered
on one fiche."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from dsfr.forms import DsfrBaseForm

from .audit import audit_entries, audit_policy, audit_record, query_detail
from .exports import csv_response
from .models import AuditAction
from .views import querystring_without_page
from .widgets import NativeDateInput

PER_PAGE = 50


class AuditFilterForm(DsfrBaseForm):
    fiche = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reference = forms.CharField(label=gettext_lazy("Référence de la fiche"), required=False, max_length=60)
    actor = forms.CharField(label=gettext_lazy("Utilisateur (e-mail)"), required=False, max_length=254)
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        required=False,
        choices=[("", gettext_lazy("Toutes"))] + AuditAction.choices,
    )
    date_from = forms.DateField(label=gettext_lazy("Du"), required=False, widget=NativeDateInput())
    date_to = forms.DateField(label=gettext_lazy("Au"), required=False, widget=NativeDateInput())

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("La date de début doit précéder la date de fin."))
        return data


def filtered_entries(request):
    """The entries the referent reads, narrowed by the valid filters (invalid ones are shown as
    errors and ignored)."""
    if not audit_policy.user_has_permission(request.user, "view"):
        raise PermissionDenied
    form = AuditFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = audit_entries(
        user=request.user,
        alert_id=filters.get("fiche"),
        reference=filters.get("reference", ""),
        actor=filters.get("actor", ""),
        action=filters.get("action", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    return form, entries


@login_required
def audit_list(request):
    form, entries = filtered_entries(request)
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    fiche = form.cleaned_data.get("fiche") if form.is_valid() else None
    return render(
        request,
        "audit/list.html",
        {
            "page_title": _("Journal d'audit"),
            "form": form,
            "page_obj": page,
            "entries": page.object_list,
            # "Who saw this fiche": the page reached from a fiche names it (a draft has no reference).
            "fiche_reference": next((e.reference for e in page.object_list if e.reference), "")
            if fiche
            else "",
            "fiche": fiche,
            "querystring": request.GET.urlencode(),
            "querystring_without_page": querystring_without_page(request),
        },
    )


CSV_COLUMNS = [
    (gettext_lazy("Date"), lambda e: timezone.localtime(e.at).strftime("%d/%m/%Y %H:%M:%S")),
    (gettext_lazy("Utilisateur"), lambda e: e.actor_label or _("Système")),
    (gettext_lazy("Organisation"), lambda e: e.organisation_label),
    (gettext_lazy("Action"), lambda e: e.action_label),
    (gettext_lazy("Objet"), lambda e: e.object_label),
    (gettext_lazy("Identifiant"), lambda e: e.object_id),
    (gettext_lazy("Fiche"), lambda e: e.reference),
    (gettext_lazy("Adresse IP"), lambda e: e.ip or ""),
]


@login_required
def audit_export(request):
    """The filtered entries as CSV; exporting the journal is itself journaled."""
    _form, entries = filtered_entries(request)
    audit_record(
        request_or_actor=request,
        action=AuditAction.EXPORT,
        object_type="partnerships.auditentry",
        detail=query_detail(request),
    )

    def rows():
        yield [str(title) for title, _value in CSV_COLUMNS]
        for entry in entries.iterator(chunk_size=2000):
            yield [value(entry) for _title, value in CSV_COLUMNS]

    return csv_response(rows(), f"journal-audit-{timezone.localdate():%Y-%m-%d}")
