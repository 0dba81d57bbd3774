"""Documents of the program's public page (направление 4: специализированная страница сайта УО и школ).

A :class:`PublicDocument` belongs to a municipality (the authority's page) and, optionally, to one of its schools
(the school's page). It is either an uploaded file (PDF/DOCX/XLSX/DOC/XLS, checked by ``portal.lib.uploads``) or a
link. Only ``published`` documents are ever shown or served without login; ``draft`` and ``withdrawn`` ones
answer 404 on every public URL. Who uploaded or published a document is stored for the audit log and the staff
pages, never shown publicly.
"""

from __future__ import annotations

import re
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.urls import reverse

from portal.schools.models import Municipality, School

#: Formats a public document may have (images are not documents of the program).
PUBLIC_EXTENSIONS: tuple[str, ...] = ("pdf", "docx", "xlsx", "doc", "xls")

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
}


class Section(models.TextChoices):
    """Sections of the specialised page, in the order of the seed's list (direction 4)."""

    PROGRAMS = "programs", "Программы"
    ROADMAPS = "roadmaps", "Дорожные карты"
    REPORTS = "reports", "Отчётные документы"
    REGULATIONS = "regulations", "Нормативные документы"
    EVENTS = "events", "Мероприятия"


SECTION_HINTS = {
    Section.PROGRAMS: "Муниципальная программа, школьные программы повышения качества образования (ШППКО).",
    Section.ROADMAPS: "Дорожные карты муниципалитета и школ.",
    Section.REPORTS: "Аналитические справки и отчёты, в том числе анализ мониторинга с адресными рекомендациями.",
    Section.REGULATIONS: "Приказы, положения и другие нормативные документы.",
    Section.EVENTS: "Планы и материалы мероприятий: семинары, методические десанты, конференции.",
}


class Status(models.TextChoices):
    DRAFT = "draft", "Черновик"
    PUBLISHED = "published", "Опубликован"
    WITHDRAWN = "withdrawn", "Снят с публикации"


def document_path(instance: PublicDocument, filename: str) -> str:
    """Stored under MEDIA_ROOT with a random name; the public file name is built from the title."""
    ext = PurePath(filename).suffix.lower()
    return f"public/{instance.municipality_id}/{uuid.uuid4().hex}{ext}"


class PublicDocumentQuerySet(models.QuerySet["PublicDocument"]):
    def published(self) -> PublicDocumentQuerySet:
        """Documents visible without login, newest document date first."""
        return self.filter(status=Status.PUBLISHED).order_by(
            models.F("document_date").desc(nulls_last=True), "-published_at", "-pk"
        )

    def of_authority(self, municipality: Municipality) -> PublicDocumentQuerySet:
        """The authority's own documents (not a school's)."""
        return self.filter(municipality=municipality, school__isnull=True)


class PublicDocument(models.Model):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="public_documents", verbose_name="муниципалитет"
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="public_documents",
        verbose_name="школа",
        help_text="Пусто — документ органа управления образованием.",
    )
    section = models.CharField("раздел", max_length=20, choices=Section.choices)
    title = models.CharField("название", max_length=300)
    description = models.TextField("описание", blank=True)
    document_date = models.DateField("дата документа", null=True, blank=True)
    file = models.FileField("файл", upload_to=document_path, blank=True, max_length=300)
    extension = models.CharField("формат", max_length=10, blank=True)
    original_name = models.CharField("имя загруженного файла", max_length=255, blank=True)
    size = models.PositiveIntegerField("размер, байт", null=True, blank=True)
    url = models.URLField("ссылка", max_length=1000, blank=True)
    key = models.CharField(
        "ключ генератора",
        max_length=200,
        blank=True,
        help_text="Задаёт программа, создавшая документ (например, отчёт): повторная генерация заменяет файл.",
    )
    status = models.CharField("статус", max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField("создан", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="создал",
    )
    updated_at = models.DateTimeField("изменён", auto_now=True)
    published_at = models.DateTimeField("опубликован", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="опубликовал",
    )

    objects = PublicDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = "документ публичной страницы"
        verbose_name_plural = "документы публичной страницы"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["municipality", "status"], name="public_doc_municipality_status")]
        constraints = [
            models.CheckConstraint(
                condition=(~models.Q(file="") & models.Q(url="")) | (models.Q(file="") & ~models.Q(url="")),
                name="public_document_is_file_or_link",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """The staff page of the document."""
        return reverse("public:document", args=[self.pk])

    def public_url(self) -> str:
        """The stable public address: serves the file or redirects to the link (published only)."""
        return reverse("public:file", args=[self.municipality.code, self.pk])

    @property
    def is_file(self) -> bool:
        return bool(self.file)

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def owner_label(self) -> str:
        return str(self.school) if self.school_id else "орган управления образованием"

    @property
    def format_label(self) -> str:
        return self.extension.upper() if self.is_file else "ссылка"

    @property
    def download_name(self) -> str:
        """The file name a visitor gets: the title (Russian, as written) with the format's extension."""
        base = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", self.title)
        base = re.sub(r"\s+", " ", base).strip(" .") or "документ"
        return f"{base[:150].rstrip()}.{self.extension or 'bin'}"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES.get(self.extension, "application/octet-stream")
