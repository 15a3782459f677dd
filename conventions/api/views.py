from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from conventions import disclosure, indicators, selectors
from conventions.forms import IndicatorFilterForm
from conventions.models import ActionItem, Commitment, Convention, Meeting, Signatory
from conventions.permissions import indicator_reader
from conventions.services import CONVENTION_FIELDS
from partnerships.replica import lagging_reads


class SignatorySerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    organisation_kind = serializers.CharField(source="organisation.kind", read_only=True)

    class Meta:
        model = Signatory
        fields = [
            "organisation",
            "organisation_name",
            "organisation_kind",
            "representative",
            "title",
            "signed_on",
        ]


class CommitmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commitment
        fields = ["id", "text", "responsible", "status", "due_date"]


class ActionItemSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.name", read_only=True)

    class Meta:
        model = ActionItem
        fields = ["id", "text", "owner", "owner_name", "due_date", "status"]


class MeetingSerializer(serializers.ModelSerializer):
    action_items = ActionItemSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "kind", "date", "attendees", "minutes", "action_items"]


class ConventionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Convention
        fields = ["id", "department", *CONVENTION_FIELDS, "updated_at"]


class ConventionDetailSerializer(ConventionSerializer):
    signatories = SignatorySerializer(many=True, read_only=True)
    commitments = CommitmentSerializer(many=True, read_only=True)
    meetings = MeetingSerializer(many=True, read_only=True)

    class Meta(ConventionSerializer.Meta):
        fields = [*ConventionSerializer.Meta.fields, "signatories", "commitments", "meetings"]


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer"},
            {
                "type": "string",
                "description": "« < N » : compte masqué pour une mairie, sous le seuil de diffusion",
            },
        ]
    }
)
class CountField(serializers.JSONField):
    """A count as conventions.disclosure.shown gives it: an integer, or "< threshold" for a mayor."""


class MonthCountSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="Premier jour du mois")
    count = CountField()


class CategoryCountSerializer(serializers.Serializer):
    category = serializers.CharField()
    label = serializers.CharField()
    count = CountField()


class HoursSerializer(serializers.Serializer):
    median = serializers.FloatField(allow_null=True, help_text="Heures ; null sans données (ou masqué)")
    p90 = serializers.FloatField(allow_null=True, help_text="Heures ; null sans données (ou masqué)")


class HotspotSerializer(serializers.Serializer):
    site = serializers.IntegerField()
    name = serializers.CharField()
    commune = serializers.CharField()
    count = serializers.IntegerField()


class IndicatorsSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    total = CountField()
    per_month = MonthCountSerializer(many=True)
    per_category = CategoryCountSerializer(many=True)
    ack_hours = HoursSerializer()
    feedback_hours = HoursSerializer()
    within_policy_share = serializers.FloatField(allow_null=True)
    staff_aggressions = CountField()
    complaints_filed = CountField()
    redirections = CountField()
    hotspots = HotspotSerializer(many=True)
    problems_identified = CountField()
    problems_resolved = CountField()


FILTER_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="Début de période (défaut : 12 derniers mois)"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Fin de période"),
    OpenApiParameter("landlord", OpenApiTypes.INT),
    OpenApiParameter("unit", OpenApiTypes.INT),
    OpenApiParameter("commune", OpenApiTypes.INT),
    OpenApiParameter("site", OpenApiTypes.INT),
    OpenApiParameter("category", OpenApiTypes.STR),
    OpenApiParameter(
        "territory",
        OpenApiTypes.STR,
        enum=indicators.Territory.values,
        description="Fiches des sites en QPV, ZSP ou QRR (ignoré pour une mairie ou le parquet)",
    ),
]


@extend_schema_view(
    list=extend_schema(summary="Conventions visibles par l'utilisateur"),
    retrieve=extend_schema(
        summary="Une convention, avec signataires, engagements, réunions et actions "
        "(404 si elle n'est pas visible)"
    ),
)
class ConventionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    def get_queryset(self):
        return selectors.convention_list(user=self.request.user)

    def get_serializer_class(self):
        return ConventionSerializer if self.action == "list" else ConventionDetailSerializer

    def get_object(self):
        return selectors.convention_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        summary="Indicateurs de la convention, restreints au périmètre du lecteur",
        parameters=FILTER_PARAMETERS,
        responses=IndicatorsSerializer,
    )
    @action(detail=True, methods=["get"])
    def indicators(self, request, pk=None):
        convention = self.get_object()
        reader = indicator_reader(request.user)
        if reader is None:
            raise Http404
        # The page's form parses the filters: same scoping (no site filter for a mayor), and an
        # invalid value (an impossible date, an id past the bigint range) is dropped, never a 500.
        filters = IndicatorFilterForm(
            request.query_params, reader=reader, user=request.user, department_id=convention.department_id
        ).filters()
        with lagging_reads():
            shown = disclosure.present(indicators.compute(reader, filters, convention), reader)
        shown.pop("communes")  # the map is the page's: computed without it here, so always empty
        return Response(
            {
                **shown,  # start and end: the period counted (whole calendar periods for a mayor)
                "per_month": [{"month": m, "count": n} for m, n in shown["per_month"]],
                "per_category": [
                    {"category": c, "label": label, "count": n} for c, label, n in shown["per_category"]
                ],
                "hotspots": [
                    {
                        "site": h["site_id"],
                        "name": h["site__name"],
                        "commune": h["site__commune__name"],
                        "count": h["n"],
                    }
                    for h in shown["hotspots"]
                ],
            }
        )
