from django.db import transaction
from django.utils.translation import gettext as _

from partnerships import routing
from partnerships.audit import audit_record
from partnerships.errors import ApplicationError
from partnerships.models import AuditAction, HousingSite, Organisation, User

from .permissions import grant

# What a landlord's managers may change on an estate (the edit page and the API's PATCH): never its
# landlord or reference, which the imports own.
SITE_EDITABLE_FIELDS = [
    "name",
    "rpls_programme",
    "address",
    "postal_code",
    "commune",
    "latitude",
    "longitude",
    "dwellings",
    "qpv_code",
    "zsp",
    "qrr",
    "entry_authorisation",
    "entry_authorisation_date",
    "video_transmission",
]

OWNER_PERMS = ("partnerships.view_housingsite", "partnerships.change_housingsite")


@transaction.atomic
def site_create(*, actor: User | None, landlord: Organisation, **fields) -> HousingSite:
    site = HousingSite(landlord=landlord, **fields)
    site.full_clean()
    site.save()
    grant(organisation=landlord, perms=OWNER_PERMS, obj=site)
    _audit(actor, AuditAction.CREATE, site, [])
    return site


@transaction.atomic
def site_update(*, actor: User | None, site: HousingSite, data: dict) -> HousingSite:
    fields = []
    for name, value in data.items():
        if getattr(site, name) != value:
            setattr(site, name, value)
            fields.append(name)
    if fields:
        site.full_clean()
        site.save(update_fields=[*fields, "updated_at"])
        _audit(actor, AuditAction.CHANGE, site, fields)
    return site


def site_set_force(*, actor: User | None, site: HousingSite, force: str) -> HousingSite:
    """Say which force is competent for an estate of a commune split between the police and the
    gendarmerie. New fiches are routed by it; those already waiting in the prefecture's queue stay there
    for manual routing (the core does not move fiches)."""
    if len(routing.current_units(site.commune_id)) < 2:
        raise ApplicationError(
            _("La commune de ce site n'est pas partagée entre police et gendarmerie."),
            code="commune_not_split",
        )
    return site_update(actor=actor, site=site, data={"force": force})


def _audit(actor: User | None, action: str, site: HousingSite, fields: list[str]) -> None:
    # An estate has no history page: the audit entry (which fields changed, never their values) is
    # its record, read by the prefecture of the estate's département.
    audit_record(
        request_or_actor=actor,
        action=action,
        obj=site,
        department_id=site.commune.department_id,
        detail={"event": "create" if action == AuditAction.CREATE else "update", "fields": fields},
    )
