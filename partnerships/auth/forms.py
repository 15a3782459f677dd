import django_otp
from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm


class TokenForm(DsfrBaseForm):
    """A six-digit code checked against one device, with django-otp's throttling of wrong codes."""

    token = forms.CharField(
        label=_("Code à 6 chiffres"),
        help_text=_(
            "Le code affiché par votre application d'authentification, renouvelé toutes les 30 secondes."
        ),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, user, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = device

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if django_otp.verify_token(self.user, self.device.persistent_id, token) is None:
            raise forms.ValidationError(
                _("Code incorrect ou expiré. Vérifiez l'heure de votre téléphone et réessayez."),
                code="invalid",
            )
        return token


class LoginForm(DsfrBaseForm, AuthenticationForm):
    """Django's login form drawn like every other form: each error under its field and in the
    page's summary. An e-mail input takes `autocomplete="email"` ("username" is valid on text
    inputs only), and no autofocus: a page sent back with errors puts the focus on its summary."""

    username = UsernameField(
        label=_("Adresse e-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Adresse e-mail ou mot de passe incorrect."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # UsernameField sets "username" whatever the widget.
        self.fields["username"].widget.attrs["autocomplete"] = "email"
