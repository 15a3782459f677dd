from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from partnerships import selectors
from partnerships.models import HousingSite
from partnerships.permissions import site_policy
from partnerships.services.sites import SITE_EDITABLE_FIELDS, site_update


class HousingSiteSerializer(serializers.ModelSerializer):
    commune_insee = serializers.CharField(source="commune.insee_code", read_only=True)
    commune_name = serializers.CharField(source="commune.name", read_only=True)
    landlord_name = serializers.CharField(source="landlord.name", read_only=True)

    class Meta:
        model = HousingSite
        fields = [
            "id",
            "reference",
            "commune_insee",
            "commune_name",
            "landlord",
            "landlord_name",
            *(name for name in SITE_EDITABLE_FIELDS if name != "commune"),  # the commune is read-only here
            "updated_at",
        ]
        read_only_fields = ["id", "landlord", "reference", "updated_at"]


@extend_schema_view(
    list=extend_schema(
        summary="Sites visibles par l'utilisateur",
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="Nom du site ou de sa commune")],
    ),
    retrieve=extend_schema(summary="Un site (404 s'il n'est pas visible)"),
    partial_update=extend_schema(summary="Modifier un site (référent du bailleur propriétaire)"),
)
class HousingSiteViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    serializer_class = HousingSiteSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.site_list(user=self.request.user, search=self.request.query_params.get("q", ""))

    def get_object(self):
        action = "change" if self.request.method == "PATCH" else "view"
        # Visible but not editable is 403; invisible is 404.
        site = selectors.site_get(user=self.request.user, pk=self.kwargs["pk"])
        if action == "change" and not site_policy.has_permission(self.request.user, "change", site):
            self.permission_denied(
                self.request, message="Seul un référent du bailleur peut modifier ce site."
            )
        return site

    def perform_update(self, serializer):
        serializer.instance = site_update(
            actor=self.request.user, site=serializer.instance, data=serializer.validated_data
        )
