"""Forms of the fiche pages. They parse and validate input; alerts.services decides and writes."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from partnerships.localtime import ZonedDateTimeField, local_now, zone_of
from partnerships.models import Organisation, OrganisationKind
from partnerships.widgets import NamedEmptyChoices, NativeDateInput, label_empty_choices

from .models import SUBCATEGORIES, Alert, Category, Channel, FollowKind, Outcome, ReturnReason
from .services.filing import DRAFT_FIELDS, facts_at_error
from .validators import FREE_TEXT_MAX_LENGTH, validate_free_text

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DsfrForm(NamedEmptyChoices, DsfrBaseForm):
    """Every free-text box (a Textarea) is capped at FREE_TEXT_MAX_LENGTH, here and in the browser.
    Rendered by the project's FORM_RENDERER like every form: templates/ first (no `dsfr` marker
    attribute in the HTML), then django-dsfr's widget templates (dsfr comes before django.forms).
    Every select's empty choice says « Choisir… » (NamedEmptyChoices)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea):
                field.validators.append(validate_free_text)
                field.widget.attrs.setdefault("maxlength", str(FREE_TEXT_MAX_LENGTH))


class UploadInput(forms.FileInput):
    """The DSFR upload field (fr-upload) for photos and PDF; `multiple` when allowed."""

    group_class = "fr-upload-group"

    def __init__(self, attrs=None):
        super().__init__({"class": "fr-upload", "accept": "image/*,application/pdf", **(attrs or {})})


