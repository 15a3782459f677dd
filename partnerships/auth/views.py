from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .forms import LoginForm, TokenForm
from .oidc import FAILURE_SESSION_KEY, provider_logout_url
from .otp import totp_enrolment_confirm, totp_enrolment_start


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
def otp_verify(request):
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).order_by("pk").first()
    if device is None:
        return redirect(f"{reverse('otp_enrol')}?{request.GET.urlencode()}")
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None, user=request.user, device=device)
    if request.method == "POST" and form.is_valid():
        otp_login(request, device)
        return redirect(_next_url(request))
    context = {"form": form, "next": _next_url(request), "page_title": _("Code de double authentification")}
    return render(request, "otp/verify.html", context)


@login_required
def otp_enrol(request):
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        if not request.user.is_verified():
            return redirect(f"{reverse('otp_verify')}?{request.GET.urlencode()}")
        return render(
            request, "otp/enrol.html", {"enabled": True, "page_title": _("Double authentification")}
        )
    device = totp_enrolment_start(actor=request.user)
    form = TokenForm(request.POST or None, user=request.user, device=device)
    if request.method == "POST" and form.is_valid():
        totp_enrolment_confirm(actor=request.user, device=device)
        otp_login(request, device)
        messages.success(
            request, _("Double authentification activée : un code vous sera demandé à chaque connexion.")
        )
        return redirect(_next_url(request))
    context = {
        "form": form,
        "next": _next_url(request),
        # segno writes the SVG from our own otpauth:// URL: no user input reaches the markup. A white
        # background, so that phones read it in the dark theme too.
        "qr_svg": mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=5, light="#fff")),  # noqa: S308
        "secret": " ".join(_chunks(b32encode(device.bin_key).decode().rstrip("="), 4)),
        "page_title": _("Activer la double authentification"),
    }
    return render(request, "otp/enrol.html", context)


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


class LoginView(auth_views.LoginView):
    """Django's login page, with a button for the OpenID provider when one is configured."""

    redirect_authenticated_user = True
    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "page_title": _("Connexion"),
            "oidc_enabled": settings.OIDC_ENABLED,
            "oidc_provider_name": settings.OIDC_PROVIDER_NAME,
        }


class LogoutView(auth_views.LogoutView):
    """Django's logout; a session opened through the OpenID provider then ends there too
    (ProConnect requires it: id_token_hint and post_logout_redirect_uri)."""

    def post(self, request, *args, **kwargs):
        end_session_url = provider_logout_url(request)
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(end_session_url) if end_session_url else response


def oidc_failure(request):
    reason = request.session.pop(FAILURE_SESSION_KEY, "")
    context = {
        "unmapped": reason == "unmapped",
        "invitation": reason == "invitation",
        "oidc_provider_name": settings.OIDC_PROVIDER_NAME,
        "page_title": _("Connexion impossible"),
    }
    return render(request, "registration/oidc_failure.html", context)
