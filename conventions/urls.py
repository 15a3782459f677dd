from django.urls import path

from .views import conventions, indicators, meetings, problems, response_policy

app_name = "conventions"
urlpatterns = [
    path("", conventions.convention_list, name="list"),
    path("nouvelle/", conventions.convention_create, name="create"),
    path("delais/", response_policy.response_policy_edit, name="response_policy"),
    path("indicateurs/", indicators.indicators_page, name="indicators"),
    path("indicateurs/export.<str:fmt>", indicators.indicators_export, name="indicators_export"),
    path("fiches/export.<str:fmt>", indicators.fiches_export, name="fiches_export"),
    path("problemes/", problems.problem_list, name="problems"),
    path("problemes/nouveau/", problems.problem_create, name="problem_create"),
    path("problemes/<int:pk>/", problems.problem_detail, name="problem_detail"),
    path("problemes/<int:pk>/plan-d-action/", problems.problem_action_plan, name="problem_action_plan"),
    path("problemes/<int:pk>/fiches/", problems.problem_link, name="problem_link"),
    path("problemes/<int:pk>/fiches/<int:alert_pk>/delier/", problems.problem_unlink, name="problem_unlink"),
    path("<int:pk>/", conventions.convention_detail, name="detail"),
    path("<int:pk>/mon-organisation/", conventions.convention_partner, name="partner"),
    path("<int:pk>/modifier/", conventions.convention_edit, name="edit"),
    path("<int:pk>/delais/", response_policy.response_policy_edit, name="convention_response_policy"),
    path("<int:pk>/documents/<int:document_pk>/", conventions.convention_document, name="document"),
    path(
        "<int:pk>/reunions/<int:meeting_pk>/compte-rendu/", meetings.meeting_minutes, name="meeting_minutes"
    ),
    path("<int:pk>/<str:kind>/ajouter/", meetings.follow_up_create, name="follow_up_create"),
    path("<int:pk>/<str:kind>/<int:item_pk>/statut/", meetings.follow_up_status, name="follow_up_status"),
    path("<int:pk>/bilan.pdf", indicators.convention_bilan, name="bilan"),
    path("<int:pk>/indicateurs/", indicators.indicators_page, name="convention_indicators"),
    path(
        "<int:pk>/indicateurs/export.<str:fmt>",
        indicators.indicators_export,
        name="convention_indicators_export",
    ),
    path("<int:pk>/fiches/export.<str:fmt>", indicators.fiches_export, name="convention_fiches_export"),
]
