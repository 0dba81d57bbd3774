from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group

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


# Access is managed by RoleAssignment; Django's groups are not used, so their (unaudited) admin is removed.
admin.site.unregister(Group)
