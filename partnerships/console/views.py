"""The organisation console: its admin manages accounts, invitations and the directory entries;
managers declare their absences; the platform admin creates organisations. Thin views: the policies
of partnerships.permissions decide, the services of partnerships.services.accounts write."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partnerships.auth.oidc import INVITATION_SESSION_KEY
from partnerships.errors import ApplicationError
from partnerships.models import Invitation, SecurityCorrespondent, Substitution
from partnerships.permissions import (
    correspondent_policy,
    member_policy,
    organisation_policy,
    substitution_policy,
)
from partnerships.services import accounts
from partnerships.services.organisations import organisation_set_departments

from .forms import (
    AcceptInvitationForm,
    CorrespondentForm,
    DepartmentsForm,
    InvitationForm,
    OrganisationForm,
    RoleForm,
    SubstitutionForm,
)


def _require(allowed: bool) -> None:
    if not allowed:
        raise Http404


def _refused(form, error: ApplicationError | ValidationError) -> None:
    form.add_error(None, error.message if isinstance(error, ApplicationError) else error)


@login_required
def accounts_list(request):
    _require(member_policy.user_has_permission(request.user, "manage"))
    today = timezone.localdate()
    members = (
        member_policy.instances(request.user, "manage")
        .prefetch_related(
            Prefetch(
                "substitutions",
                queryset=Substitution.objects.filter(ends_on__gte=today).select_related("substitute"),
                to_attr="absences",
            )
        )
        .order_by("-is_active", "last_name", "first_name", "email")
    )
    invitations = Invitation.objects.filter(
        organisation_id=request.user.organisation_id, accepted_at__isnull=True, expires_at__gt=timezone.now()
    )
    context = {
        "page_title": _("Comptes de l'organisation"),
        "organisation": request.user.organisation,
        "members": members,
        "invitations": invitations,
    }
    return render(request, "partnerships/console/accounts.html", context)


@login_required
def invite(request):
    _require(member_policy.user_has_permission(request.user, "manage"))
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.invitation_create(
                actor=request.user, organisation=request.user.organisation, **form.cleaned_data
            )
        except ApplicationError as error:
            _refused(form, error)
        else:
            messages.success(
                request, _("Invitation envoyée à %(email)s (valable 72 heures).") % form.cleaned_data
            )
            return redirect("organisation:accounts")
    return render(
        request,
        "partnerships/console/form.html",
        {
            "page_title": _("Inviter une personne"),
            "form": form,
            "back_href": reverse("organisation:accounts"),
        },
    )


@login_required
def account(request, pk):
    member = member_policy.get_or_404(request.user, "manage", pk=pk)
    form = RoleForm(
        request.POST if request.POST.get("action") == "role" else None, initial={"role": member.role}
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "role":
                if form.is_valid():
                    accounts.user_role_change(actor=request.user, user=member, role=form.cleaned_data["role"])
                    messages.success(request, _("Rôle modifié."))
                    return redirect("organisation:account", pk=member.pk)
            elif request.POST.get("action") in ("deactivate", "reactivate"):
                active = request.POST["action"] == "reactivate"
                accounts.user_set_active(actor=request.user, user=member, active=active)
                messages.success(
                    request,
                    _("Compte réactivé.") if active else _("Compte désactivé : ses sessions sont fermées."),
                )
                return redirect("organisation:account", pk=member.pk)
        except ApplicationError as error:
            messages.error(request, error.message)
            member.refresh_from_db()
    context = {"page_title": str(member), "member": member, "form": form}
    return render(request, "partnerships/console/account.html", context)


@login_required
def organisation_create(request):
    _require(member_policy.user_has_permission(request.user, "create_organisation"))
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation, _invitation = accounts.organisation_onboard(
                actor=request.user,
                name=data["name"],
                kind=data["kind"],
                department_id=data["department"].pk,
                siret=data["siret"],
                admin_email=data["admin_email"],
            )
        except (ApplicationError, ValidationError) as error:
            _refused(form, error)
        else:
            messages.success(
                request,
                _("L'organisation %(name)s est créée ; son administrateur a reçu une invitation.")
                % {"name": organisation.name},
            )
            return redirect("organisation:create")
    return render(
        request, "partnerships/console/form.html", {"page_title": _("Créer une organisation"), "form": form}
    )


@login_required
def organisation_departments(request, pk):
    landlord = organisation_policy.get_or_404(request.user, "set_departments", pk=pk)
    # Bound on any POST: unticking every box posts no field at all.
    form = DepartmentsForm(
        request.POST if request.method == "POST" else None,
        landlord=landlord,
        initial={"departments": landlord.departments.all()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            organisation_set_departments(
                actor=request.user, organisation=landlord, departments=form.cleaned_data["departments"]
            )
        except ApplicationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Départements d'intervention enregistrés."))
            return redirect("home")
    return render(
        request,
        "partnerships/console/form.html",
        {
            "page_title": _("Départements d'intervention de %(name)s") % {"name": landlord.name},
            "form": form,
            "back_href": reverse("home"),
        },
    )


# --- Invitations (public: the link is the credential) ---------------------------------------------


def _invitation_or_refusal(request, token):
    try:
        return accounts.invitation_for_token(token), None
    except ApplicationError as error:
        page = render(
            request,
            "partnerships/console/invitation_invalid.html",
            {"page_title": _("Invitation non valable"), "message": error.message},
            status=410,
        )
        return None, page


def invitation_accept(request, token):
    invitation, refusal = _invitation_or_refusal(request, token)
    if refusal:
        return refusal
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.invitation_accept(
                token=token,
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except ValidationError as error:
            form.add_error("password1", error)
        except ApplicationError as error:
            _refused(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Bienvenue sur Passerelle : votre compte est créé."))
            return redirect(settings.LOGIN_REDIRECT_URL)
    context = {
        "page_title": _("Créer votre compte"),
        "invitation": invitation,
        "form": form,
        "token": token,
        "oidc_enabled": settings.OIDC_ENABLED,
        "oidc_provider_name": settings.OIDC_PROVIDER_NAME,
    }
    return render(request, "partnerships/console/invitation_accept.html", context)


def invitation_oidc(request, token):
    """Sign in with ProConnect instead of a password: the backend creates the invited account when the
    provider's e-mail is the invited one (partnerships.auth.oidc)."""
    invitation, refusal = _invitation_or_refusal(request, token)
    if refusal:
        return refusal
    if not settings.OIDC_ENABLED:
        raise Http404
    request.session[INVITATION_SESSION_KEY] = token
    return redirect("oidc_authentication_init")


