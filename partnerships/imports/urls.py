from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:kind>/", views.upload, name="upload"),
    path("<str:kind>/<str:token>/valider/", views.commit, name="commit"),
]
