from django.apps import AppConfig


class IdentificationConfig(AppConfig):
    name = "portal.identification"
    label = "identification"
    verbose_name = "Идентификация школ"

    def ready(self) -> None:
        from portal.demo.registry import register
        from portal.identification import jobs  # noqa: F401  (registers the «identification.region» job)
        from portal.identification.demo import load_identification_demo

        register("identification", load_identification_demo, order=10)
