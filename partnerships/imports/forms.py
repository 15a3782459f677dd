from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from partnerships.importers.sites import FORMATS as SITE_FORMATS
from partnerships.importers.territories import FORMATS as TERRITORY_FORMATS
from partnerships.widgets import NamedEmptyChoices, NativeDateInput

from ..permissions import import_policy

SITE_FORMAT_LABELS = {"rpls": _("RPLS (une ligne par logement)"), "simple": _("Simple (une ligne par site)")}
TERRITORY_FORMAT_LABELS = {
    "ministry": _("Jeu de données du ministère de l'Intérieur (une ligne par commune)"),
    "simple": _("Simple (unité, type, unité de rattachement, codes INSEE)"),
}


class ImportForm(NamedEmptyChoices, DsfrBaseForm):
    file = forms.FileField(
        label=_("Fichier CSV"),
        help_text=_("Encodage UTF-8 ou Windows (cp1252) ; séparateur point-virgule, virgule ou tabulation."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def params(self) -> dict:
        """What the tasks need besides the file to run the import, stored as JSON on the run."""
        return {"fmt": self.cleaned_data["fmt"]}


class SitesImportForm(ImportForm):
    fmt = forms.ChoiceField(label=_("Format"), choices=[(f, SITE_FORMAT_LABELS[f]) for f in SITE_FORMATS])
    landlord = forms.ModelChoiceField(label=_("Bailleur"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["landlord"].queryset = import_policy.landlords(self.user)
        if not import_policy.chooses_landlord(self.user):
            # A landlord imports its own stock: nothing to choose.
            self.fields["landlord"].initial = self.user.organisation_id
            self.fields["landlord"].widget = forms.HiddenInput()

    def params(self) -> dict:
        return {**super().params(), "landlord": self.cleaned_data["landlord"].pk}


class TerritoriesImportForm(ImportForm):
    fmt = forms.ChoiceField(
        label=_("Format"), choices=[(f, TERRITORY_FORMAT_LABELS[f]) for f in TERRITORY_FORMATS]
    )
    valid_from = forms.DateField(
        label=_("Date d'effet"),
        required=False,
        widget=NativeDateInput(),
        help_text=_("Par défaut, aujourd'hui."),
    )

    def params(self) -> dict:
        valid_from = self.cleaned_data["valid_from"]
        return {**super().params(), "valid_from": valid_from.isoformat() if valid_from else None}
