"""How an organisation runs itself: invitations, accounts (roles, deactivation), sessions, passwords,
substitutes and its entries of the correspondents' directory. Each service is one transaction with its
audit entry; e-mails leave through the outbox after the commit."""

import datetime
import secrets
from importlib import import_module

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from partnerships import hooks
from partnerships.audit import audit_record
from partnerships.errors import ApplicationError
from partnerships.models import (
    AuditAction,
    Invitation,
    LoginSession,
    Organisation,
    Role,
    SecurityCorrespondent,
    Substitution,
    User,
    token_digest,
)

from .organisations import organisation_create, user_create

INVITATION_VALIDITY = datetime.timedelta(hours=72)


def _send(key: str, to: str, subject: str, body: str) -> None:
    hooks.queue_email(key=key, to=to, subject=subject, body=body)


def _email_taken(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


# --- Invitations --------------------------------------------------------------------------------


@transaction.atomic
def invitation_create(*, actor: User, organisation: Organisation, email: str, role: str) -> Invitation:
    """Invite a person into the organisation; the e-mail carries a single-use link valid 72 hours.
    A newer invitation to the same address replaces a pending one."""
    email = email.strip().lower()
    if _email_taken(email):
        raise ApplicationError(
            _("Cette adresse e-mail est déjà celle d'un compte Passerelle."), code="email_taken"
        )
    if role not in Role.values:
        raise ApplicationError(_("Rôle inconnu."), code="invalid_role")
    now = timezone.now()
    Invitation.objects.filter(email=email, accepted_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_digest=token_digest(token),
        invited_by=actor,
        created_at=now,
        expires_at=now + INVITATION_VALIDITY,
    )
    link = settings.SITE_URL + reverse("invitation_accept", args=[token])
    _send(
        f"invitation:{invitation.pk}",
        email,
        _("[Passerelle] Invitation à rejoindre %(organisation)s") % {"organisation": organisation.name},
        _(
            "Bonjour,\n\n%(actor)s vous invite à rejoindre %(organisation)s sur Passerelle, l'outil des "
            "conventions de partenariat sécurité.\n\nPour créer votre compte, ouvrez ce lien (valable 72 heures, "
            "une seule fois) :\n%(link)s\n\nSi vous n'attendiez pas cette invitation, ignorez ce message.\n"
        )
        % {"actor": actor.get_full_name() or actor.email, "organisation": organisation.name, "link": link},
    )
    audit_record(
        request_or_actor=actor,
        action=AuditAction.CREATE,
        obj=invitation,
        department_id=organisation.department_id,
        detail={"email": email, "role": role, "organisation": organisation.name},
    )
    return invitation


def invitation_for_token(token: str, *, lock: bool = False) -> Invitation:
    """The invitation a link names, if it may still be used; otherwise a French refusal."""
    qs = Invitation.objects.select_related("organisation")
    if lock:
        qs = qs.select_for_update()
    invitation = qs.filter(token_digest=token_digest(token)).first()
    if invitation is None or not invitation.usable():
        raise ApplicationError(
            _(
                "Ce lien d'invitation n'est plus valable : il a déjà servi ou a expiré (72 heures). "
                "Demandez une nouvelle invitation à l'administrateur de votre organisation."
            ),
            code="invitation_invalid",
        )
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, password: str | None, first_name: str = "", last_name: str = "", email: str | None = None
) -> User:
    """Create the invited account (a password, or None for a ProConnect sign-in whose e-mail must be the
    invited one) and spend the link."""
    invitation = invitation_for_token(token, lock=True)
    if email is not None and email.strip().lower() != invitation.email:
        raise ApplicationError(
            _("Le compte %(provider)s utilisé n'a pas l'adresse e-mail invitée.")
            % {"provider": settings.OIDC_PROVIDER_NAME},
            code="invitation_email_mismatch",
        )
    if _email_taken(invitation.email):
        raise ApplicationError(
            _("Cette adresse e-mail est déjà celle d'un compte Passerelle."), code="email_taken"
        )
    if password is not None:
        validate_password(password, User(email=invitation.email, first_name=first_name, last_name=last_name))
    user = user_create(
        email=invitation.email,
        password=password,
        organisation=invitation.organisation,
        role=invitation.role,
        first_name=first_name[:150],
        last_name=last_name[:150],
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(
        request_or_actor=user,
        action=AuditAction.CREATE,
        obj=user,
        department_id=invitation.organisation.department_id,
        detail={"invitation": invitation.pk, "role": invitation.role},
    )
    return user


@transaction.atomic
def organisation_onboard(
    *, actor: User, name: str, kind: str, department_id: str, admin_email: str, **fields
) -> tuple[Organisation, Invitation]:
    """The platform admin creates an organisation and invites its first admin."""
    if _email_taken(admin_email):
        raise ApplicationError(
            _("Cette adresse e-mail est déjà celle d'un compte Passerelle."), code="email_taken"
        )
    organisation = organisation_create(name=name, kind=kind, department_id=department_id, **fields)
    audit_record(
        request_or_actor=actor,
        action=AuditAction.CREATE,
        obj=organisation,
        detail={"name": name, "kind": kind},
    )
    invitation = invitation_create(actor=actor, organisation=organisation, email=admin_email, role=Role.ADMIN)
    return organisation, invitation


# --- Accounts and sessions ----------------------------------------------------------------------


def sessions_record(*, user: User, session_key: str | None) -> None:
    if session_key:
        LoginSession.objects.get_or_create(session_key=session_key, defaults={"user": user})


def sessions_end(*, user: User, keep: str | None = None) -> int:
    """End the account's sessions at once (all of them, or all but `keep`, the current one)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(
        LoginSession.objects.filter(user=user)
        .exclude(session_key=keep or "")
        .values_list("session_key", flat=True)
    )
    for key in keys:
        store(session_key=key).delete()
    LoginSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def _change(actor: User, user: User, detail: dict) -> None:
    audit_record(
        request_or_actor=actor,
        action=AuditAction.CHANGE,
        obj=user,
        department_id=user.organisation.department_id if user.organisation_id else None,
        detail={"email": user.email, **detail},
    )


def _keep_an_admin(user: User) -> None:
    others = User.objects.filter(organisation_id=user.organisation_id, role=Role.ADMIN, is_active=True)
    if user.role == Role.ADMIN and not others.exclude(pk=user.pk).exists():
        raise ApplicationError(
            _("L'organisation doit garder au moins un administrateur actif."), code="last_admin"
        )


@transaction.atomic
def user_role_change(*, actor: User, user: User, role: str) -> User:
    if role not in Role.values:
        raise ApplicationError(_("Rôle inconnu."), code="invalid_role")
    if role == user.role:
        return user
    if role != Role.ADMIN:
        _keep_an_admin(user)
    old, user.role = user.role, role
    user.save(update_fields=["role"])
    _change(actor, user, {"role": [old, role]})
    return user


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool) -> User:
    """Deactivate (its sessions end at once: a service account's API tokens are its sessions' peers and
    stop with is_active) or reactivate an account."""
    if user.is_active == active:
        return user
    if not active:
        if user.pk == actor.pk:
            raise ApplicationError(_("Vous ne pouvez pas désactiver votre propre compte."), code="self")
        _keep_an_admin(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        sessions_end(user=user)
    _change(actor, user, {"is_active": active})
    return user


@transaction.atomic
def user_set_password(*, actor: User | None, user: User, password: str, request=None) -> User:
    """Set a new password (validated); every other session of the account ends, the current one (when
    the person changes their own) stays open."""
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    keep = None
    if request is not None and request.user.is_authenticated and request.user.pk == user.pk:
        update_session_auth_hash(request, user)
        keep = request.session.session_key
    sessions_end(user=user, keep=keep)
    _change(actor or user, user, {"password": "changed"})
    return user


def password_reset_send(*, email: str) -> bool:
    """Queue the reset e-mail if an active account has this address (the worker runs this, so the
    request answers at once and alike for any address). The link is single-use (Django's token changes
    with the password and the last login) and valid PASSWORD_RESET_TIMEOUT seconds."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        return False
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.SITE_URL + reverse("password_reset_confirm", args=[uid, token])
    with transaction.atomic():
        _send(
            f"password-reset:{user.pk}:{token}",
            user.email,
            _("[Passerelle] Réinitialisation de votre mot de passe"),
            _(
                "Bonjour,\n\nUne réinitialisation du mot de passe de votre compte Passerelle a été demandée.\n"
                "Pour choisir un nouveau mot de passe, ouvrez ce lien (valable une heure, une seule fois) :\n"
                "%(link)s\n\nSi vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot "
                "de passe actuel reste valable.\n"
            )
            % {"link": link},
        )
    return True


# --- Substitutes -------------------------------------------------------------------------------


@transaction.atomic
def substitution_declare(
    *, actor: User, user: User, substitute: User, starts_on: datetime.date, ends_on: datetime.date
) -> Substitution:
    """A manager's absence and who receives their escalations, digests and reminders meanwhile."""
    if substitute.organisation_id != user.organisation_id or not substitute.is_active:
        raise ApplicationError(
            _("Le suppléant doit être un compte actif de la même organisation."), code="substitute_other_org"
        )
    if substitute.pk == user.pk:
        raise ApplicationError(_("Vous ne pouvez pas être votre propre suppléant."), code="substitute_self")
    if ends_on < starts_on:
        raise ApplicationError(_("La date de fin précède la date de début."), code="period_incoherent")
    # Locking the absent manager's row serialises two declarations for the same person.
    User.objects.select_for_update().filter(pk=user.pk).first()
    overlapping = Substitution.objects.filter(user=user, starts_on__lte=ends_on, ends_on__gte=starts_on)
    if overlapping.exists():
        raise ApplicationError(
            _("Une absence est déjà déclarée sur une partie de ces dates."), code="period_overlap"
        )
    substitution = Substitution(user=user, substitute=substitute, starts_on=starts_on, ends_on=ends_on)
    substitution.full_clean()
    substitution.save()
    audit_record(
        request_or_actor=actor,
        action=AuditAction.CREATE,
        obj=substitution,
        department_id=user.organisation.department_id,
        detail={
            "absent": user.email,
            "substitute": substitute.email,
            "from": str(starts_on),
            "to": str(ends_on),
        },
    )
    return substitution


@transaction.atomic
def substitution_cancel(*, actor: User, substitution: Substitution) -> None:
    audit_record(
        request_or_actor=actor,
        action=AuditAction.CHANGE,
        obj=substitution,
        department_id=substitution.user.organisation.department_id,
        detail={"cancelled": True, "absent": substitution.user.email},
    )
    substitution.delete()


# --- Correspondents' directory ------------------------------------------------------------------


@transaction.atomic
def correspondent_save(*, actor: User, correspondent: SecurityCorrespondent) -> SecurityCorrespondent:
    """Add or edit one of the organisation's own entries (the organisation is set by the caller from
    the actor's, never from the form)."""
    created = correspondent.pk is None
    correspondent.full_clean()
    correspondent.save()
    audit_record(
        request_or_actor=actor,
        action=AuditAction.CREATE if created else AuditAction.CHANGE,
        obj=correspondent,
        department_id=correspondent.organisation.department_id,
        detail={"full_name": correspondent.full_name},
    )
    return correspondent


@transaction.atomic
def correspondent_delete(*, actor: User, correspondent: SecurityCorrespondent) -> None:
    audit_record(
        request_or_actor=actor,
        action=AuditAction.CHANGE,
        obj=correspondent,
        department_id=correspondent.organisation.department_id,
        detail={"deleted": True, "full_name": correspondent.full_name},
    )
    correspondent.delete()
