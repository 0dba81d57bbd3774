from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "portal.audit"
    label = "audit"
    verbose_name = "Журнал изменений"

    def ready(self) -> None:
        from portal.audit import signals  # noqa: F401  (logins, logouts, failed logins, password changes)
