"""Follow-up of a convention: meeting minutes, commitments, meetings and action items."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..forms import ActionItemForm, CommitmentForm, MeetingForm, limit_to_convention
from .conventions import audited_download


@login_required
def meeting_minutes(request, pk, meeting_pk):
    convention = selectors.convention_get(user=request.user, pk=pk)
    meeting = get_object_or_404(convention.meetings.exclude(minutes_file=""), pk=meeting_pk)
    return audited_download(
        request, convention, meeting, meeting.minutes_file, filename=f"compte-rendu-{meeting.date:%Y-%m-%d}"
    )


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
        "action": selectors.action_item_list(convention=convention),
    }
    if kind not in items:
        raise Http404
    item = get_object_or_404(items[kind], pk=item_pk)
    try:
        services.follow_up_status_set(actor=request.user, item=item, status=request.POST.get("status", ""))
    except ValidationError:
        messages.error(request, _("Statut inconnu."))
    return redirect("conventions:detail", pk=convention.pk)
