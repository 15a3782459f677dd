from django.urls import path

from . import views, views_policy

app_name = "conventions"
urlpatterns = [
    path("", views.convention_list, name="list"),
    path("nouvelle/", views.convention_create, name="create"),
    path("delais/", views_policy.response_policy_edit, name="response_policy"),
    path("indicateurs/", views.indicators_page, name="indicators"),
    path("indicateurs/export.<str:fmt>", views.indicators_export, name="indicators_export"),
    path("fiches/export.<str:fmt>", views.fiches_export, name="fiches_export"),
    path("problemes/", views.problem_list, name="problems"),
    path("problemes/nouveau/", views.problem_create, name="problem_create"),
    path("problemes/<int:pk>/", views.problem_detail, name="problem_detail"),
    path("<int:pk>/", views.convention_detail, name="detail"),
    path("<int:pk>/modifier/", views.convention_edit, name="edit"),
    path("<int:pk>/delais/", views_policy.response_policy_edit, name="convention_response_policy"),
    path("<int:pk>/documents/<int:document_pk>/", views.convention_document, name="document"),
    path("<int:pk>/reunions/<int:meeting_pk>/compte-rendu/", views.meeting_minutes, name="meeting_minutes"),
    path("<int:pk>/<str:kind>/ajouter/", views.follow_up_create, name="follow_up_create"),
    path("<int:pk>/<str:kind>/<int:item_pk>/statut/", views.follow_up_status, name="follow_up_status"),
    path("<int:pk>/bilan.pdf", views.convention_bilan, name="bilan"),
    path("<int:pk>/indicateurs/", views.indicators_page, name="convention_indicators"),
    path(
        "<int:pk>/indicateurs/export.<str:fmt>", views.indicators_export, name="convention_indicators_export"
    ),
    path("<int:pk>/fiches/export.<str:fmt>", views.fiches_export, name="convention_fiches_export"),
]
