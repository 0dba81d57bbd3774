from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "portal.results"
    label = "results"
    verbose_name = "Результаты и контекстные данные"
