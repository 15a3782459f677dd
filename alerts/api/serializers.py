"""Serializers of the fiches API. They shape input and output only; alerts.services decides."""

import copy
from functools import cached_property

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from partnerships import scope
from partnerships.api.fields import ChoicePrimaryKeyField
from partnerships.errors import NOT_A_CHOICE
from partnerships.localtime import department_zone, zone_of
from partnerships.models import Building, HousingSite, Organisation
from partnerships.permissions import site_policy
from partnerships.reference_cache import cached

from ..forms import force_units
from ..models import Alert, AlertEvent, Attachment, Outcome, ReturnReason, alert_field_names
from ..selectors import alert_links, alert_list, event_author_label, reporter_label
from ..services.filing import DRAFT_FIELDS
from ..services.triage import UNKNOWN_REFERENCE
from ..validators import FREE_TEXT_MAX_LENGTH, free_text_error
from ..views.lists import label


class FieldsBuiltOnce:
    """For a ModelSerializer whose fields depend on its model only, not on the request: DRF derives
    them from the model for each instance (about 0.2 ms a field); here once per class, then copied.
    A plain field is copied shallowly: binding and use only assign attributes of the copy (name,
    parent, time zone, queryset), never change what the copies share (choices, validators, error
    messages), and the built fields are never bound. DRF's deepcopy re-runs each field's __init__
    with deep-copied arguments (about ten deepcopy calls a field). A nested serializer, which holds
    bound children, is deep-copied."""

    def get_fields(self):
        cls = type(self)
        if "built_fields" not in cls.__dict__:
            cls.built_fields = super().get_fields()
        return {
            name: copy.deepcopy(field) if isinstance(field, NESTED) else shallow_copy(field)
            for name, field in cls.built_fields.items()
        }


def shallow_copy(field: serializers.Field) -> serializers.Field:
    """copy.copy(field), without its generic protocol (__reduce_ex__, copyreg, _reconstruct: a field
    has no __copy__): a new instance of its class holding the same attributes. Field.__new__ records
    empty constructor arguments, which the copied attributes replace, as copy.copy's do."""
    new = type(field).__new__(type(field))
    new.__dict__.update(field.__dict__)
    return new


# Fields holding other bound fields: a shallow copy would share them (and their parent) between requests.
NESTED = (
    serializers.BaseSerializer,
    serializers.ManyRelatedField,
    serializers.ListField,
    serializers.DictField,
)


class RequestTimezoneDateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField, but the current timezone is looked up once, when the field is bound for a
    request, instead of for every value (a context-local lookup, 400 times for a list of 50)."""

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        self.timezone = self.default_timezone()


class FicheDateTimeField(RequestTimezoneDateTimeField):
    """A fiche's time in ISO 8601 with the offset of the fiche's département's zone (Martinique's
    02:36 is "…T02:36:00-04:00" whoever reads it)."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text", "ISO 8601, avec le décalage horaire du département de la fiche (heure locale)."
        )
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        self.timezone = department_zone(instance.department_id)
        return super().get_attribute(instance)


class OutputSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """A read-only model serializer that still says which choice fields may be blank: DRF drops
    `allow_blank` from read-only fields, and the schema would then promise a choice where the API
    sends "" (an unset outcome, a comment's status)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: RequestTimezoneDateTimeField,
    }

    @cached_property
    def _readable_fields(self):
        # DRF filters the fields anew for each row; a list's rows all have the same.
        return [field for field in self.fields.values() if not field.write_only]

    def include_extra_kwargs(self, kwargs, extra_kwargs):
        allow_blank = kwargs.get("allow_blank", False) and "choices" in kwargs
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if allow_blank:
            kwargs["allow_blank"] = True
        return kwargs


class ChoiceLabelField(serializers.CharField):
    """The label of the fiche's choice field `name`, from the cached labels of the CSV export:
    get_FOO_display rebuilds the choices dict on each call, a large part of a list's time."""

    def __init__(self, name: str, **kwargs):
        self.choice_name = name
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, alert) -> str:
        return label(alert, self.choice_name)


