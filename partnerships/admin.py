from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import (
    Building,
    Commune,
    Department,
    HousingSite,
    IdentityMapping,
    Organisation,
    SecurityCorrespondent,
    TerritoryAssignment,
    User,
)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["insee_code", "name", "department", "population"]
    list_filter = ["department"]
    search_fields = ["insee_code", "name"]
    exclude = ["outline"]


class TerritoryInline(admin.TabularInline):
    model = TerritoryAssignment
    autocomplete_fields = ["commune"]
    extra = 0


class CorrespondentInline(admin.TabularInline):
    model = SecurityCorrespondent
    extra = 0
    exclude = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "department", "parent"]
    list_filter = ["kind", "department"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["communes"]
    inlines = [TerritoryInline, CorrespondentInline]

    def save_model(self, request, obj, form, change):
        from .services.permissions import organisation_group

        super().save_model(request, obj, form, change)
        organisation_group(obj)


class BuildingInline(admin.TabularInline):
    model = Building
    extra = 0


@admin.register(HousingSite)
class HousingSiteAdmin(admin.ModelAdmin):
    list_display = ["name", "reference", "landlord", "commune", "dwellings"]
    list_filter = ["landlord__department", "zsp", "qrr"]
    list_select_related = ["landlord", "commune"]
    search_fields = ["name", "reference"]
    autocomplete_fields = ["commune", "landlord"]
    inlines = [BuildingInline]

    def save_model(self, request, obj, form, change):
        # Through the services like every other write: the landlord's grants, the audit entry.
        from .services.sites import site_create, site_update

        data = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            site_update(actor=request.user, site=HousingSite.objects.get(pk=obj.pk), data=data)
            return
        data.pop("landlord", None)
        created = site_create(actor=request.user, landlord=obj.landlord, **data)
        # The admin goes on with `obj` (inlines, redirect): it becomes the created estate.
        obj.__dict__.update(created.__dict__)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "organisation", "role", "is_active"]
    list_filter = ["role", "organisation__kind", "is_active"]
    list_select_related = ["organisation"]
    search_fields = ["email", "first_name", "last_name"]
    autocomplete_fields = ["organisation"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name", "function", "phone")}),
        (_("Organisation"), {"fields": ("organisation", "role")}),
        (_("Droits"), {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "organisation", "role", "password1", "password2")}),
    )

    def save_model(self, request, obj, form, change):
        from .services.permissions import sync_membership

        super().save_model(request, obj, form, change)
        sync_membership(obj)


@admin.register(IdentityMapping)
class IdentityMappingAdmin(admin.ModelAdmin):
    list_display = ["value", "kind", "organisation", "role"]
    list_filter = ["kind", "organisation__kind", "organisation__department"]
    list_select_related = ["organisation"]
    search_fields = ["value", "organisation__name"]
    autocomplete_fields = ["organisation"]
