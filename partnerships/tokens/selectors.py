"""Reads for the API token pages, scoped to the organisation the user administers."""

from partnerships.models import ApiToken, User

from .services import require_admin


def api_tokens_of(user: User):
    """The tokens of the organisation the user administers (404 for anyone else)."""
    return ApiToken.objects.filter(organisation=require_admin(user)).select_related("account", "created_by")
