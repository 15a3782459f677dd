"""The one filter set of fiche lists, shared by the pages (GET form) and the API (query string)."""

import datetime

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from partnerships.models import Commune, HousingSite, Organisation, OrganisationKind
from partnerships.permissions import site_policy
from partnerships.widgets import FastSelect, NativeDateInput, prefill_choices

from .models import Alert, Category, Status, Urgency
from .models.lifecycle import WORKING

ACK_SOON = datetime.timedelta(hours=2)
FEEDBACK_SOON = datetime.timedelta(hours=24)


def overdue_q(now: datetime.datetime) -> Q:
    """Not acknowledged in time, or no first feedback in time."""
    return Q(status=Status.SUBMITTED, ack_due_at__lt=now) | Q(
        status__in=WORKING, first_feedback_at__isnull=True, feedback_due_at__lt=now
    )


def due_soon_q(now: datetime.datetime) -> Q:
    """Acknowledgement due within 2 hours, or first feedback due within 24 hours (not yet late)."""
    return Q(status=Status.SUBMITTED, ack_due_at__gte=now, ack_due_at__lt=now + ACK_SOON) | Q(
        status__in=WORKING,
        first_feedback_at__isnull=True,
        feedback_due_at__gte=now,
        feedback_due_at__lt=now + FEEDBACK_SOON,
    )


class AlertFilter(django_filters.FilterSet):
    """Filters of fiche lists. Pass `user` (or a request) so that the estate, landlord and commune
    choices only offer what the user sees."""

    q = django_filters.CharFilter(label=_("Référence ou site"), method="filter_q")
    # FastSelect everywhere: Django's Select renders a template per <option>, even for 4 of them.
    status = django_filters.ChoiceFilter(label=_("Statut"), choices=Status.choices, widget=FastSelect)
    category = django_filters.ChoiceFilter(label=_("Catégorie"), choices=Category.choices, widget=FastSelect)
    urgency = django_filters.ChoiceFilter(label=_("Urgence"), choices=Urgency.choices, widget=FastSelect)
    # Hundreds to thousands of options for a large unit or landlord: FastSelect renders them.
    commune = django_filters.ModelChoiceFilter(
        label=_("Commune"), field_name="site__commune", queryset=Commune.objects.none(), widget=FastSelect
    )
    site = django_filters.ModelChoiceFilter(
        label=_("Site"), queryset=HousingSite.objects.none(), widget=FastSelect
    )
    landlord = django_filters.ModelChoiceFilter(
        label=_("Bailleur"), queryset=Organisation.objects.none(), widget=FastSelect
    )
    # The force units of the user's département (the prefecture's list; the other lists drop it).
    unit = django_filters.ModelChoiceFilter(
        label=_("Unité"),
        field_name="routed_unit",
        queryset=Organisation.objects.none(),
        widget=FastSelect,
        empty_label=_("Tous"),
    )
    submitted_from = django_filters.DateFilter(
        label=_("Transmise à partir du"),
        field_name="submitted_at",
        lookup_expr="date__gte",
        widget=NativeDateInput,
    )
    submitted_to = django_filters.DateFilter(
        label=_("Transmise jusqu'au"),
        field_name="submitted_at",
        lookup_expr="date__lte",
        widget=NativeDateInput,
    )
    overdue = django_filters.BooleanFilter(label=_("En retard"), method="filter_overdue")
    due_soon = django_filters.BooleanFilter(label=_("Échéance proche"), method="filter_due_soon")

    class Meta:
        model = Alert
        fields = [
            "q",
            "status",
            "category",
            "urgency",
            "commune",
            "site",
            "landlord",
            "unit",
            "submitted_from",
            "submitted_to",
            "overdue",
            "due_soon",
        ]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = user or getattr(request, "user", None)
        sites = site_policy.instances(user, "view") if user is not None else HousingSite.objects.none()
        # Thousands of estates for a large landlord or unit: only what their labels show (name, commune),
        # joined, never the communes' outlines (large GeoJSON).
        self.filters["site"].queryset = (
            sites.select_related("commune").only("name", "commune__name").order_by("name", "pk")
        )
        self.filters["commune"].queryset = (
            Commune.objects.filter(pk__in=sites.values("commune_id")).defer("outline").order_by("name", "pk")
        )
        self.filters["landlord"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.LANDLORD, pk__in=sites.values("landlord_id")
        ).order_by("name", "pk")
        organisation = getattr(user, "organisation", None)
        self.filters["unit"].queryset = Organisation.objects.filter(
            kind__in=OrganisationKind.forces(),
            department_id=organisation.department_id if organisation is not None else None,
        ).order_by("name", "pk")

    def fill_choices(self, form) -> None:
        """Give the page's estate, commune and landlord drop-downs their options (prefill_choices) from
        one read of the visible estates' columns, instead of three querysets read apart; a test holds
        them equal to the querysets' options."""
        rows = (
            self.filters["site"]
            .queryset.order_by("name", "pk")
            .values_list(
                "pk",
                "name",
                "commune_id",
                "commune__name",
                "commune__insee_code",
                "landlord_id",
                "landlord__name",
            )
        )
        sites, communes, landlords = [], {}, {}
        for pk, name, commune_id, commune, insee_code, landlord_id, landlord in rows:
            sites.append((pk, HousingSite.label(name, commune)))
            communes[commune_id] = (commune, commune_id, Commune.label(commune, insee_code))
            landlords[landlord_id] = (landlord, landlord_id)
        choices = {
            "site": sites,
            "commune": [(pk, text) for _name, pk, text in sorted(communes.values())],
            "landlord": [(pk, name) for name, pk in sorted(landlords.values())],
        }
        for name, options in choices.items():
            if name in form.fields:
                prefill_choices(form.fields[name], options)

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(reference__icontains=value) | Q(site__name__icontains=value))

    # The methods' `bool | None` hint is no type the schema generator reads: say it.
    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        q = overdue_q(timezone.now())
        return queryset.filter(q) if value else queryset.exclude(q)

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_due_soon(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        q = due_soon_q(timezone.now())
        return queryset.filter(q) if value else queryset.exclude(q)
