from django.apps import AppConfig


class SyntheticConfig(AppConfig):
    name = "portal.synthetic"
    label = "synthetic"
    verbose_name = "Синтетический регион (бенчмарки и нагрузочные тесты)"
