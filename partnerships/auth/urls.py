from django.urls import path

from . import oidc, password, views

urlpatterns = [
    path("double-authentification/", views.otp_verify, name="otp_verify"),
    path("double-authentification/activer/", views.otp_enrol, name="otp_enrol"),
    path("oidc/authenticate/", oidc.AuthenticationRequestView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", oidc.CallbackView.as_view(), name="oidc_authentication_callback"),
    path("oidc/refus/", views.oidc_failure, name="oidc_failure"),
]

urlpatterns += [
    path("mot-de-passe-oublie/", password.password_reset, name="password_reset"),
    path(
        "mot-de-passe-oublie/<uidb64>/<token>/",
        password.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("mot-de-passe-oublie/termine/", password.password_reset_complete, name="password_reset_complete"),
    path("mot-de-passe/", password.password_change, name="password_change"),
]
