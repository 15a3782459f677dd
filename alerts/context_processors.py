from django.utils.functional import SimpleLazyObject

from . import selectors


def notifications(request):
    """The header's unread count: one indexed COUNT, made only when a page shows the header."""
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: selectors.unread_notification_count(user=request.user)
        )
    }
