from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "portal.roadmap"
    label = "roadmap"
    verbose_name = "Дорожные карты"

    def ready(self) -> None:
        from portal.demo.registry import register
        from portal.roadmap.demo import load_roadmap_demo

        # After the programs' loader (20): the approved ШППКО's roadmap gets demo statuses too.
        register("roadmap", load_roadmap_demo, order=25, everywhere=True)
