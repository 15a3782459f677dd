"""Writes for API tokens, and the service accounts that tokens and webhooks act as."""

import datetime
import secrets
import uuid

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerships.audit import audit_record
from partnerships.errors import ApplicationError
from partnerships.models import ApiToken, AuditAction, Organisation, Role, TokenScope, User
from partnerships.scope import administered_organisation
from partnerships.services.organisations import user_create

from .api import TOKEN_PREFIX, digest

# A token acts as an agent or a manager of its organisation; never as its administrator.
TOKEN_ROLES = (Role.AGENT, Role.MANAGER)
MAX_LIFETIME = datetime.timedelta(days=366)


def require_admin(actor: User, organisation: Organisation | None = None) -> Organisation:
    """The actor's administered organisation (and `organisation`'s, if named), else 404: a page of
    another organisation's administration does not exist for anyone else."""
    org = administered_organisation(actor)
    if org is None or (organisation is not None and organisation.pk != org.pk):
        raise Http404
    return org


def service_account_create(*, organisation: Organisation, role: str, label: str) -> User:
    """A member of `organisation` with `role` that has no password and cannot log in to the pages."""
    return user_create(
        email=f"service-{uuid.uuid4().hex[:16]}@org-{organisation.pk}.comptes-service.invalid",
        password=None,
        organisation=organisation,
        role=role,
        first_name=label[:150],
        is_service_account=True,
    )


def expiry_of(day: datetime.date) -> datetime.datetime:
    """A token expiring "on" a day works until that day ends, in the server's zone."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


@transaction.atomic
def api_token_create(
    *, actor: User, name: str, role: str, scope: str, expires_on: datetime.date
) -> tuple[ApiToken, str]:
    """A token and its service account; returns the token's secret, which is never stored nor shown
    again (only its digest is kept)."""
    org = require_admin(actor)
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Donnez un nom au jeton (le logiciel qui l'utilisera)."), code="required")
    if role not in TOKEN_ROLES:
        raise ApplicationError(
            _("Un jeton agit comme agent ou référent de l'organisation."), code="invalid_role"
        )
    if scope not in TokenScope.values:
        raise ApplicationError(_("Choisissez la portée du jeton dans la liste."), code="invalid_scope")
    expires_at, now = expiry_of(expires_on), timezone.now()
    if not now < expires_at <= now + MAX_LIFETIME:
        raise ApplicationError(
            _("La date d'expiration doit être dans l'avenir et à moins d'un an."), code="invalid_expiry"
        )
    account = service_account_create(organisation=org, role=role, label=_("Jeton d'API « %s »") % name)
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}{prefix}.{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        organisation=org,
        account=account,
        name=name[:100],
        scope=scope,
        prefix=prefix,
        digest=digest(secret),
        created_by=actor,
        expires_at=expires_at,
    )
    audit_record(
        request_or_actor=actor,
        action=AuditAction.CREATE,
        obj=token,
        detail={"api_token": prefix, "scope": scope, "role": role},
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke at once (the next call answers 401); revoking twice changes nothing."""
    require_admin(actor, token.organisation)
    token = ApiToken.objects.select_for_update().select_related("account").get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    token.account.is_active = False
    token.account.save(update_fields=["is_active"])
    audit_record(
        request_or_actor=actor,
        action=AuditAction.CHANGE,
        obj=token,
        detail={"api_token": token.prefix, "revoked": True},
    )
    return token
