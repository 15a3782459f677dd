from django.urls import path

from . import views

app_name = "organisation"

urlpatterns = [
    path("comptes/", views.accounts_list, name="accounts"),
    path("comptes/inviter/", views.invite, name="invite"),
    path("comptes/<int:pk>/", views.account, name="account"),
    path("absences/", views.absences, name="absences"),
    path("absences/<int:pk>/annuler/", views.absence_cancel, name="absence_cancel"),
    path("annuaire/", views.correspondents, name="correspondents"),
    path("annuaire/ajouter/", views.correspondent_edit, name="correspondent_create"),
    path("annuaire/<int:pk>/", views.correspondent_edit, name="correspondent_edit"),
    path("annuaire/<int:pk>/retirer/", views.correspondent_delete, name="correspondent_delete"),
    path("nouvelle/", views.organisation_create, name="create"),
    path("<int:pk>/departements/", views.organisation_departments, name="departments"),
]
