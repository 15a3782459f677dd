"""API of the fiches alertes: thin views over alerts.selectors (reads, scoped) and alerts.services
(writes). Another organisation's fiche is 404; a visible fiche the user may not act on is 403; an
illegal transition is 400 with a French message."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from partnerships.api.pagination import KeysFirstPagination
from partnerships.api.schema import ErrorSerializer
from partnerships.audit import audit_record
from partnerships.models import AuditAction, TokenScope
from partnerships.reference_cache import read_once

from .. import selectors, services
from ..filters import AlertFilter
from ..models import Alert
from ..permissions import alert_policy
from ..prepared_lists import prepared_alert_list
from ..queues import conditional_response
from ..services.common import as_seen
from ..services.filing import alert_file_or_replay, body_hash, parse_key
from ..views.fiche import attachment_response
from . import serializers as s


def idempotency_header(description) -> OpenApiParameter:
    return OpenApiParameter(
        "Idempotency-Key",
        # A string with a UUID's pattern, not `format: uuid`: openapi-python-client would type it UUID
        # and hand the object to httpx, which accepts only str headers.
        {
            "type": "string",
            "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        },
        OpenApiParameter.HEADER,
        required=False,
        description=description,
    )


IDEMPOTENCY_HEADER = idempotency_header(
    _(
        "UUID choisi par le client, propre à chaque utilisateur (deux comptes peuvent employer la même "
        "clé sans se gêner). Renvoyer la même requête avec la même clé ne crée jamais deux fiches : la "
        "première réponse est 201, les suivantes 200 avec la fiche déjà déposée, telle qu'elle est "
        "aujourd'hui. La même clé avec un corps différent est refusée (422, code "
        "`idempotency_key_reused`)."
    )
)
UPLOAD_IDEMPOTENCY_HEADER = idempotency_header(
    _(
        "UUID choisi par le client pour cet envoi, propre à chaque utilisateur. Renvoyer le même fichier "
        "avec la même clé (réponse perdue) ne l'enregistre jamais deux fois : la première réponse est "
        "201, les suivantes 200 avec la pièce jointe déjà enregistrée. La même clé avec un autre fichier, "
        "un autre nom ou une autre fiche est refusée (422, code `idempotency_key_reused`)."
    )
)
# What alerts.services.attachments.sniff_content_type accepts, and so what a download may be.
ATTACHMENT_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf")
ERRORS = {
    400: OpenApiResponse(description=_("Transition interdite ou données invalides (message en français)")),
    403: OpenApiResponse(description=_("Fiche visible mais action réservée à une autre partie")),
    404: OpenApiResponse(description=_("Fiche inexistante ou non visible")),
}


IF_MATCH_HEADER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        "`version` de la fiche lue par le client : si elle a changé depuis, refus (400, conflict)."
    ),
)


def transition_schema(summary: str, request=None):
    return extend_schema(
        summary=summary,
        request=request,
        parameters=[IF_MATCH_HEADER],
        responses={
            200: s.AlertDetailSerializer,
            204: OpenApiResponse(description=_("Fait ; la fiche n'est plus visible")),
            **ERRORS,
        },
    )


@extend_schema_view(
    list=extend_schema(summary=_("Fiches visibles par l'utilisateur (filtrables)")),
    retrieve=extend_schema(summary=_("Une fiche (404 si elle n'est pas visible)")),
    create=extend_schema(
        summary=_("Déposer une fiche (bailleur)"),
        request=s.AlertCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: s.AlertDetailSerializer,
            200: OpenApiResponse(
                s.AlertDetailSerializer,
                description=_("Requête rejouée avec la même clé d'idempotence : la fiche déjà déposée"),
            ),
            422: OpenApiResponse(
                ErrorSerializer,
                description=_("Clé d'idempotence déjà employée avec un corps différent (rien n'est créé)"),
            ),
            **ERRORS,
        },
    ),
)
class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_class = AlertFilter
    pagination_class = KeysFirstPagination
    # What an API token's scope must be for each write (partnerships.tokens.api.TokenScopePermission).
    token_scopes = {
        "create": TokenScope.FILE,
        "attachments": TokenScope.FILE,
        "comment": TokenScope.FILE,
        **dict.fromkeys(
            (
                "acknowledge",
                "start",
                "feedback",
                "close",
                "redirect",
                "return_to_prefecture",
                "reopen",
                "merge",
                "link",
            ),
            TokenScope.TRIAGE,
        ),
    }

    def get_queryset(self):
        alerts = selectors.alert_list(user=self.request.user)
        return selectors.list_rows(alerts) if self.action == "list" else alerts

    def get_serializer_class(self):
        return s.AlertListSerializer if self.action == "list" else s.AlertDetailSerializer

    def get_object(self) -> Alert:
        alert = selectors.alert_get(user=self.request.user, pk=self.kwargs["pk"])
        # The `version` the client read: a change on a fiche changed since is a 400 "conflict".
        return as_seen(alert, self.request.headers.get("If-Match"))

    def list(self, request, *args, **kwargs):
        # An unchanged queue is answered 304 before any fiche is read (alerts.queues).
        return conditional_response(
            request,
            lambda: self.list_page(request, *args, **kwargs),
            not_modified=lambda: Response(status=status.HTTP_304_NOT_MODIFIED),
        )

    def list_page(self, request, *args, **kwargs):
        # No filter named (most requests): read by SQL compiled once (alerts/prepared_lists.py).
        alerts = prepared_alert_list(request.user, request.query_params, latest_feedback=True, overdue=False)
        if alerts is None:
            return super().list(request, *args, **kwargs)
        page = self.paginate_queryset(alerts)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        alert = self.get_object()
        audit_record(request_or_actor=request, action=AuditAction.VIEW, obj=alert)
        return Response(self.get_serializer(alert).data)

    def detail_response(self, alert: Alert, code=status.HTTP_200_OK) -> Response:
        # A redirect or a return takes the fiche out of the unit's sight: done, nothing to show.
        if not alert_policy.has_permission(self.request.user, "view", alert):
            return Response(status=status.HTTP_204_NO_CONTENT)
        # Re-read through the selector: annotations and joins as in a GET.
        alert = selectors.alert_get(user=self.request.user, pk=alert.pk)
        return Response(
            s.AlertDetailSerializer(alert, context=self.get_serializer_context()).data, status=code
        )

    def parse(self, serializer_class, **context):
        serializer = serializer_class(
            data=self.request.data, context={**self.get_serializer_context(), **context}
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    # The estate checked in validation and the filing's unit, convention and delays: one version of
    # the reference data read for both (one shared-cache round trip, not two).
    @read_once()
    def create(self, request, *args, **kwargs):
        data = self.parse(s.AlertCreateSerializer)
        site, link_to = data.pop("site"), data.pop("link_to", None)
        key = parse_key(request.headers.get("Idempotency-Key"))
        alert, filed = alert_file_or_replay(
            actor=request.user,
            site=site,
            data=data,
            idempotency_key=key,
            link_to=link_to,
            request_hash=body_hash(request.data) if key else "",
        )
        if not filed:  # a replay: the fiche an earlier request transmitted, as it is now
            return self.detail_response(alert, status.HTTP_200_OK)
        # Filed now by the landlord: everything the answer shows is in hand (its site, unit, convention,
        # reporter; no feedback, no link yet), no need to read it again.
        return Response(
            s.AlertDetailSerializer(
                alert, context={**self.get_serializer_context(), "just_filed": True}
            ).data,
            status=status.HTTP_201_CREATED,
        )

    @transition_schema(_("Prendre en compte (unité destinataire)"), request=None)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self.detail_response(services.alert_acknowledge(actor=request.user, alert=self.get_object()))

    @transition_schema(_("Engager une action (message facultatif au bailleur)"), request=s.StartSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        data = self.parse(s.StartSerializer)
        return self.detail_response(services.alert_start(actor=request.user, alert=self.get_object(), **data))

    @transition_schema(_("Faire un retour au bailleur"), request=s.MessageSerializer)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        data = self.parse(s.MessageSerializer)
        return self.detail_response(
            services.alert_feedback(actor=request.user, alert=self.get_object(), **data)
        )

    @transition_schema(_("Clôturer avec la suite donnée"), request=s.CloseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = self.parse(s.CloseSerializer)
        return self.detail_response(services.alert_close(actor=request.user, alert=self.get_object(), **data))

    @transition_schema(_("Réorienter vers une autre unité (motif obligatoire)"), request=s.RedirectSerializer)
    @action(detail=True, methods=["post"])
    def redirect(self, request, pk=None):
        alert = self.get_object()
        data = self.parse(s.RedirectSerializer, alert=alert)
        return self.detail_response(services.alert_redirect(actor=request.user, alert=alert, **data))

    @transition_schema(_("Renvoyer à la préfecture"), request=s.ReturnSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_to_prefecture(self, request, pk=None):
        data = self.parse(s.ReturnSerializer)
        alert = services.alert_return_to_prefecture(actor=request.user, alert=self.get_object(), **data)
        return self.detail_response(alert)

    @transition_schema(_("Rouvrir une fiche clôturée (bailleur, dans le délai)"), request=s.ReopenSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        data = self.parse(s.ReopenSerializer)
        return self.detail_response(
            services.alert_reopen(actor=request.user, alert=self.get_object(), **data)
        )

    @transition_schema(_("Fusionner cette fiche dans une autre (doublon)"), request=s.MergeSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        data = self.parse(s.MergeSerializer)
        into = selectors.alert_get(user=request.user, pk=data["into"])
        return self.detail_response(
            services.alert_merge(actor=request.user, alert=self.get_object(), into=into)
        )

    @transition_schema(
        "Lier à une autre fiche sur les mêmes faits (chacune reste ouverte)", request=s.LinkSerializer
    )
    @action(detail=True, methods=["post"])
    def link(self, request, pk=None):
        alert = self.get_object()  # first: another organisation's fiche is a 404, whatever the body
        data = self.parse(s.LinkSerializer)
        services.alert_link(actor=request.user, alert=alert, other=data["other"])
        return self.detail_response(alert)

    @extend_schema(
        summary=_("Commenter (partagé ou interne à mon organisation)"),
        request=s.CommentSerializer,
        responses={201: s.EventSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        data = self.parse(s.CommentSerializer)
        alert = self.get_object()
        event = services.alert_comment(actor=request.user, alert=alert, **data)
        context = {**self.get_serializer_context(), "alert": alert}
        return Response(s.EventSerializer(event, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Historique de la fiche"), responses={200: s.EventSerializer(many=True), 404: ERRORS[404]}
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def events(self, request, pk=None):
        alert = self.get_object()
        events = selectors.alert_timeline(user=request.user, alert=alert)
        context = {**self.get_serializer_context(), "alert": alert}
        return Response(s.EventSerializer(events, many=True, context=context).data)

    @extend_schema(
        methods=["GET"],
        summary=_("Pièces jointes de la fiche"),
        responses={200: s.AttachmentSerializer(many=True), 404: ERRORS[404]},
    )
    @extend_schema(
        methods=["POST"],
        summary=_("Ajouter une pièce jointe (photo ou PDF, type vérifié)"),
        request=s.UploadSerializer,
        parameters=[UPLOAD_IDEMPOTENCY_HEADER],
        responses={
            201: s.AttachmentSerializer,
            200: OpenApiResponse(
                s.AttachmentSerializer,
                description=_(
                    "Envoi rejoué avec la même clé d'idempotence : la pièce jointe déjà enregistrée"
                ),
            ),
            422: OpenApiResponse(
                ErrorSerializer,
                description=_(
                    "Clé d'idempotence déjà employée pour un autre fichier (rien n'est enregistré)"
                ),
            ),
            **ERRORS,
        },
    )
    # The one operation that takes a file: multipart, and only here (every other body is JSON).
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filterset_class=None,
        parser_classes=[MultiPartParser],
    )
    def attachments(self, request, pk=None):
        alert = self.get_object()
        if request.method == "POST":
            data = self.parse(s.UploadSerializer)
            attachment, stored = services.alert_add_attachment_or_replay(
                actor=request.user,
                alert=alert,
                uploaded_file=data["file"],
                idempotency_key=parse_key(request.headers.get("Idempotency-Key")),
            )
            return Response(
                s.AttachmentSerializer(attachment, context=self.get_serializer_context()).data,
                status=status.HTTP_201_CREATED if stored else status.HTTP_200_OK,
            )
        attachments = selectors.visible_attachments(user=request.user, alert=alert)
        return Response(
            s.AttachmentSerializer(attachments, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        summary=_("Télécharger une pièce jointe"),
        description=_(
            "Le fichier tel que déposé. Son type réel (en-tête Content-Type) est l'un des types acceptés "
            "au dépôt ; `application/octet-stream` les résume pour les générateurs de clients."
        ),
        parameters=[
            OpenApiParameter(
                "attachment_pk",
                OpenApiTypes.INT,
                OpenApiParameter.PATH,
                description=_("`id` de la pièce jointe"),
            )
        ],
        # application/octet-stream first: generators (openapi-python-client) model the first media
        # type they know as bytes and drop responses whose types are all image/* or PDF.
        responses={
            **{
                (200, media): OpenApiTypes.BINARY for media in ("application/octet-stream", *ATTACHMENT_TYPES)
            },
            404: ERRORS[404],
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_pk>\d+)/download",
        url_name="attachment-download",
        pagination_class=None,
        filterset_class=None,
    )
    def download(self, request, pk=None, attachment_pk=None):
        return attachment_response(request.user, pk, attachment_pk)
