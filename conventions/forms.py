from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from alerts.models import Alert, Category
from partnerships.models import Commune, HousingSite, Organisation, OrganisationKind
from partnerships.permissions import site_policy
from partnerships.widgets import FastSelect, NativeDateInput

from . import indicators
from .models import ActionItem, Commitment, Convention, Meeting, PartnershipProblem, ResponsePolicy
from .permissions import visible_alerts_q
from .services import CONVENTION_FIELDS, convention_errors


class ConventionForm(DsfrBaseForm, forms.ModelForm):
    signatories = forms.ModelMultipleChoiceField(
        label=_("Signataires"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("La préfecture, au moins un bailleur et au moins une force."),
    )
    document = forms.FileField(label=_("Convention signée (PDF)"), required=False)

    class Meta:
        model = Convention
        fields = [*CONVENTION_FIELDS, "sites"]
        widgets = {
            "signed_on": NativeDateInput(),
            "effective_from": NativeDateInput(),
            "effective_until": NativeDateInput(),
            "sites": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, department_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.department_id = department_id
        organisations = Organisation.objects.filter(department_id=department_id)
        self.fields["signatories"].queryset = organisations.order_by("kind", "name")
        self.fields["sites"].queryset = (
            HousingSite.objects.filter(commune__department_id=department_id)
            .select_related("landlord")
            .order_by("landlord__name", "name")
        )
        self.fields["parent"].queryset = Convention.objects.filter(department_id=department_id).exclude(
            pk=self.instance.pk
        )
        if self.instance.pk:
            self.fields["signatories"].initial = [s.organisation_id for s in self.instance.signatories.all()]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        for message in convention_errors(
            department_id=self.department_id,
            data=data,
            organisations=list(data.get("signatories", [])),
            sites=list(data.get("sites", [])),
            exclude_pk=self.instance.pk,
        ):
            self.add_error(None, message)
        return data


class CommitmentForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Commitment
        fields = ["text", "responsible", "status", "due_date"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "responsible": forms.CheckboxSelectMultiple,
            "due_date": NativeDateInput(),
        }


class MeetingForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["kind", "date", "attendees", "minutes", "minutes_file"]
        widgets = {
            "date": NativeDateInput(),
            "attendees": forms.CheckboxSelectMultiple,
            "minutes": forms.Textarea(attrs={"rows": 6}),
        }


class ActionItemForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = ActionItem
        fields = ["meeting", "text", "owner", "due_date"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3}), "due_date": NativeDateInput()}


def limit_to_convention(form: forms.ModelForm, convention: Convention) -> forms.ModelForm:
    """Organisations offered are the convention's signatories; meetings are the convention's."""
    signatories = Organisation.objects.filter(signatures__convention=convention).order_by("kind", "name")
    for name in ("responsible", "attendees", "owner"):
        if name in form.fields:
            form.fields[name].queryset = signatories
    if "meeting" in form.fields:
        form.fields["meeting"].queryset = convention.meetings.all()
    return form


