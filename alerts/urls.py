from django.urls import path

from .views import fiche, filing, lists

app_name = "alerts"
urlpatterns = [
    path("", lists.alert_list, name="list"),
    path("nouvelle/", filing.alert_create, name="create"),
    path("nouvelle/sites.json", filing.site_positions, name="site_positions"),
    path("nouvelle/semblables.json", filing.similar_count, name="similar_count"),
    path("file/", lists.dashboard, name="dashboard"),
    path("file/prendre-en-compte/", lists.bulk_acknowledge, name="bulk_acknowledge"),
    path("export.csv", lists.export_csv, name="export"),
    path("a-router/", lists.routing_queue, name="routing_queue"),
    path("notifications/", lists.notifications, name="notifications"),
    path("notifications/preferences/", lists.preferences, name="preferences"),
    path("<int:pk>/", fiche.alert_detail, name="detail"),
    path("<int:pk>/confirmation/", filing.alert_confirmation, name="confirmation"),
    path("<int:pk>/modifier/", filing.alert_edit, name="edit"),
    path("<int:pk>/pieces/<int:attachment_pk>/", fiche.attachment_download, name="attachment"),
    path("<int:pk>/pieces/<int:attachment_pk>/apercu/", fiche.attachment_thumbnail, name="thumbnail"),
    path("<int:pk>/photos.zip", fiche.attachments_zip, name="photos_zip"),
    path("<int:pk>/<slug:action>/", fiche.alert_transition, name="transition"),
]
