from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "portal.reports"
    label = "reports"
    verbose_name = "Аналитические отчёты и рекомендации"

    def ready(self) -> None:
        from portal.reports import jobs  # noqa: F401  (registers the «reports.render» job)
