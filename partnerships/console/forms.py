from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from partnerships.models import (
    Commune,
    Department,
    HousingSite,
    OrganisationKind,
    Role,
    SecurityCorrespondent,
    User,
)

from ..auth.password import password_rules_hint
from ..services.sites import SITE_EDITABLE_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class InvitationForm(DsfrBaseForm):
    email = forms.EmailField(label=_("Adresse e-mail de la personne invitée"))
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices, initial=Role.AGENT)


class OrganisationForm(DsfrBaseForm):
    name = forms.CharField(label=_("Nom de l'organisation"), max_length=200)
    kind = forms.ChoiceField(label=_("Type"), choices=OrganisationKind.choices)
    department = forms.ModelChoiceField(label=_("Département"), queryset=Department.objects.order_by("code"))
    siret = forms.CharField(label=_("SIRET"), max_length=14, required=False)
    admin_email = forms.EmailField(
        label=_("Adresse e-mail du premier administrateur"),
        help_text=_("Il reçoit une invitation valable 72 heures pour créer son compte."),
    )


class DepartmentsForm(DsfrBaseForm):
    """A landlord's other départements: its own is always kept, so it is not offered."""

    departments = forms.ModelMultipleChoiceField(
        label=_("Autres départements d'intervention"),
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, landlord, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Department.objects.exclude(pk=landlord.department_id)
        # DsfrBaseForm has already built the bound field, which keeps its own copy of the help text.
        self["departments"].help_text = _(
            "Son propre département, %(department)s, en fait toujours partie."
        ) % {"department": landlord.department}


class RoleForm(DsfrBaseForm):
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices)


class AcceptInvitationForm(DsfrBaseForm):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    password1 = forms.CharField(
        label=_("Mot de passe"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=lazy(password_rules_hint, str)(),
    )
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        return data


class CorrespondentForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = SecurityCorrespondent
        fields = ["full_name", "function", "email", "phone", "user"]
        labels = {"user": _("Compte Passerelle (ses absences s'affichent dans l'annuaire)")}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(organisation=organisation, is_active=True)


class SubstitutionForm(DsfrBaseForm):
    starts_on = forms.DateField(label=_("Absent du"), widget=DateInput())
    ends_on = forms.DateField(label=_("au (inclus)"), widget=DateInput())
    substitute = forms.ModelChoiceField(label=_("Suppléant"), queryset=User.objects.none())

    def __init__(self, *args, organisation, absent, **kwargs):
        super().__init__(*args, **kwargs)
        # The choice lists the colleagues; the service still refuses anyone else (a forged value).
        self.fields["substitute"].queryset = User.objects.filter(
            organisation=organisation, is_active=True
        ).exclude(pk=absent.pk)


class SiteForm(DsfrBaseForm):
    """Field types only: the rules (model validators and constraints, the commune's département) are
    site_update's, the API's too."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(
                HousingSite,
                fields=[f for f in SITE_EDITABLE_FIELDS if f != "commune"],
                widgets={"entry_authorisation_date": DateInput()},
            )
        )
        # An INSEE code typed in: a drop-down of every commune of France would weigh megabytes.
        self.fields["commune"] = forms.ModelChoiceField(
            label=_("Commune (code INSEE)"),
            queryset=Commune.objects.all(),
            to_field_name="insee_code",
            widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 5}),
            error_messages={"invalid_choice": _("Aucune commune n'a ce code INSEE.")},
        )
        self.order_fields(SITE_EDITABLE_FIELDS)
