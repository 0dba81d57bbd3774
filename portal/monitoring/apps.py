from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "portal.monitoring"
    label = "monitoring"
    verbose_name = "Мониторинг показателей программы"

    def ready(self) -> None:
        from portal.demo.registry import register
        from portal.monitoring.demo import load_monitoring_demo

        register("monitoring", load_monitoring_demo, order=40, everywhere=True)
