from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "portal.documents"
    label = "documents"
    verbose_name = "Документы программы"

    def ready(self) -> None:
        from portal.demo.registry import register
        from portal.documents.demo import load_documents_demo

        # Before the monitoring loader: the seeds' documents decide answers of the demo periods (issue #18).
        register("documents", load_documents_demo, order=35)