class MultipleFileInput(UploadInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos/PDF in one input; the service sniffs and size-checks each one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


def subcategory_choices():
    """Sub-categories grouped under their category (<optgroup>): only those of a category make sense."""
    return [("", "—")] + [
        (Category(category).label, [(sub.value, sub.label) for sub in subs])
        for category, subs in SUBCATEGORIES.items()
    ]


class AlertForm(DsfrForm, forms.ModelForm):
    """The fiche alerte, in the order a caretaker tells it: where, what, who was hurt, what was done."""

    FIELDSETS = [
        (
            _("Faits"),
            [
                "building",
                "place_type",
                "category",
                "subcategory",
                "facts_at",
                "urgency",
                "description",
                "people_count",
                "weapon_seen",
                "attachments",
            ],
        ),
        (_("Victime"), ["staff_victim", "staff_victim_function", "work_stoppage"]),
        (
            _("Plainte et main courante"),
            [
                "complaint",
                "complaint_by",
                "complaint_date",
                "complaint_service",
                "complaint_reference",
                "main_courante",
            ],
        ),
        (_("Images, témoins, récurrence"), ["images_available", "witnesses_available", "recurring"]),
        (_("Votre identité"), ["reporter_visible"]),
    ]

    # Progressive disclosure (static/alerts.js): a sub-field is shown only when its question is
    # answered so; « Prévue » counts for the complaint (who will file it, where). Without JavaScript
    # everything shows.
    SHOWN_WHEN = {
        "staff_victim_function": "staff_victim=on",
        "work_stoppage": "staff_victim=on",
        **{
            name: "complaint=filed,planned"
            for name in ("complaint_by", "complaint_date", "complaint_service", "complaint_reference")
        },
    }

    # Folded (an accordion) unless answered otherwise than by default or in error: most fiches keep
    # their defaults, and the form then fits in two phone screens.
    FOLDED = {"complaint", "images_available"}  # fieldsets named by their first field

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    attachments = MultipleFileField(
        label=_("Photos ou documents (PDF)"),
        required=False,
        help_text=_("Plusieurs fichiers possibles : photos (JPEG, PNG, WebP, HEIC) ou PDF."),
    )

    class Meta:
        model = Alert
        fields = list(DRAFT_FIELDS)
        field_classes = {"facts_at": ZonedDateTimeField}
        widgets = {
            "facts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
            "complaint_date": NativeDateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "complaint": forms.RadioSelect,
            "people_count": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
        }
        help_texts = {
            "reporter_visible": _(
                "Par défaut, votre nom n'est pas communiqué aux forces de l'ordre : protection des "
                "personnels de proximité. Cochez si vous acceptez d'être recontacté directement."
            ),
            "complaint_reference": _("Visible uniquement par les forces de l'ordre et la préfecture."),
            "work_stoppage": _("Oui ou non uniquement : aucune information médicale."),
        }

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        self.fields["building"].queryset = site.buildings.order_by("reference", "name")
        self.fields["building"].required = False
        self.fields["subcategory"].choices = subcategory_choices()
        self.fields["subcategory"].widget.choices = self.fields["subcategory"].choices
        label_empty_choices(self, _("Choisir…"))
        self.fields["facts_at"].input_formats = [DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
        # The facts are typed in the estate's local time, whoever files them and from wherever.
        self.fields["facts_at"].zone = zone_of(site)
        self.initial.setdefault("facts_at", local_now(site).replace(second=0, microsecond=0))
        # A fresh key each time the empty form is rendered: re-posting the same page re-sends it.
        self.initial.setdefault("idempotency_key", uuid.uuid4())

    def clean(self):
        cleaned = super().clean()
        category, sub = cleaned.get("category"), cleaned.get("subcategory")
        if sub and category and sub not in SUBCATEGORIES.get(category, []):
            self.add_error("subcategory", _("Cette sous-catégorie ne correspond pas à la catégorie choisie."))
        error = facts_at_error(cleaned.get("facts_at"))
        if error:
            self.add_error("facts_at", error)
        return cleaned

    def fieldsets(self):
        """(legend, [(bound field, its SHOWN_WHEN condition or "")], folded) in the order of the form;
        a fieldset is unfolded when one of its fields has an error or a value other than its default."""
        if not self.fields["building"].queryset.exists():
            hidden = {"building"}  # an estate without buildings: nothing to choose
        else:
            hidden = set()
        result = []
        for legend, names in self.FIELDSETS:
            fields = [self[name] for name in names if name not in hidden]
            folded = names[0] in self.FOLDED and not any(
                field.errors or field.value() not in (None, "", False, field.field.initial)
                for field in fields
            )
            result.append(
                (legend, [(field, self.SHOWN_WHEN.get(field.name, "")) for field in fields], folded)
            )
        return result

    def alert_data(self) -> dict:
        """What the services take as `data`: the model fields only (not the key nor the files)."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class DuplicateChoiceForm(DsfrForm):
    """Asked once when fiches of the same estate and category were filed in the last 48 hours."""

    NEW = "new"
    duplicate_decision = forms.ChoiceField(label=_("Que souhaitez-vous faire ?"), widget=forms.RadioSelect)

    def __init__(self, *args, similar, **kwargs):
        super().__init__(*args, **kwargs)
        self.similar = {str(alert.pk): alert for alert in similar}
        self.fields["duplicate_decision"].choices = [
            (pk, _("Rattacher à la fiche %(ref)s") % {"ref": alert.reference})
            for pk, alert in self.similar.items()
        ] + [(self.NEW, _("Créer une fiche distincte"))]

    def link_to(self):
        return self.similar.get(self.cleaned_data["duplicate_decision"])


# --- Action forms of the fiche page: one per transition, each posted to alerts:transition.


class MessageForm(DsfrForm):
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}))


class StartForm(DsfrForm):
    message = forms.CharField(
        label=_("Message au bailleur (facultatif)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CommentForm(MessageForm):
    internal = forms.BooleanField(
        label=_("Commentaire interne à mon organisation"),
        required=False,
        help_text=_("Non coché : visible par toutes les organisations qui suivent la fiche."),
    )


class CloseForm(DsfrForm):
    outcome = forms.ChoiceField(
        label=_("Suite donnée"), choices=[("", "—")] + [c for c in Outcome.choices if c[0] != Outcome.MERGED]
    )
    comment = forms.CharField(label=_("Précisions"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(DsfrForm):
    reason = forms.ChoiceField(label=_("Motif"), choices=[("", "—"), *ReturnReason.choices])
    comment = forms.CharField(label=_("Précisions"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(DsfrForm):
    reason = forms.CharField(label=_("Motif de la réouverture"), widget=forms.Textarea(attrs={"rows": 2}))


class UnitForm(DsfrForm):
    """Picks a force unit of the fiche's département (redirect, manual routing)."""

    unit = forms.ModelChoiceField(label=_("Unité"), queryset=Organisation.objects.none())

    def __init__(self, *args, alert, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = force_units(alert.department_id).exclude(pk=alert.routed_unit_id)


class RedirectForm(UnitForm):
    reason = forms.CharField(label=_("Motif de la réorientation"), widget=forms.Textarea(attrs={"rows": 2}))


class FicheReferenceForm(DsfrForm):
    """A form naming another fiche by its reference, looked up among the fiches the user sees: a
    missing reference and another organisation's get the same answer. Subclasses declare the one
    field, named as the service's argument."""

    reference_field: str

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = candidates

    def clean(self):
        cleaned = super().clean()
        reference = (cleaned.get(self.reference_field) or "").strip().upper()
        if reference:
            target = (
                self.candidates.filter(reference=reference).first() if self.candidates is not None else None
            )
            if target is None:
                self.add_error(self.reference_field, _("Aucune fiche visible ne porte cette référence."))
            else:
                cleaned[self.reference_field] = target
        return cleaned


REFERENCE_HELP = _("Par exemple FA-60-2026-000042")


class MergeForm(FicheReferenceForm):
    reference_field = "into"
    into = forms.CharField(
        label=_("Référence de la fiche à conserver"), max_length=24, help_text=REFERENCE_HELP
    )


class LinkForm(FicheReferenceForm):
    reference_field = "other"
    other = forms.CharField(label=_("Référence de la fiche à lier"), max_length=24, help_text=REFERENCE_HELP)


class AttachmentForm(DsfrForm):
    uploaded_file = forms.FileField(
        label=_("Photo ou document (PDF)"),
        widget=UploadInput,
    )


def force_units(department_id):
    return Organisation.objects.filter(
        department_id=department_id, kind__in=[k.value for k in OrganisationKind.forces()]
    ).order_by("name")


class PreferencesForm(DsfrForm):
    """One choice of channel per kind of event of the followed fiches (« Mes préférences »)."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in FollowKind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label,
                choices=Channel.choices,
                initial=current[kind],
                widget=forms.RadioSelect,
                required=False,  # a kind left out keeps its channel
            )
