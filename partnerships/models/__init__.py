from .accounts import Invitation, LoginSession, token_digest
from .audit import AuditAction, AuditEntry
from .geography import Commune, Department
from .identity import IdentityMapping, IdentityMappingKind
from .imports import ImportRun, ImportStatus
from .organisations import Organisation, OrganisationKind, SecurityCorrespondent, TerritoryAssignment
from .sites import Building, HousingSite, HousingSiteGroupObjectPermission, HousingSiteUserObjectPermission
from .tokens import ApiToken, TokenScope
from .users import Role, Substitution, User

__all__ = [
    "ApiToken",
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
    "ImportRun",
    "ImportStatus",
    "Invitation",
    "LoginSession",
    "Organisation",
    "OrganisationKind",
    "Role",
    "SecurityCorrespondent",
    "Substitution",
    "TerritoryAssignment",
    "TokenScope",
    "User",
    "token_digest",
]
