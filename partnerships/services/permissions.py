"""The one place that grants and revokes object permissions (django-guardian, per-organisation
groups, direct-FK tables). Services call these inside their own transaction."""

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.constants import OnConflict
from django.db.models.signals import post_migrate
from guardian.shortcuts import remove_perm
from guardian.utils import get_group_obj_perms_model

from partnerships.inserts import compiled_insert
from partnerships.models import Organisation, User

# Permission ids per (content type, codename), like ContentType's cache: grants run on every filing
# and their permissions never change while the process lives (cleared when a test flush recreates them).
_permission_ids: dict[tuple[int, str], int] = {}


def _clear_permission_ids(**kwargs) -> None:
    _permission_ids.clear()


post_migrate.connect(_clear_permission_ids, dispatch_uid="partnerships.services.permissions.clear")


def permission_id(model: type[models.Model], perm: str) -> int:
    """The id of `perm` ("app_label.codename" or "codename") for `model`; cached per process."""
    ctype = ContentType.objects.get_for_model(model)
    app_label, _, codename = perm.rpartition(".")
    if app_label and app_label != ctype.app_label:
        raise ValueError(f"{perm} does not belong to {ctype.app_label}")
    key = (ctype.pk, codename)
    if key not in _permission_ids:
        _permission_ids[key] = Permission.objects.get(content_type=ctype, codename=codename).pk
    return _permission_ids[key]


def organisation_group(org: Organisation) -> Group:
    if org.group_id is None:
        group, _ = Group.objects.get_or_create(name=f"org-{org.pk}")
        org.group = group
        org.save(update_fields=["group"])
    return org.group


def grant(
    *,
    organisation: Organisation | Iterable[Organisation],
    perms: Iterable[str],
    obj: models.Model | models.QuerySet,
) -> None:
    """Give the organisation's group (or each of several organisations' groups) `perms` on `obj` (an
    instance or a queryset): one INSERT for all rows on guardian's direct-FK table, an existing grant
    left as it is."""
    rows = grant_rows(organisation=organisation, perms=perms, obj=obj)
    # Every filing grants: its INSERT is compiled once (nothing returned, nothing read back).
    if rows and compiled_insert(rows, on_conflict=OnConflict.IGNORE, returning=False) is None:
        type(rows[0]).objects.bulk_create(rows, ignore_conflicts=True)


def grant_rows(
    *,
    organisation: Organisation | Iterable[Organisation],
    perms: Iterable[str],
    obj: models.Model | models.QuerySet,
) -> list[models.Model]:
    """The unsaved rows of guardian's direct-FK table that `grant` writes, for a caller that writes
    them with its own rows in one statement (a filing: compiled_inserts, ON CONFLICT DO NOTHING)."""
    organisations = [organisation] if isinstance(organisation, Organisation) else list(organisation)
    group_ids = [org.group_id or organisation_group(org).pk for org in organisations]
    if isinstance(obj, models.QuerySet):
        model, pks = obj.model, list(obj.values_list("pk", flat=True))
    else:
        model, pks = type(obj), [obj.pk]
    perm_model = get_group_obj_perms_model(model)
    perm_ids = [permission_id(model, perm) for perm in perms]
    return [
        perm_model(permission_id=perm_id, group_id=group_id, content_object_id=pk)
        for group_id in group_ids
        for pk in pks
        for perm_id in perm_ids
    ]


def revoke(*, organisation: Organisation, perms: Iterable[str], obj: models.Model | models.QuerySet) -> None:
    group = organisation_group(organisation)
    for perm in perms:
        remove_perm(perm, group, obj)


def sync_membership(user: User) -> None:
    """A user belongs to exactly its organisation's group."""
    org_groups = Group.objects.filter(organisation__isnull=False)
    user.groups.remove(*org_groups.exclude(organisation=user.organisation_id))
    if user.organisation_id:
        user.groups.add(organisation_group(user.organisation))
