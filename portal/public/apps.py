from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "portal.public"
    label = "public"
    verbose_name = "Публичная страница программы"

    def ready(self) -> None:
        from portal.public.demo import load_public_demo
        from portal.schools.demo import DEMO_EXTENSIONS

        if load_public_demo not in DEMO_EXTENSIONS:
            DEMO_EXTENSIONS.append(load_public_demo)
