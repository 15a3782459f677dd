"""Sessions read together with their account: a signed-in request's session, user and organisation
come from one query instead of three (the unchanged queue's 304 answers after two queries in all).

The database session engine, except that a session remembered by LoginSession (every login records
one, partnerships/auth/sessions.py) is read through it, joined to its user and their organisation;
`SessionUserMiddleware` then takes that user instead of reading it again, only when Django's own
check would accept it (same account, a configured ModelBackend, an active account, the session's
hash made with the current secret). Any other case goes through Django's `get_user` unchanged."""

from functools import cache

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.backends import db
from django.contrib.sessions.middleware import SessionMiddleware
from django.contrib.sessions.models import Session
from django.db import router
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from partnerships import hooks
from partnerships.prepared import PreparedQuery


def _login_query(session_key, page_reads=()):
    from partnerships.models import LoginSession, Organisation, User

    session = Session.objects.filter(session_key=OuterRef("session_key"))
    return (
        LoginSession.objects.filter(session_key=session_key)
        .annotate(
            data=Subquery(session.values("session_data")),
            expires=Subquery(session.values("expire_date")),
            **{f"page_read_{name}": hooks.page_reads[name](OuterRef("user_id")) for name in page_reads},
        )
        .order_by("pk")
        .values_list(
            "data",
            "expires",
            *(f"user__{field.attname}" for field in User._meta.concrete_fields),
            *(f"user__organisation__{field.attname}" for field in Organisation._meta.concrete_fields),
            *(f"page_read_{name}" for name in page_reads),
        )[:1]
    )


def _page_login_query(session_key):
    # The names are read when the query is first compiled, once every app has registered its reads.
    return _login_query(session_key, sorted(hooks.page_reads))


# The session, its account and the account's organisation: compiled once (partnerships/prepared.py).
_read_login = PreparedQuery(_login_query, [str], "partnerships.LoginSession")
# The same and, for a page that shows the header, what the header counts (hooks.page_reads).
_read_login_for_page = PreparedQuery(_page_login_query, [str], "partnerships.LoginSession")


def is_page_request(request) -> bool:
    """A request that will likely show a page's header: a plain GET (or HEAD) of a page. Not the API,
    not a form sent (the view may change what the header counts, read after it then), not a
    conditional request (most end in a 304 without a header)."""
    return (
        request.method in ("GET", "HEAD")
        and not request.path_info.startswith("/api/")
        and "HTTP_IF_NONE_MATCH" not in request.META
    )


def _login_user(row, using: str):
    """The account and its organisation from a _read_login row, as select_related would build them."""
    from partnerships.models import Organisation, User

    user_fields, org_fields = User._meta.concrete_fields, Organisation._meta.concrete_fields
    values = row[2 : 2 + len(user_fields)]
    user = User.from_db(using, [field.attname for field in user_fields], values)
    org_values = row[2 + len(user_fields) : 2 + len(user_fields) + len(org_fields)]
    organisation = None
    if org_values[Organisation._meta.concrete_fields.index(Organisation._meta.pk)] is not None:
        organisation = Organisation.from_db(using, [field.attname for field in org_fields], org_values)
    User._meta.get_field("organisation").set_cached_value(user, organisation)
    return user


class SessionStore(db.SessionStore):
    preloaded_user = None
    # Set by PageSessionMiddleware for a page's request: read hooks.page_reads with the session.
    with_page_reads = False

    def _get_session_from_db(self):
        from partnerships.models import LoginSession

        using = router.db_for_read(LoginSession)
        reads = sorted(hooks.page_reads) if self.with_page_reads else []
        found = (_read_login_for_page if reads else _read_login)(self.session_key, using=using)
        if not found:
            return super()._get_session_from_db()  # an anonymous visitor's session
        data, expires = found[0][:2]
        if data is None or expires <= timezone.now():  # gone, or expired (Django's own test)
            self._session_key = None
            return None
        self.preloaded_user = _login_user(found[0], using)
        if reads:
            # On the account itself: used only if the request's user is this very account.
            self.preloaded_user.page_reads = dict(
                zip(reads, found[0][len(found[0]) - len(reads) :], strict=True)
            )
        return Session(session_key=self.session_key, session_data=data, expire_date=expires)


@cache
def _reads_users_by_pk(backend_path: str) -> bool:
    """Does this backend's get_user read the account by primary key and nothing more (ModelBackend's)?"""
    return type(auth.load_backend(backend_path)).get_user is ModelBackend.get_user


def session_user(request):
    session = request.session
    user_id = session.get(auth.SESSION_KEY)  # loads the session, and the account with it
    user = session.preloaded_user if isinstance(session, SessionStore) else None
    if user is None or user_id is None:
        return auth.get_user(request)
    backend = session.get(auth.BACKEND_SESSION_KEY)
    if (
        str(user.pk) == str(user_id)
        and backend in settings.AUTHENTICATION_BACKENDS
        and _reads_users_by_pk(backend)
        and ModelBackend().user_can_authenticate(user)
        and constant_time_compare(session.get(auth.HASH_SESSION_KEY, ""), user.get_session_auth_hash())
    ):
        return user
    return auth.get_user(request)


class PageSessionMiddleware(SessionMiddleware):
    """Django's SessionMiddleware; a page's session is read with what the header counts."""

    def process_request(self, request):
        super().process_request(request)
        if is_page_request(request) and isinstance(request.session, SessionStore):
            request.session.with_page_reads = True


class SessionUserMiddleware(AuthenticationMiddleware):
    """Django's AuthenticationMiddleware, taking the user read with the session when it may."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: session_user(request))
