"""The home panels of the signatories outside the fiches' chain: the mayor and the parquet read
their conventions, the aggregated indicators of the last twelve months (and the mayor its
communes' map), the latest meetings and their minutes."""

from partnerships.models import User

from .. import indicators, selectors
from ..permissions import convention_policy, indicator_reader
from .indicators import indicator_context


def signatory_home(user: User) -> dict:
    reader = indicator_reader(user)
    context = {
        "can_list_conventions": convention_policy.user_has_permission(user, "list"),
        "conventions": list(selectors.convention_list(user=user)[:10]),
        "meetings": selectors.signatory_meetings(user=user),
        "fiches": list(selectors.readable_fiches(user=user)),
    }
    if reader is not None:
        context["home_indicators"] = indicator_context(reader, None, indicators.Filters.last_twelve_months())
    return context
