from django.utils.functional import SimpleLazyObject

from . import selectors


def notifications(request):
    """The header's unread count: one indexed COUNT, made only when a page shows the header (or
    taken from the request, where alerts.queues counted it for a list's ETag)."""
    counted = getattr(request, "unread_notifications", None)
    if counted is not None:
        return {"unread_notifications": counted}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: selectors.unread_notification_count(user=request.user)
        )
    }
