"""The TOTP second factor: who must give a code after the password, and the middleware that holds
them to the enrolment or verification page until they have."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.core.checks import Error, Tags, register
from django.db import transaction
from django.dispatch import receiver
from django.http import JsonResponse
from django.urls import reverse
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from partnerships.models import OrganisationKind

# What the session still owes after the password: VERIFY, ENROL or "" (nothing).
SESSION_KEY = "passerelle_second_factor"
VERIFY = "verify"
ENROL = "enrol"


@register(Tags.security)
def check_required_kinds(app_configs, **kwargs):
    # A misspelt kind would silently leave those accounts without a second factor.
    unknown = set(settings.PASSERELLE_OTP_REQUIRED_KINDS) - set(OrganisationKind.values)
    if not unknown:
        return []
    message = f"PASSERELLE_OTP_REQUIRED_KINDS names unknown organisation kinds: {', '.join(sorted(unknown))}"
    return [Error(message, hint=f"Use some of: {', '.join(OrganisationKind.values)}", id="passerelle.E001")]


def second_factor_required(user) -> bool:
    required = settings.PASSERELLE_OTP_REQUIRED_KINDS
    return bool(required and user.organisation_id) and user.organisation.kind in required


def pending_step(user) -> str:
    """Anyone who enrolled gives a code; members of the required kinds must enrol first."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return VERIFY
    if second_factor_required(user):
        return ENROL
    return ""


@receiver(user_logged_in, dispatch_uid="passerelle_second_factor")
def _remember_pending_step(sender, request, user, **kwargs):
    # Decided once per login, so ordinary pages cost no query for it.
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = pending_step(user)


def unwrapped(user):
    """The object behind (possibly nested) lazy wrappers, set up if it was not yet."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


class SecondFactorMiddleware:
    """After django-otp's middleware: pages redirect to the step still owed, the API answers 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = self.step_owed(request)
        # step_owed has read the account: from here on request.user is the account itself rather
        # than django-otp's lazy wrapper around SessionUserMiddleware's lazy wrapper (the same object
        # once unwrapped, with django-otp's otp_device and is_verified already set on it). Every
        # attribute read by the policies, the menu and the templates then skips two proxies.
        request.user = unwrapped(request.user)
        if step and request.path_info not in self.open_paths():
            if request.path_info.startswith("/api/"):
                return JsonResponse(
                    {
                        "message": _(
                            "Double authentification requise : connectez-vous à Passerelle et saisissez "
                            "le code de votre application d'authentification."
                        ),
                        "code": "otp_required",
                        "extra": {},
                    },
                    status=403,
                )
            target = reverse("otp_verify" if step == VERIFY else "otp_enrol")
            return redirect_to_login(request.get_full_path(), login_url=target)
        return self.get_response(request)

    @staticmethod
    def step_owed(request) -> str:
        user = request.user
        if not user.is_authenticated:
            return ""
        if SESSION_KEY not in request.session:
            # A session opened before this check existed: decide now, once.
            request.session[SESSION_KEY] = pending_step(user)
        if not request.session[SESSION_KEY] or user.is_verified():
            return ""
        return request.session[SESSION_KEY]

    @staticmethod
    def open_paths() -> set[str]:
        return {reverse("otp_verify"), reverse("otp_enrol"), reverse("logout")}


def totp_enrolment_start(*, actor) -> TOTPDevice:
    """The device being enrolled: the same secret until confirmed, so a reload keeps the QR code."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice(user=actor, name=_("Application d'authentification"), confirmed=False)
        device.full_clean()
        device.save()
    return device


@transaction.atomic
def totp_enrolment_confirm(*, actor, device: TOTPDevice) -> TOTPDevice:
    """Called once a code from the device was accepted: the device now guards every login."""
    device.confirmed = True
    device.full_clean()
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    return device
