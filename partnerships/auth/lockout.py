"""How django-axes identifies an attempt (the e-mail tried, the client's address) and what a
locked-out person sees."""

from axes.helpers import get_cool_off
from django.conf import settings
from django.shortcuts import render


def attempted_username(request, credentials) -> str:
    # The login form sends "username", DRF's Basic authentication the model's USERNAME_FIELD ("email");
    # both count against the same lockout, whatever the case typed (accounts are stored in lower case).
    credentials = credentials or {}
    value = credentials.get("username") or credentials.get("email") or request.POST.get("username") or ""
    return value.strip().lower()


def client_address(request) -> str:
    proxies = settings.PASSERELLE_TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part]
    # Each trusted proxy appends the address it received the request from: the client is the
    # proxies-th entry from the right; anything further left was written by the client itself.
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def lockout_response(request, original_response, credentials):
    minutes = int(get_cool_off(request).total_seconds() // 60) if get_cool_off(request) else None
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "axes/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
