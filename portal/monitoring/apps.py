from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "portal.monitoring"
    label = "monitoring"
    verbose_name = "Мониторинг показателей программы"

    def ready(self) -> None:
        from portal.monitoring.demo import load_monitoring_demo
        from portal.schools.demo import DEMO_EXTENSIONS

        if load_monitoring_demo not in DEMO_EXTENSIONS:
            DEMO_EXTENSIONS.append(load_monitoring_demo)
