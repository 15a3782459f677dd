app_name = "conventions"
urlpatterns: list = []
