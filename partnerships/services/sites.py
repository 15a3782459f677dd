from django.db import transaction

from partnerships.models import HousingSite, Organisation, User

from .permissions import grant

OWNER_PERMS = ("partnerships.view_housingsite", "partnerships.change_housingsite")


@transaction.atomic
def site_create(*, landlord: Organisation, **fields) -> HousingSite:
    site = HousingSite(landlord=landlord, **fields)
    site.full_clean()
    site.save()
    grant(organisation=landlord, perms=OWNER_PERMS, obj=site)
    return site


@transaction.atomic
def site_update(*, actor: User, site: HousingSite, data: dict) -> HousingSite:
    fields = []
    for name, value in data.items():
        if getattr(site, name) != value:
            setattr(site, name, value)
            fields.append(name)
    if fields:
        site.full_clean()
        site.save(update_fields=[*fields, "updated_at"])
    return site
