from django.apps import AppConfig


class OverviewConfig(AppConfig):
    """The pages that bring the apps together: region, municipality and school dashboards (no models)."""

    name = "portal.overview"
    label = "overview"
    verbose_name = "Обзорные страницы"
