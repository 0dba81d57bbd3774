from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "portal.staff"
    label = "staff"
    verbose_name = "Педагоги, поддержка школ, партнёрства"

    def ready(self) -> None:
        from portal.demo.registry import register
        from portal.staff.demo import load_staff_demo

        register("staff", load_staff_demo, order=50)
