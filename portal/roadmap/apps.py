from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "portal.roadmap"
    label = "roadmap"
    verbose_name = "Дорожные карты"

    def ready(self) -> None:
        from portal.roadmap.demo import load_roadmap_demo
        from portal.schools.demo import DEMO_EXTENSIONS

        if load_roadmap_demo not in DEMO_EXTENSIONS:
            DEMO_EXTENSIONS.append(load_roadmap_demo)
