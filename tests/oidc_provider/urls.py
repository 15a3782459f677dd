from django.contrib.auth import views as auth_views
from django.urls import include, path

from .views import SignedUserInfoView

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("o/userinfo-jwt/", SignedUserInfoView.as_view(), name="userinfo-jwt"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
