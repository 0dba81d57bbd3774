from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "portal.documents"
    label = "documents"
    verbose_name = "Документы программы"

    def ready(self) -> None:
        from portal.documents.demo import load_documents_demo
        from portal.schools.demo import DEMO_EXTENSIONS

        if load_documents_demo not in DEMO_EXTENSIONS:
            DEMO_EXTENSIONS.append(load_documents_demo)
