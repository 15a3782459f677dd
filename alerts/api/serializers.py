"""Serializers of the fiches API. They shape input and output only; alerts.services decides."""

import copy
from functools import cached_property

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partnerships import scope
from partnerships.api.fields import ChoicePrimaryKeyField
from partnerships.errors import NOT_A_CHOICE
from partnerships.localtime import zone_of
from partnerships.models import Building, HousingSite, Organisation
from partnerships.permissions import site_policy
from partnerships.reference_cache import cached

from ..forms import force_units
from ..models import Alert, AlertEvent, Attachment, Outcome, ReturnReason, alert_field_names
from ..selectors import alert_links, alert_list, event_author_label, reporter_label
from ..services.filing import DRAFT_FIELDS
from ..services.triage import UNKNOWN_REFERENCE
from ..validators import FREE_TEXT_MAX_LENGTH, free_text_error
from .fields import ChoiceLabelField, FicheDateTimeField, RequestTimezoneDateTimeField
from .plain import FieldsBuiltOnce, PlainListSerializer


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
