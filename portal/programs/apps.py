from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "portal.programs"
    label = "programs"
    verbose_name = "Рисковые профили и Конструктор ШППКО"

    def ready(self) -> None:
        from portal.demo.registry import register
        from portal.programs.demo import load_programs_demo

        register("programs", load_programs_demo, order=20)
