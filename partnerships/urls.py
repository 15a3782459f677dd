from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views, views_audit, views_public
from .auth.views import LoginView, LogoutView
from .console import views as console_views

sites_patterns = (
    [
        path("", views.site_list, name="list"),
        path("<int:pk>/", views.site_detail, name="detail"),
        path("<int:pk>/force/", views.site_force, name="force"),
        path("<int:pk>/modifier/", views.site_edit, name="edit"),
    ],
    "sites",
)

audit_patterns = (
    [
        path("", views_audit.audit_list, name="list"),
        path("export.csv", views_audit.audit_export, name="export"),
    ],
    "audit",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", LoginView.as_view(), name="login"),
    path("deconnexion/", LogoutView.as_view(), name="logout"),
    path("", include("partnerships.auth.urls")),
    path("sites/", include(sites_patterns)),
    path("annuaire/", views.directory, name="directory"),
    path("organisation/", include("partnerships.console.urls")),
    path("invitation/<str:token>/", console_views.invitation_accept, name="invitation_accept"),
    path("invitation/<str:token>/proconnect/", console_views.invitation_oidc, name="invitation_oidc"),
    path("sw.js", views_public.service_worker, name="service_worker"),
    path("accessibilite/", views_public.accessibility, name="accessibility"),
    path("audit/", include(audit_patterns)),
    path("fiches/", include("alerts.urls")),
    path("conventions/", include("conventions.urls")),
    path("imports/", include("partnerships.imports.urls")),
    path("organisation/jetons/", include("partnerships.tokens.urls")),
    path("organisation/webhooks/", include("alerts.webhooks.urls")),
    path("api/v1/", include("partnerships.api.urls")),
    path("api/v1/", include("alerts.api.urls")),
    path("api/v1/", include("conventions.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("admin/", admin.site.urls),
]

handler400 = "partnerships.api.exception_handlers.bad_request"
handler403 = "partnerships.api.exception_handlers.permission_denied"
handler404 = "partnerships.api.exception_handlers.page_not_found"
handler500 = "partnerships.api.exception_handlers.server_error"
