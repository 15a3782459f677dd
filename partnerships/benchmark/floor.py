"""The floor of `make bench`: the least a Django page and a DRF list of the same 25 fiches cost on
this machine, measured in the same run as the real scenarios, interleaved with them, so that every
scenario is reported as a ratio to it whatever the machine's load. No middleware beyond the session
and the authentication, no policy, no filter form, no template inheritance: one query of the rows,
one plain template (or one plain ModelSerializer). Served by a Client of its own (FLOOR_MIDDLEWARE),
its URLs resolved from this module: nothing is added to the application's URLs."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines
from django.urls import path
from rest_framework import generics, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated

from alerts.models import Alert

ROWS = 25
PAGE_URL, API_URL = "/floor/page/", "/floor/api/"


class FloorUrlconf:
    """Last of the floor's middleware: its requests resolve against this module's urlpatterns."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.urlconf = __name__
        return self.get_response(request)


FLOOR_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    f"{__name__}.FloorUrlconf",
]


def rows(request):
    """The same 25 fiches the dashboard's first page shows (their ids in the query string), with the
    joins a row names."""
    ids = [int(pk) for pk in request.GET.get("ids", "").split(",") if pk.isdigit()][:ROWS]
    return (
        Alert.objects.filter(pk__in=ids)
        .select_related("site__commune", "landlord")
        .only(
            "reference",
            "urgency",
            "category",
            "status",
            "submitted_at",
            "site__name",
            "site__commune__name",
            "landlord__name",
        )
        .order_by("submitted_at", "id")
    )


TEMPLATE = engines["django"].from_string(
    """<!doctype html><html lang="fr"><head><title>Plancher</title></head><body><table>
<thead><tr><th>Référence</th><th>Urgence</th><th>Transmise le</th><th>Catégorie</th><th>Site</th>
<th>Bailleur</th><th>Statut</th></tr></thead><tbody>
{% for alert in alerts %}<tr><td><a href="/fiches/{{ alert.pk }}/">{{ alert.reference }}</a></td>
<td>{{ alert.urgency }}</td><td>{{ alert.submitted_at|date:"d/m/Y H:i" }}</td><td>{{ alert.category }}</td>
<td>{{ alert.site.name }}<br>{{ alert.site.commune.name }}</td><td>{{ alert.landlord.name }}</td>
<td>{{ alert.status }}</td></tr>{% endfor %}
</tbody></table></body></html>"""
)


@login_required
def bare_page(request):
    return HttpResponse(TEMPLATE.render({"alerts": rows(request)}, request))


class BareSerializer(serializers.ModelSerializer):
    site_name = serializers.CharField(source="site.name")
    commune_name = serializers.CharField(source="site.commune.name")
    landlord_name = serializers.CharField(source="landlord.name")

    class Meta:
        model = Alert
        fields = [
            "id",
            "reference",
            "urgency",
            "category",
            "status",
            "submitted_at",
            "site_name",
            "commune_name",
            "landlord_name",
        ]


class BareList(generics.ListAPIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]
    serializer_class = BareSerializer
    pagination_class = None

    def get_queryset(self):
        return rows(self.request)


urlpatterns = [path(PAGE_URL[1:], bare_page), path(API_URL[1:], BareList.as_view())]