def _plain_reader(field):
    """A function giving `field`'s output for an instance, as Serializer.to_representation would,
    in fewer steps for the field kinds a list holds (same values, same None handling); None for any
    other kind (DRF's own get_attribute and to_representation then serve it)."""
    attrs = field.source_attrs
    read_as_drf = _read_as_drf(field)  # the rare case (a missing join): DRF's own rules
    if isinstance(field, ChoiceLabelField):
        name = field.choice_name
        return lambda instance: label(instance, name)
    iso = str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601
    if isinstance(field, FicheDateTimeField) and len(attrs) == 1 and iso:
        attr = attrs[0]

        def read_time(instance):
            value = getattr(instance, attr)
            if not value:
                return None
            text = value.astimezone(department_zone(instance.department_id)).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return read_time
    if isinstance(field, serializers.PrimaryKeyRelatedField) and len(attrs) == 1 and field.pk_field is None:
        attname = f"{attrs[0]}_id"  # what PKOnlyObject carries: the foreign key's column
        return lambda instance: getattr(instance, attname)
    if type(field) in (
        serializers.CharField,
        serializers.IntegerField,
        serializers.BigIntegerField,
        serializers.ChoiceField,
    ):
        convert = {serializers.CharField: str, serializers.IntegerField: int}.get(
            type(field), field.to_representation
        )

        def read_value(instance):
            value = instance
            try:
                for attr in attrs:
                    value = getattr(value, attr)
            except AttributeError:  # a missing join (no routed unit): DRF's rules (default, null, skip)
                return read_as_drf(instance)
            return None if value is None else convert(value)

        return read_value
    return None


def _read_as_drf(field):
    def read_as_drf(instance):
        try:
            attribute = field.get_attribute(instance)
        except serializers.SkipField:
            return serializers.empty
        return None if attribute is None else field.to_representation(attribute)

    return read_as_drf


class PlainListSerializer(serializers.ListSerializer):
    """The list of a read-only serializer's rows, each dict built by one reader per field
    (_plain_reader) instead of DRF's per-row, per-field dispatch: the same JSON, about a fifth of a
    list's time saved. A field DRF would skip stays skipped.

    When every field has a plain reader, the readers depend on the serializer class alone (no request,
    no context: the labels follow the active language, the times the fiche's département), so they
    are built once per class, and the child's fields are not even copied for the request."""

    plain_readers: dict[type, list] = {}

    def readers(self) -> list:
        cls = type(self.child)
        if cls in self.plain_readers:
            return self.plain_readers[cls]
        readers = [(field.field_name, _plain_reader(field), field) for field in self.child._readable_fields]
        if all(read is not None for _name, read, _field in readers):
            self.plain_readers[cls] = [(name, read) for name, read, _field in readers]
            return self.plain_readers[cls]
        return [(name, read or _read_as_drf(field)) for name, read, field in readers]

    def to_representation(self, data):
        readers = self.readers()
        rows = []
        for instance in data.all() if isinstance(data, models.manager.BaseManager) else data:
            row = {}
            for name, read in readers:
                value = read(instance)
                if value is not serializers.empty:
                    row[name] = value
            rows.append(row)
        return rows


class AlertListSerializer(OutputSerializer):
    serializer_field_mapping = {
        **OutputSerializer.serializer_field_mapping,
        models.DateTimeField: FicheDateTimeField,
    }
    status_label = ChoiceLabelField("status")
    category_label = ChoiceLabelField("category")
    urgency_label = ChoiceLabelField("urgency")
    site_name = serializers.CharField(source="site.name", read_only=True)
    commune_name = serializers.CharField(source="site.commune.name", read_only=True)
    landlord_name = serializers.CharField(source="landlord.name", read_only=True)
    routed_unit_name = serializers.CharField(
        source="routed_unit.name", read_only=True, default=None, allow_null=True
    )
    latest_feedback = serializers.CharField(read_only=True, default=None, allow_null=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "reference",
            "status",
            "status_label",
            "category",
            "category_label",
            "urgency",
            "urgency_label",
            "site",
            "site_name",
            "commune_name",
            "landlord",
            "landlord_name",
            "routed_unit",
            "routed_unit_name",
            "facts_at",
            *alert_field_names("submitted_at", "feedback_due_at"),
            "outcome",
            "latest_feedback",
            "version",
        ]
        read_only_fields = fields
        list_serializer_class = PlainListSerializer


class LinkedAlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()


class AlertDetailSerializer(AlertListSerializer):
    reporter = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()
    complaint_reference = serializers.SerializerMethodField()
    linked_to_reference = serializers.CharField(
        source="linked_to.reference", read_only=True, default=None, allow_null=True
    )
    duplicate_of_reference = serializers.CharField(
        source="duplicate_of.reference", read_only=True, default=None, allow_null=True
    )

    class Meta(AlertListSerializer.Meta):
        fields = [
            *AlertListSerializer.Meta.fields,
            *[f for f in DRAFT_FIELDS if f != "complaint_reference"],
            "complaint_reference",
            "reporter",
            "convention",
            "outcome_comment",
            "linked_to",
            "linked_to_reference",
            "duplicate_of",
            "duplicate_of_reference",
            "links",
        ]
        read_only_fields = fields

    def get_reporter(self, alert) -> str:
        return reporter_label(alert, self.context["request"].user)

    @extend_schema_field(LinkedAlertSerializer(many=True))
    def get_links(self, alert) -> list:
        # Only the linked fiches the reader may see (AlertLink): never another landlord's. A fiche
        # filed by this very request cannot be linked yet.
        if self.context.get("just_filed"):
            return []
        linked = alert_links(user=self.context["request"].user, alert=alert)
        return LinkedAlertSerializer(linked, many=True).data

    def get_complaint_reference(self, alert) -> str | None:
        # The procedure number is for the force, the prefecture and the person who typed it.
        user = self.context["request"].user
        if scope.is_landlord(user) and user.pk != alert.reporter_id:
            return None
        return alert.complaint_reference


def with_commune(estates):
    # Filing names the commune; its outline is a large GeoJSON nobody reads here.
    return estates.select_related("commune").defer("commune__outline")


class ScopedChoiceField(ChoicePrimaryKeyField):
    """A ChoicePrimaryKeyField whose queryset, scoped to the request's user, is built by its
    serializer's `scoped_queryset(name)` when a value or the choices are looked up: a filing that
    names no building nor linked fiche (nor, for a landlord, looks its estate up) builds none."""

    def get_queryset(self):
        return self.parent.scoped_queryset(self.field_name)


class FilingSiteField(ScopedChoiceField):
    """The estate a fiche is about, among its queryset (the user's estates, what the schema and the
    browsable API list). For a landlord's staff, whose estates are exactly their organisation's
    (site_policy), the estate comes from the per-process reference data (partnerships/
    reference_cache.py: moved by any change of an estate or a commune) and is checked here: no
    query on each filing. Anyone else is looked up in the queryset, as before."""

    def to_internal_value(self, data):
        user = self.context["request"].user
        if not (user.is_authenticated and user.is_active and scope.is_landlord(user)):
            return super().to_internal_value(data)
        try:
            if isinstance(data, bool):
                raise TypeError
            pk = int(data)  # what the pk lookup would do with it
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        site = cached(("filing_site", pk), lambda: with_commune(HousingSite.objects.filter(pk=pk)).first())
        if site is None or site.landlord_id != user.organisation_id:
            self.fail("does_not_exist", pk_value=data)
        site.commune = copy.copy(site.commune)  # the caller's own, as the estate is
        return site


class AlertCreateSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """A fiche filed by a landlord; `link_to` ties it to a recent fiche of the same estate."""

    serializer_related_field = ScopedChoiceField
    link_to = ScopedChoiceField(queryset=Alert.objects.none(), required=False, allow_null=True)

    class Meta:
        model = Alert
        fields = ["site", *DRAFT_FIELDS, "link_to"]

    def scoped_queryset(self, name: str) -> models.QuerySet:
        """What the user may choose for `site`, `building` or `link_to`: their organisation's."""
        request = self.context.get("request")  # absent when the schema generator inspects the fields
        if request is None:
            return self.fields[name].queryset.none()
        user = request.user
        if name == "site":
            return with_commune(site_policy.instances(user, "view").filter(landlord_id=user.organisation_id))
        if name == "link_to":
            return Alert.objects.filter(landlord_id=user.organisation_id)
        return Building.objects.filter(site__landlord_id=user.organisation_id)

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        return (FilingSiteField if field_name == "site" else field_class), kwargs

    def validate(self, attrs):
        raw_facts_at = self.initial_data.get("facts_at") if hasattr(self.initial_data, "get") else None
        parsed = parse_datetime(raw_facts_at) if isinstance(raw_facts_at, str) else None
        if parsed is not None and timezone.is_naive(parsed):
            # A time without an offset is the estate's wall-clock time, as in the filing form.
            attrs["facts_at"] = parsed.replace(tzinfo=zone_of(attrs["site"]))
        building = attrs.get("building")
        if building is not None and building.site_id != attrs["site"].pk:
            # The message of an unknown id (ChoicePrimaryKeyField): ids are not to be told apart.
            raise serializers.ValidationError({"building": [NOT_A_CHOICE]})
        return attrs


class FreeTextField(serializers.CharField):
    """A description, message or reason: at most FREE_TEXT_MAX_LENGTH characters (in the schema too)."""

    def __init__(self, **kwargs):
        # max_length (not only a validator) so that the OpenAPI schema says maxLength.
        super().__init__(
            max_length=FREE_TEXT_MAX_LENGTH, error_messages={"max_length": free_text_error()}, **kwargs
        )


class MessageSerializer(serializers.Serializer):
    message = FreeTextField()


class StartSerializer(serializers.Serializer):
    message = FreeTextField(required=False, allow_blank=True, default="")


class CommentSerializer(MessageSerializer):
    internal = serializers.BooleanField(required=False, default=False)


class CloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[c for c in Outcome.choices if c[0] != Outcome.MERGED])
    comment = FreeTextField(required=False, allow_blank=True, default="")


class RedirectSerializer(serializers.Serializer):
    unit = ChoicePrimaryKeyField(queryset=Organisation.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        alert = self.context.get("alert")  # absent when the schema generator inspects the fields
        if alert is not None:
            # What the service accepts, so that a unit of another département reads as a missing id.
            self.fields["unit"].queryset = force_units(alert.department_id).exclude(pk=alert.routed_unit_id)

    reason = FreeTextField()


class ReturnSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ReturnReason.choices)
    comment = FreeTextField(required=False, allow_blank=True, default="")


class ReopenSerializer(serializers.Serializer):
    reason = FreeTextField()


class MergeSerializer(serializers.Serializer):
    into = serializers.IntegerField(help_text=_("Identifiant de la fiche conservée"))


class LinkSerializer(serializers.Serializer):
    other = serializers.CharField(max_length=24, help_text=_("Référence de la fiche à lier (FA-…)"))

    def validate_other(self, value) -> Alert:
        # Looked up among the fiches the user sees: a missing and a foreign reference answer alike.
        other = alert_list(user=self.context["request"].user).filter(reference=value.strip().upper()).first()
        if other is None:
            raise serializers.ValidationError(UNKNOWN_REFERENCE)
        return other


class EventSerializer(OutputSerializer):
    author = serializers.SerializerMethodField()
    internal = serializers.SerializerMethodField()
    data = serializers.DictField(
        read_only=True,
        help_text="Détails selon le type d'événement (champs modifiés, unité destinataire, fiche liée…)",
    )

    class Meta:
        model = AlertEvent
        fields = [
            "id",
            "kind",
            "author",
            "from_status",
            "to_status",
            "message",
            "data",
            "internal",
            "created_at",
        ]
        read_only_fields = fields

    def get_author(self, event) -> str:
        return event_author_label(event, self.context["alert"], self.context["request"].user)

    def get_internal(self, event) -> bool:
        return event.internal_to_id is not None


class AttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "taken_at", "created_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, attachment) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("alert-attachment-download", args=[attachment.alert_id, attachment.pk])
        )


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()
