from django.utils.functional import SimpleLazyObject

from . import selectors


def notifications(request):
    """The header's unread count: taken from the request where alerts.queues counted it for a list's
    ETag, or from the account where the session's query counted it (a page's GET); else one indexed
    COUNT, made only when a page shows the header."""
    counted = getattr(request, "unread_notifications", None)
    if counted is None:
        # Read with the session and its account (partnerships/auth/session_store.py), for this account.
        counted = getattr(getattr(request, "user", None), "page_reads", {}).get("unread_notifications")
    if counted is not None:
        return {"unread_notifications": counted}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: selectors.unread_notification_count(user=request.user)
        )
    }
