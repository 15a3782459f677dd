from rest_framework.routers import SimpleRouter

from .sites import HousingSiteViewSet

router = SimpleRouter()
router.register("sites", HousingSiteViewSet, basename="site")

urlpatterns = router.urls
