"""The one place that grants and revokes object permissions (django-guardian, per-organisation
groups, direct-FK tables). Services call these inside their own transaction."""

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import models
from guardian.shortcuts import assign_perm, remove_perm

from partnerships.models import Organisation, User


def organisation_group(org: Organisation) -> Group:
    if org.group_id is None:
        group, _ = Group.objects.get_or_create(name=f"org-{org.pk}")
        org.group = group
        org.save(update_fields=["group"])
    return org.group


def grant(*, organisation: Organisation, perms: Iterable[str], obj: models.Model | models.QuerySet) -> None:
    group = organisation_group(organisation)
    for perm in perms:
        assign_perm(perm, group, obj)


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
