"""Remembers each login's session key, so that deactivating an account or changing its password ends
its sessions at once (partnerships.services.accounts.sessions_end)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from partnerships.services.accounts import sessions_record


@receiver(user_logged_in, dispatch_uid="passerelle_login_session")
def _record_session(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None:
        sessions_record(user=user, session_key=session.session_key)
