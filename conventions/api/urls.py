from rest_framework.routers import SimpleRouter

from .views import ConventionViewSet

router = SimpleRouter()
router.register("conventions", ConventionViewSet, basename="convention")

urlpatterns = router.urls
