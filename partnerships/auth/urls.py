from django.urls import path

from . import oidc, views

urlpatterns = [
    path("double-authentification/", views.otp_verify, name="otp_verify"),
    path("double-authentification/activer/", views.otp_enrol, name="otp_enrol"),
    path("oidc/authenticate/", oidc.AuthenticationRequestView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", oidc.CallbackView.as_view(), name="oidc_authentication_callback"),
    path("oidc/refus/", views.oidc_failure, name="oidc_failure"),
]
