from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "portal.programs"
    label = "programs"
    verbose_name = "Рисковые профили и Конструктор ШППКО"

    def ready(self) -> None:
        from portal.programs.demo import load_programs_demo
        from portal.schools.demo import DEMO_EXTENSIONS

        if load_programs_demo not in DEMO_EXTENSIONS:
            DEMO_EXTENSIONS.append(load_programs_demo)
