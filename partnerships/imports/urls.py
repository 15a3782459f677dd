from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("suivi/<int:pk>/", views.run, name="run"),
    path("suivi/<int:pk>/etat/", views.run_status, name="run_status"),
    path("suivi/<int:pk>/valider/", views.commit, name="commit"),
    path("<str:kind>/", views.upload, name="upload"),
]
