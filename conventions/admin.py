from django.contrib import admin

from .models import (
    ActionItem,
    Commitment,
    Convention,
    ConventionDocument,
    ConventionEvent,
    Meeting,
    PartnershipProblem,
    PartnershipProblemEvent,
    ReminderSent,
    Signatory,
)


class SignatoryInline(admin.TabularInline):
    model = Signatory
    extra = 0
    autocomplete_fields = ["organisation"]


class CommitmentInline(admin.TabularInline):
    model = Commitment
    extra = 0


@admin.register(Convention)
class ConventionAdmin(admin.ModelAdmin):
    list_display = ["title", "department", "status", "effective_from", "effective_until"]
    list_filter = ["department", "status"]
    search_fields = ["title"]
    inlines = [SignatoryInline, CommitmentInline]
    raw_id_fields = ["sites", "parent"]


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["convention", "kind", "date"]
    list_filter = ["kind"]
    inlines = [ActionItemInline]


@admin.register(PartnershipProblem)
class PartnershipProblemAdmin(admin.ModelAdmin):
    list_display = ["title", "department", "commune", "status", "opened_at"]
    list_filter = ["department", "status"]
    raw_id_fields = ["site", "commune", "alerts"]
    # Status changes go through conventions.problems.problem_transition.
    readonly_fields = ["status", "in_treatment_at", "resolved_at"]


admin.site.register(ConventionDocument)
admin.site.register(ConventionEvent)
admin.site.register(PartnershipProblemEvent)


@admin.register(ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin):
    """What the reminders told whom (conventions/reminders.py): read, never written by hand."""

    list_display = ["key", "recipient", "channel", "sent_at"]
    list_filter = ["channel"]
    search_fields = ["key", "recipient__email"]
    readonly_fields = ["key", "recipient", "channel", "sent_at"]

    def has_add_permission(self, request):
        return False
