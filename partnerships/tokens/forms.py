import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnerships.models import Role, TokenScope
from partnerships.widgets import NativeDateInput

from .services import TOKEN_ROLES


def in_90_days() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=90)


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=100, help_text=_("Le logiciel qui utilisera ce jeton."))
    role = forms.ChoiceField(
        label=_("Agit comme"), choices=[(r, Role(r).label) for r in TOKEN_ROLES], initial=Role.AGENT
    )
    scope = forms.ChoiceField(label=_("Portée"), choices=TokenScope.choices, initial=TokenScope.READ)
    expires_on = forms.DateField(label=_("Expire le"), initial=in_90_days, widget=NativeDateInput())
