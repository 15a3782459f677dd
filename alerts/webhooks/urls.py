from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("", views.webhook_list, name="list"),
    path("<int:pk>/", views.webhook_detail, name="detail"),
    path("<int:pk>/pause/", views.webhook_pause, name="pause"),
    path("<int:pk>/envois/<int:delivery_pk>/renvoyer/", views.webhook_resend, name="resend"),
]
