from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

sites_patterns = (
    [
        path("", views.site_list, name="list"),
        path("<int:pk>/", views.site_detail, name="detail"),
    ],
    "sites",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("sites/", include(sites_patterns)),
    path("annuaire/", views.directory, name="directory"),
    path("fiches/", include("alerts.urls")),
    path("conventions/", include("conventions.urls")),
    path("imports/", include("partnerships.imports.urls")),
    path("api/v1/", include("partnerships.api.urls")),
    path("api/v1/", include("alerts.api.urls")),
    path("api/v1/", include("conventions.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("admin/", admin.site.urls),
]
