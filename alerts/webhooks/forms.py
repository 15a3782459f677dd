from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import WebhookEvent


class WebhookForm(forms.Form):
    url = forms.CharField(
        label=_("Adresse (HTTPS)"),
        max_length=500,
        help_text=_("L'adresse publique de votre logiciel qui recevra les événements, en https://."),
    )
    description = forms.CharField(label=_("Description"), max_length=100, required=False)
    events = forms.MultipleChoiceField(
        label=_("Événements transmis"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
