from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "portal.staff"
    label = "staff"
    verbose_name = "Педагоги, поддержка школ, партнёрства"

    def ready(self) -> None:
        from portal.schools.demo import DEMO_EXTENSIONS
        from portal.staff.demo import load_staff_demo

        if load_staff_demo not in DEMO_EXTENSIONS:
            DEMO_EXTENSIONS.append(load_staff_demo)
