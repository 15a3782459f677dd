"""Conventions: the list, a convention's page, creating and editing one, its signed documents."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from partnerships.audit import audit_record
from partnerships.errors import ApplicationError
from partnerships.models import AuditAction

from .. import selectors, services
from ..forms import ConventionForm
from ..models import ActionItemStatus, CommitmentStatus
from ..permissions import convention_policy, indicator_policy


@login_required
def convention_list(request):
    search = request.GET.get("q", "").strip()
    conventions = selectors.convention_list(user=request.user, search=search)
    return render(
        request,
        "conventions/list.html",
        {
            "page_title": _("Conventions"),
            "conventions": conventions,
            "search": search,
            "can_create": convention_policy.user_has_permission(request.user, "create"),
            "can_change": convention_policy.user_has_permission(request.user, "change"),
        },
    )


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
            "open_actions": selectors.open_action_items(meetings),
            "reviews": selectors.periodic_reviews(convention),
            "events": convention.events.select_related("actor")[:20],
            "can_change": convention_policy.has_permission(request.user, "change", convention),
            "is_signatory": convention_policy.has_permission(request.user, "partner", convention),
            "has_indicators": indicator_policy.user_has_permission(request.user, "view"),
            "can_compare": indicator_policy.user_has_permission(request.user, "compare"),
            "commitment_statuses": CommitmentStatus.choices,
            "action_statuses": ActionItemStatus.choices,
        },
    )


@login_required
def convention_partner(request, pk):
    """« Mes conventions »: what the user's organisation owes under a convention it signed."""
    convention = selectors.convention_get(user=request.user, pk=pk, action="partner")
    page = selectors.partner_page(user=request.user, convention=convention)
    return render(
        request,
        "conventions/partner.html",
        {"page_title": _("Ma convention") + f" — {convention.title}", "convention": convention, **page},
    )


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
    if not convention_policy.user_has_permission(request.user, "create"):
        raise Http404
    return _edit(request)


@login_required
def convention_edit(request, pk):
    return _edit(request, selectors.convention_get(user=request.user, pk=pk, action="change"))


@login_required
def convention_document(request, pk, document_pk):
    convention = selectors.convention_get(user=request.user, pk=pk)
    document = get_object_or_404(convention.documents.all(), pk=document_pk)
    return audited_download(
        request,
        convention,
        document,
        document.file,
        filename=document.original_name,
        content_type=document.content_type,
    )


def audited_download(request, convention, obj, file, **response_kwargs) -> FileResponse:
    """One of a convention's files as a download; every download is journaled."""
    audit_record(
        request_or_actor=request,
        action=AuditAction.DOWNLOAD,
        obj=obj,
        department_id=convention.department_id,
    )
    return FileResponse(file.open("rb"), as_attachment=True, **response_kwargs)
