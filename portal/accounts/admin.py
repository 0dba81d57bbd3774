from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from portal.accounts.models import RoleAssignment, User
from portal.audit.admin import AuditedModelAdmin


class RoleAssignmentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["school"]


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):  # type: ignore[misc]
    inlines = [RoleAssignmentInline]
    list_display = ["username", "first_name", "last_name", "is_active", "is_staff"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedModelAdmin):
    list_display = ["user", "role", "region", "municipality", "school"]
    list_filter = ["role"]
    autocomplete_fields = ["user", "school"]
