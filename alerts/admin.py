"""Read-only admin of the fiches: status changes go through alerts.services only, never the admin."""

from django.contrib import admin

from .models import Alert, AlertEvent, OutboxEmail


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = AlertEvent
    fields = [
        "created_at",
        "kind",
        "author",
        "organisation",
        "internal_to",
        "from_status",
        "to_status",
        "message",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["reference", "status", "urgency", "category", "landlord", "routed_unit", "submitted_at"]
    list_filter = ["status", "urgency", "category", "department"]
    search_fields = ["reference", "site__name"]
    list_select_related = ["landlord", "routed_unit"]
    raw_id_fields = ["site", "building", "reporter", "linked_to", "duplicate_of", "convention"]
    inlines = [EventInline]


@admin.register(OutboxEmail)
class OutboxEmailAdmin(ReadOnlyAdmin):
    list_display = ["key", "subject", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["key", "subject"]
