"""Prefecture staff edit the response delays: the département's default and each convention's own."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ..delays import policy_for, response_policy_update
from ..forms import ResponsePolicyForm
from ..permissions import convention_policy


@login_required
def response_policy_edit(request, pk=None):
    user = request.user
    org = user.organisation
    if not convention_policy.user_has_permission(user, "change"):
        raise Http404
    convention = convention_policy.get_or_404(user, "change", pk=pk) if pk is not None else None
    department_id = convention.department_id if convention else org.department_id
    policy = policy_for(convention, department_id)
    form = ResponsePolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        response_policy_update(
            actor=user,
            convention=convention,
            department_id=None if convention else department_id,
            data={name: form.cleaned_data[name] for name in form.Meta.fields},
        )
        messages.success(
            request, _("Délais enregistrés. Ils s'appliquent aux fiches transmises à partir de maintenant.")
        )
        return redirect(request.path)
    inherited = convention is not None and policy.convention_id is None
    return render(
        request,
        "conventions/response_policy.html",
        {
            "page_title": _("Délais de réponse") + (f" — {convention.title}" if convention else ""),
            "form": form,
            "convention": convention,
            "department": org.department,
            "inherited": inherited,
        },
    )
