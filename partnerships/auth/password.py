"""« Mot de passe oublié » and « Changer mon mot de passe ».

The request page answers the same, in the same time, whatever the address: it only hands the address
to a task (which looks the account up and queues the e-mail in the outbox). Each request counts as a
failed attempt for the e-mail and client address (django-axes), so it cannot be used to mail-bomb
someone or to probe past the lockout. The link is Django's single-use token, valid
PASSWORD_RESET_TIMEOUT seconds; setting the password ends every session of the account."""

import logging

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from dsfr.forms import DsfrBaseForm

from partnerships.services.accounts import user_set_password
from partnerships.tasks import send_password_reset_task

from .lockout import attempted_username, lockout_response

logger = logging.getLogger(__name__)


class PasswordResetRequestForm(DsfrBaseForm):
    email = forms.EmailField(
        label=gettext_lazy("Adresse e-mail de votre compte"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def _publish(email: str) -> None:
    try:
        send_password_reset_task.apply_async(args=[email], retry=False)
    except Exception:  # any broker error: the person asks again; the answer must not differ
        logger.warning("Broker unreachable, password reset e-mail not queued", exc_info=True)


def password_reset(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = {"username": attempted_username(request, {"username": form.cleaned_data["email"]})}
        if AxesProxyHandler.is_locked(request, credentials):
            return lockout_response(request, None, credentials)
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        _publish(credentials["username"])
        return render(
            request, "registration/password_reset_sent.html", {"page_title": _("Demande enregistrée")}
        )
    return render(
        request, "registration/password_reset.html", {"page_title": _("Mot de passe oublié"), "form": form}
    )


def password_rules_hint() -> str:
    """The password rules as one sentence: Django gives them as a <ul>, which the DSFR hint (a <span>)
    may not hold (RGAA 8.2, valid HTML)."""
    return " ".join(password_validators_help_texts())


class NewPasswordHint:
    """Forms whose `new_password1` states the rules as plain text."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The bound field copies the help text when made, and DsfrBaseForm makes them in __init__.
        self.fields["new_password1"].help_text = self["new_password1"].help_text = password_rules_hint()


class DsfrSetPasswordForm(NewPasswordHint, DsfrBaseForm, SetPasswordForm):
    def save(self, commit=True):
        # The service sets the password, ends the sessions and writes the audit entry.
        return user_set_password(actor=None, user=self.user, password=self.cleaned_data["new_password1"])


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view (token checked, then moved to the session so the link can leave the address bar);
    an expired or used link shows the template's French explanation."""

    form_class = DsfrSetPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    extra_context = {"page_title": gettext_lazy("Choisir un nouveau mot de passe")}

    def form_valid(self, form):
        response = super().form_valid(form)
        # Proving the mailbox lifts the lockout, as a successful login would.
        AxesProxyHandler.reset_attempts(username=form.user.email)
        return response


def password_reset_complete(request):
    return render(
        request, "registration/password_reset_complete.html", {"page_title": _("Mot de passe modifié")}
    )


class DsfrPasswordChangeForm(NewPasswordHint, DsfrBaseForm, PasswordChangeForm):
    pass


@login_required
def password_change(request):
    form = DsfrPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user_set_password(
                actor=request.user,
                user=request.user,
                password=form.cleaned_data["new_password1"],
                request=request,
            )
        except ValidationError as error:
            form.add_error("new_password1", error)
        else:
            messages.success(request, _("Mot de passe modifié : vos autres sessions sont fermées."))
            return redirect("home")
    return render(
        request,
        "registration/password_change.html",
        {"page_title": _("Changer mon mot de passe"), "form": form},
    )
