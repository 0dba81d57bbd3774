from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "portal.ops"
    label = "ops"
    verbose_name = "Эксплуатация"

    def ready(self) -> None:
        from portal.lib import collation  # noqa: F401  (registers the SQLite collation on new connections)
