from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "portal.public"
    label = "public"
    verbose_name = "Публичная страница программы"

    def ready(self) -> None:
        from portal.demo.registry import register
        from portal.public.demo import load_public_demo

        register("public", load_public_demo, order=30)