# --- Substitutes ---------------------------------------------------------------------------------


@login_required
def absences(request):
    _require(substitution_policy.user_has_permission(request.user, "declare"))
    user = request.user
    form = SubstitutionForm(request.POST or None, organisation=user.organisation, absent=user)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.substitution_declare(actor=user, user=user, **form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            _refused(form, error)
        else:
            messages.success(
                request, _("Absence enregistrée : votre suppléant reçoit vos alertes sur la période.")
            )
            return redirect("organisation:absences")
    declared = (
        substitution_policy.instances(user, "change")
        .filter(ends_on__gte=timezone.localdate())
        .select_related("user", "substitute")
        .order_by("starts_on")
    )
    context = {"page_title": _("Absences et suppléances"), "form": form, "absences": declared}
    return render(request, "partnerships/console/absences.html", context)


@login_required
@require_POST
def absence_cancel(request, pk):
    substitution = substitution_policy.get_or_404(
        request.user, "change", queryset=Substitution.objects.select_related("user__organisation"), pk=pk
    )
    accounts.substitution_cancel(actor=request.user, substitution=substitution)
    messages.success(request, _("Absence annulée."))
    return redirect("organisation:absences")


# --- The correspondents' directory -------------------------------------------------------------


@login_required
def correspondents(request):
    _require(correspondent_policy.user_has_permission(request.user, "change"))
    entries = (
        correspondent_policy.instances(request.user, "change").select_related("user").order_by("full_name")
    )
    context = {"page_title": _("Correspondants sécurité de l'organisation"), "entries": entries}
    return render(request, "partnerships/console/correspondents.html", context)


@login_required
def correspondent_edit(request, pk=None):
    _require(correspondent_policy.user_has_permission(request.user, "change"))
    organisation = request.user.organisation
    entry = (
        correspondent_policy.get_or_404(request.user, "change", pk=pk)
        if pk is not None
        else SecurityCorrespondent(organisation=organisation)
    )
    form = CorrespondentForm(request.POST or None, instance=entry, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        accounts.correspondent_save(actor=request.user, correspondent=form.instance)
        messages.success(request, _("Correspondant enregistré."))
        return redirect("organisation:correspondents")
    title = _("Modifier un correspondant") if pk else _("Ajouter un correspondant")
    return render(
        request,
        "partnerships/console/form.html",
        {"page_title": title, "form": form, "back_href": reverse("organisation:correspondents")},
    )


@login_required
@require_POST
def correspondent_delete(request, pk):
    entry = correspondent_policy.get_or_404(request.user, "change", pk=pk)
    accounts.correspondent_delete(actor=request.user, correspondent=entry)
    messages.success(request, _("Correspondant retiré de l'annuaire."))
    return redirect("organisation:correspondents")
