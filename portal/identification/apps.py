from django.apps import AppConfig


class IdentificationConfig(AppConfig):
    name = "portal.identification"
    label = "identification"
    verbose_name = "Идентификация школ"

    def ready(self) -> None:
        from portal.identification import jobs  # noqa: F401  (registers the «identification.region» job)
        from portal.identification.demo import load_identification_demo
        from portal.schools.demo import DEMO_EXTENSIONS

        if load_identification_demo not in DEMO_EXTENSIONS:
            DEMO_EXTENSIONS.append(load_identification_demo)
