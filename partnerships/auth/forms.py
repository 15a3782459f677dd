import django_otp
from django import forms
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