class IndicatorFilterForm(DsfrBaseForm):
    start = forms.DateField(label=_("Du"), widget=NativeDateInput(), required=False)
    end = forms.DateField(label=_("Au"), widget=NativeDateInput(), required=False)
    # A department's communes and estates run into the thousands: FastSelect renders them.
    landlord = forms.ModelChoiceField(
        label=_("Bailleur"), queryset=Organisation.objects.none(), required=False, widget=FastSelect
    )
    unit = forms.ModelChoiceField(
        label=_("Unité"), queryset=Organisation.objects.none(), required=False, widget=FastSelect
    )
    commune = forms.ModelChoiceField(
        label=_("Commune"), queryset=Commune.objects.none(), required=False, widget=FastSelect
    )
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=HousingSite.objects.none(), required=False, widget=FastSelect
    )
    category = forms.ChoiceField(label=_("Catégorie"), choices=[("", "—"), *Category.choices], required=False)

    def __init__(self, *args, reader, user, department_id, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = Organisation.objects.filter(department_id=department_id).order_by("name")
        self.fields["landlord"].queryset = orgs.filter(kind=OrganisationKind.LANDLORD)
        self.fields["unit"].queryset = orgs.filter(kind__in=OrganisationKind.forces())
        # Labels only: never the outlines (large GeoJSON); the site's label names its commune.
        communes = Commune.objects.filter(department_id=department_id).defer("outline")
        if reader.communes:
            communes = communes.filter(id__in=reader.communes)
        self.fields["commune"].queryset = communes
        if reader.aggregated_only:
            # A partner mayor reads figures, never names: no landlord, unit or site filter.
            for name in ("landlord", "unit", "site"):
                del self.fields[name]
            return
        self.fields["site"].queryset = (
            site_policy.instances(user)
            .filter(commune__department_id=department_id)
            .select_related("commune")
            .only("name", "commune__name")
            .order_by("name")
        )
        if reader.landlord_id is not None:
            del self.fields["landlord"]
            self.fields["site"].queryset = self.fields["site"].queryset.filter(landlord_id=reader.landlord_id)
        if reader.unit_ids is not None:
            self.fields["unit"].queryset = orgs.filter(id__in=reader.unit_ids)

    def filters(self) -> indicators.Filters:
        default = indicators.Filters.last_twelve_months()
        # An invalid field is dropped (and shown in error); the valid ones still apply.
        self.is_valid()
        data = self.cleaned_data
        obj = lambda name: data.get(name).pk if data.get(name) else None  # noqa: E731
        start, end = data.get("start") or default.start, data.get("end") or default.end
        return indicators.Filters(
            start=min(start, end),
            end=max(start, end),
            landlord_id=obj("landlord"),
            unit_id=obj("unit"),
            commune_id=obj("commune"),
            site_id=obj("site"),
            category=data.get("category") or "",
        )


def _alert_references_field(label=None, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label or _("Fiches liées"),
        help_text=_("Références des fiches qui documentent le problème, séparées par des virgules."),
        **kwargs,
    )


def linkable_alerts(form, data: dict) -> list:
    """The fiches named in `alert_references` that the form's user may link (visible_alerts_q); the
    others, missing or someone else's alike, are reported as not found."""
    references = [r.strip() for r in data.get("alert_references", "").split(",") if r.strip()]
    visible = visible_alerts_q(form.user)
    found = list(Alert.objects.filter(visible, reference__in=references)) if visible is not None else []
    missing = sorted(set(references) - {a.reference for a in found})
    if missing:
        form.add_error("alert_references", _("Fiche introuvable : %s") % ", ".join(missing))
    return found


class ProblemForm(DsfrBaseForm, forms.ModelForm):
    alert_references = _alert_references_field(required=False)

    class Meta:
        model = PartnershipProblem
        fields = ["title", "site", "commune", "description", "partners", "action_plan"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "action_plan": forms.Textarea(attrs={"rows": 4}),
            "partners": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        department_id = user.organisation.department_id
        self.fields["site"].queryset = (
            site_policy.instances(user)
            .filter(commune__department_id=department_id)
            .select_related("commune")
            .only("name", "commune__name")
            .order_by("name")
        )
        self.fields["commune"].queryset = Commune.objects.filter(department_id=department_id)
        self.fields["commune"].required = False
        self.fields["partners"].queryset = Organisation.objects.filter(department_id=department_id).order_by(
            "kind", "name"
        )

    def clean(self):
        data = super().clean()
        if data.get("site") is not None:
            data["commune"] = data["site"].commune
        if data.get("commune") is None:
            self.add_error("commune", _("Indiquez la commune ou le site concerné."))
        data["alerts"] = linkable_alerts(self, data)
        return data


class ProblemLinkForm(DsfrBaseForm):
    alert_references = _alert_references_field(label=_("Lier d'autres fiches"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        data["alerts"] = linkable_alerts(self, data)
        return data


class ProblemActionPlanForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = PartnershipProblem
        fields = ["action_plan"]
        widgets = {"action_plan": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action_plan"].required = True


class ResponsePolicyForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = ResponsePolicy
        fields = [
            "immediate_ack_hours",
            "immediate_feedback_days",
            "high_ack_hours",
            "high_feedback_days",
            "normal_ack_hours",
            "normal_feedback_days",
            "feedback_working_days",
        ]
