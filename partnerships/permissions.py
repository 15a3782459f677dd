"""Permission policies (after Wagtail's `permission_policies`): for each protected model one
policy answers both "may this user do ACTION on this object?" and "which objects may this user
do ACTION on?". Views and API views ask the policy, never check permissions themselves.

Lists are filtered on the organisation foreign keys (indexed, fast at a million rows); object
checks for organisation-owned objects go through django-guardian's direct-FK tables, whose grants
are written by `partnerships.services.permissions`. tests/partnerships/test_permissions.py proves
that both agree for every role.

Model level (Wagtail's `user_has_permission(user, action)`): may the user open the pages of an action
at all? Every page gate and the main menu ask it, so that organisation kinds are tested here (and in
scope.py) only."""

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from . import scope
from .models import (
    HousingSite,
    ImportRun,
    Organisation,
    OrganisationKind,
    Role,
    SecurityCorrespondent,
    Substitution,
    User,
)


class PagePolicy:
    """The model level alone: `page_permission` decides for active signed-in users, others may nothing."""

    def user_has_permission(self, user: User, action: str) -> bool:
        if not user.is_authenticated or not user.is_active:
            return False
        return self.page_permission(user, user.organisation, action)

    def page_permission(self, user: User, org, action: str) -> bool:
        """`org` is None for platform administrators (and organisation-less accounts)."""
        return False


class SignedInPolicy(PagePolicy):
    """Pages every signed-in user has: the home page, the directory of their partners' correspondents
    and their own notifications (each page reads through a selector scoped to the user)."""

    actions = ("home", "directory", "notifications")

    def page_permission(self, user: User, org, action: str) -> bool:
        return action in self.actions


signed_in_policy = SignedInPolicy()


class BasePolicy(PagePolicy):
    model: type[Model]
    actions: tuple[str, ...] | None = None  # None: any action name is asked of for_organisation

    def instances(self, user: User, action: str = "view") -> QuerySet:
        """Inactive, anonymous and organisation-less users get nothing; platform administrators
        everything; everyone else what `for_organisation` grants their organisation."""
        qs = self.model.objects.all()
        if not user.is_authenticated or not user.is_active:
            return qs.none()
        if self.actions is not None and action not in self.actions:
            return qs.none()
        if scope.is_platform_admin(user):
            return qs
        org = user.organisation
        if org is None:
            return qs.none()
        return self.for_organisation(user, org, action, qs)

    def for_organisation(self, user: User, org, action: str, qs: QuerySet) -> QuerySet:
        raise NotImplementedError

    def has_permission(self, user: User, action: str, obj: Model) -> bool:
        return self.instances(user, action).filter(pk=obj.pk).exists()

    def get_or_404(self, user: User, action: str = "view", queryset: QuerySet | None = None, **lookup):
        """The one lookup helper for objects named in a URL: missing and forbidden are both 404."""
        qs = self.instances(user, action)
        if queryset is not None:
            qs = queryset & qs
        try:
            return qs.get(**lookup)
        except (self.model.DoesNotExist, ValueError, TypeError):
            raise Http404 from None


class HousingSitePolicy(BasePolicy):
    """Pages: "list" (the estates one sees), "change" (edit one's own estates), "set_force" (the
    prefecture's managers say which force is competent for an estate of a split commune)."""

    model = HousingSite

    def page_permission(self, user: User, org, action: str) -> bool:
        if action == "list":
            return scope.is_platform_admin(user) or (
                org is not None and (org.is_landlord or org.is_force or org.is_prefecture)
            )
        if action == "change":
            return org is not None and org.is_landlord and user.is_manager
        if action == "set_force":
            return scope.is_platform_admin(user) or (
                org is not None and org.is_prefecture and user.is_manager
            )
        return False

    def for_organisation(self, user: User, org, action: str, qs: QuerySet) -> QuerySet:
        if action == "view":
            if org.is_landlord:
                return qs.filter(landlord_id=org.id)
            if org.is_force:
                return qs.filter(scope.territory_commune_q(scope.unit_ids(user)))
            if org.is_prefecture:
                return qs.filter(commune__department_id=org.department_id)
            return qs.none()
        if action == "change":
            if org.is_landlord and user.is_manager:
                return qs.filter(landlord_id=org.id)
            return qs.none()
        if action == "set_force" and org.is_prefecture and user.is_manager:
            return qs.filter(commune__department_id=org.department_id)
        return qs.none()

    def has_permission(self, user: User, action: str, obj: HousingSite) -> bool:
        if user.is_authenticated and user.organisation_id == obj.landlord_id:
            # Owner side: the guardian grant of the landlord's group decides.
            if action == "change" and not user.is_manager:
                return False
            return user.has_perm(f"partnerships.{action}_housingsite", obj)
        return super().has_permission(user, action, obj)


site_policy = HousingSitePolicy()


IMPORT_SITES = "sites"
IMPORT_TERRITORIES = "territories"


