from .geography import Commune, Department
from .organisations import Organisation, OrganisationKind, SecurityCorrespondent, TerritoryAssignment
from .sites import Building, HousingSite, HousingSiteGroupObjectPermission, HousingSiteUserObjectPermission
from .users import Role, Substitution, User

__all__ = [
    "Building",
    "Commune",
    "Department",
    "HousingSite",
    "HousingSiteGroupObjectPermission",
    "HousingSiteUserObjectPermission",
    "Organisation",
    "OrganisationKind",
    "Role",
    "SecurityCorrespondent",
    "Substitution",
    "TerritoryAssignment",
    "User",
]
