"""Answers the core needs from the apps built on it. Those apps import the core, so the core never
imports them: an app registers its answer when it starts (its AppConfig.ready()) and the core calls
the hook, which gives a safe default while nothing is registered."""

from collections.abc import Callable


class Hook:
    def __init__(self, default: Callable):
        self._default = default
        self._function: Callable | None = None

    def register(self, function: Callable) -> None:
        self._function = function

    def __call__(self, *args, **kwargs):
        return (self._function or self._default)(*args, **kwargs)


def _own_organisation(*, user) -> list[int]:
    return [user.organisation_id] if user.is_authenticated and user.organisation_id else []


# The organisations whose security correspondents a user may read: its partners under the conventions
# it signed (conventions.selectors.partner_organisation_ids); without that app, its own organisation.
partner_organisation_ids = Hook(default=_own_organisation)


# The home page's panels (chosen by permissions.home_panel) -> what each shows, for the panels an app
# fills (the prefecture's département figures and the partners' conventions come from the conventions
# app). A panel nobody filled shows its template's defaults.
home_panels: dict[str, Callable] = {}


def _send_now(*, key: str, to: str, subject: str, body: str) -> None:
    from django.core.mail import send_mail

    send_mail(subject, body, None, [to])


# How the core's e-mails (invitations, password resets) leave: through the outbox of alerts (queued in the
# caller's transaction, delivered once by the worker: alerts.outbox.queue_email); without that app, sent
# at once.
queue_email = Hook(default=_send_now)


# What every page's header shows and an app counts (alerts: the unread notifications): name -> a
# function of the account's primary key (an OuterRef) returning a single-value expression. Read in the
# same query as the session and its account on pages (partnerships/auth/session_store.py), so that
# the header costs no round trip of its own; kept on the account as `page_reads`.
page_reads: dict[str, Callable] = {}