class ImportPolicy(PagePolicy):
    """Who may import what: "sites" (estates) and "territories" (force territories). Landlord managers
    import their own estates; prefecture managers the territories of their département and the
    estates of its landlords; platform administrators both, nationally. The import pages, forms,
    templates and commands ask this policy, never an organisation kind."""

    def page_permission(self, user: User, org, action: str) -> bool:
        return action in self.actions(user)

    def actions(self, user: User) -> tuple[str, ...]:
        if scope.is_platform_admin(user):
            return (IMPORT_SITES, IMPORT_TERRITORIES)
        if not user.is_authenticated or user.organisation is None or not user.is_manager:
            return ()
        if scope.is_prefecture(user):
            return (IMPORT_SITES, IMPORT_TERRITORIES)
        if scope.is_landlord(user):
            return (IMPORT_SITES,)
        return ()

    def check(self, user: User, action: str) -> None:
        if not self.user_has_permission(user, action):
            raise Http404

    def landlords(self, user: User) -> QuerySet:
        """Landlords whose estates the user may import."""
        qs = Organisation.objects.filter(kind=OrganisationKind.LANDLORD).order_by("name")
        if scope.is_platform_admin(user):
            return qs
        if scope.is_prefecture(user):
            return qs.filter(department_id=user.organisation.department_id)
        if scope.is_landlord(user):
            return qs.filter(pk=user.organisation_id)
        return qs.none()

    def chooses_landlord(self, user: User) -> bool:
        """A landlord imports its own stock; the others pick the landlord."""
        return not scope.is_landlord(user)

    def territory_departments(self, user: User) -> list[str] | None:
        """Départements whose territories the user may import (None: all, for platform administrators)."""
        return None if scope.is_platform_admin(user) else [user.organisation.department_id]


import_policy = ImportPolicy()


class ImportRunPolicy(BasePolicy):
    """An import run (its progress, its result, its commit) belongs to its author and to the managers of
    the author's organisation; anyone else gets 404. "commit" also needs the right to import that kind."""

    model = ImportRun
    actions = ("view", "commit")

    def for_organisation(self, user: User, org, action: str, qs: QuerySet) -> QuerySet:
        mine = Q(created_by_id=user.pk)
        if user.is_manager:
            mine |= Q(organisation_id=org.id)
        qs = qs.filter(mine)
        if action == "commit":
            qs = qs.filter(kind__in=import_policy.actions(user))
        return qs


import_run_policy = ImportRunPolicy()


def home_panel(user: User) -> str:
    """Which home page the user gets: the estates of a landlord, the territory of a force unit, the
    département of a prefecture, the communes of a mayor, the conventions of the parquet, the
    platform's administration, or the partner page of any other signatory."""
    if scope.is_platform_admin(user):
        return "platform"
    org = user.organisation
    if org is None:
        return "partner"
    if org.is_landlord:
        return "landlord"
    if org.is_force:
        return "force"
    if org.is_prefecture:
        return "prefecture"
    if org.kind == OrganisationKind.MUNICIPALITY:
        return "municipality"
    if org.kind == OrganisationKind.PARQUET:
        return "parquet"
    return "partner"


class OrganisationMemberPolicy(BasePolicy):
    """An organisation's admin manages its accounts (invite, deactivate, roles): "manage" gives the
    members of its own organisation. Creating organisations is the platform admin's alone."""

    model = User
    actions = ("manage",)

    def for_organisation(self, user: User, org, action: str, qs: QuerySet) -> QuerySet:
        if user.role == Role.ADMIN:
            return qs.filter(organisation_id=org.id)
        return qs.none()

    def page_permission(self, user: User, org, action: str) -> bool:
        """ "manage": the console's pages, an organisation's admin's; "create_organisation": the
        platform admin's."""
        if action == "create_organisation":
            return scope.is_platform_admin(user)
        return action == "manage" and org is not None and user.role == Role.ADMIN


class CorrespondentPolicy(BasePolicy):
    """Each organisation's admin edits its own entries of the directory; reading is the directory
    selector's (partner organisations)."""

    model = SecurityCorrespondent
    actions = ("change",)

    def for_organisation(self, user: User, org, action: str, qs: QuerySet) -> QuerySet:
        if user.role == Role.ADMIN:
            return qs.filter(organisation_id=org.id)
        return qs.none()

    def page_permission(self, user: User, org, action: str) -> bool:
        return action == "change" and org is not None and user.role == Role.ADMIN


class SubstitutionPolicy(BasePolicy):
    """A manager declares their own absences; the organisation's admin sees and cancels those of its
    members."""

    model = Substitution
    actions = ("change",)

    def for_organisation(self, user: User, org, action: str, qs: QuerySet) -> QuerySet:
        if user.role == Role.ADMIN:
            return qs.filter(user__organisation_id=org.id)
        if user.is_manager:
            return qs.filter(user_id=user.id)
        return qs.none()

    def page_permission(self, user: User, org, action: str) -> bool:
        return action == "declare" and org is not None and user.is_manager


class DepartmentManagersPolicy(BasePolicy):
    """Objects of a département for its prefecture's managers, all of them for platform administrators
    (the audit trail, where landlords operate). `department_lookup` names the objects' département."""

    department_lookup = "department_id"

    def for_organisation(self, user: User, org, action: str, qs: QuerySet) -> QuerySet:
        if org.is_prefecture and user.is_manager:
            return qs.filter(**{self.department_lookup: org.department_id})
        return qs.none()

    def page_permission(self, user: User, org, action: str) -> bool:
        return action in self.actions and (
            scope.is_platform_admin(user) or (org is not None and org.is_prefecture and user.is_manager)
        )


class OrganisationPolicy(DepartmentManagersPolicy):
    """ "set_departments": which départements a landlord operates in (its estates lie there), set for
    the landlords of a département by its prefecture's managers."""

    model = Organisation
    actions = ("set_departments",)

    def instances(self, user: User, action: str = "set_departments") -> QuerySet:
        return super().instances(user, action).filter(kind=OrganisationKind.LANDLORD)


organisation_policy = OrganisationPolicy()
member_policy = OrganisationMemberPolicy()
correspondent_policy = CorrespondentPolicy()
substitution_policy = SubstitutionPolicy()
