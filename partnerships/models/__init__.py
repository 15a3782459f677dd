from .accounts import Invitation, LoginSession, token_digest
from .audit import AuditAction, AuditEntry
from .geography import Commune, Department
from .identity import IdentityMapping, IdentityMappingKind
from .organisations import Organisation, OrganisationKind, SecurityCorrespondent, TerritoryAssignment
from .sites import Building, HousingSite, HousingSiteGroupObjectPermission, HousingSiteUserObjectPermission
from .users import Role, Substitution, User

__all__ = [
    "AuditAction",
    "AuditEntry",
    "Building",
    "Commune",
    "Department",
    "HousingSite",
    "HousingSiteGroupObjectPermission",
    "HousingSiteUserObjectPermission",
    "IdentityMapping",
    "IdentityMappingKind",
    "Invitation",
    "LoginSession",
    "Organisation",
    "OrganisationKind",
    "Role",
    "SecurityCorrespondent",
    "Substitution",
    "TerritoryAssignment",
    "User",
    "token_digest",
]
