"""Stored assessment results, context data and municipal risk inputs, each row tied to the import that wrote it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.schools.models import Municipality, Region, School


class Procedure(models.TextChoices):
    VPR = "vpr", "ВПР"
    OGE = "oge", "ОГЭ"
    EGE = "ege", "ЕГЭ"
    KDR = "kdr", "КДР"


class ImportBatch(models.Model):
    """One uploaded file: validated as a whole, then written at once or not at all."""

    class Kind(models.TextChoices):
        RESULTS = "results", "Результаты оценочных процедур (по школам)"
        STUDENTS = "students", "Результаты обучающихся (обезличенные)"
        CONTEXT = "context", "Контекстные данные (КИАСУО)"
        RISK = "risk", "Муниципальные факторы риска"
        REFERENCE = "reference", "Региональный набор для модели"
        OFFICIAL = "official", "Официальный список (ФИОКО/ЦОКО)"

    class Status(models.TextChoices):
        REJECTED = "rejected", "Отклонён (есть ошибки)"
        IMPORTED = "imported", "Загружен"
        ABANDONED = "abandoned", "Отменён до загрузки"

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="import_batches",
        verbose_name="муниципалитет",
        null=True,
        blank=True,
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        related_name="import_batches",
        verbose_name="регион (загрузка по региону)",
        null=True,
        blank=True,
    )
    kind = models.CharField("вид данных", max_length=20, choices=Kind.choices)
    filename = models.CharField("файл", max_length=255)
    sha256 = models.CharField("контрольная сумма", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="загрузил",
    )
    uploaded_at = models.DateTimeField("когда", auto_now_add=True)
    status = models.CharField("статус", max_length=10, choices=Status.choices)
    years = models.JSONField("годы", default=list)
    rows = models.PositiveIntegerField("строк записано", default=0)
    replaced = models.PositiveIntegerField("строк заменено", default=0)
    errors = models.JSONField("ошибки", default=list, blank=True)
    warnings = models.JSONField("предупреждения", default=list, blank=True)
    layout = models.CharField("формат", max_length=40, blank=True)

    class Meta:
        verbose_name = "загрузка файла"
        verbose_name_plural = "загрузки файлов"
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.filename}"


class AssessmentResult(models.Model):
    """A school's aggregate result of one assessment (procedure × subject × grade × year); see opora.schema."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="results", verbose_name="школа")
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="results", verbose_name="загрузка"
    )
    procedure = models.CharField("процедура", max_length=10, choices=Procedure.choices)
    subject = models.CharField("предмет", max_length=20)
    grade = models.PositiveSmallIntegerField("класс участников")
    grade_program = models.PositiveSmallIntegerField("класс программы")
    year = models.PositiveSmallIntegerField("год")
    date = models.DateField("дата", null=True, blank=True)
    n = models.PositiveIntegerField("участников")
    n_2 = models.PositiveIntegerField("«2»", null=True, blank=True)
    n_3 = models.PositiveIntegerField("«3»", null=True, blank=True)
    n_4 = models.PositiveIntegerField("«4»", null=True, blank=True)
    n_5 = models.PositiveIntegerField("«5»", null=True, blank=True)
    n_insufficient = models.PositiveIntegerField("недостаточный уровень", null=True, blank=True)
    n_reduced = models.PositiveIntegerField("пониженный уровень", null=True, blank=True)
    n_basic = models.PositiveIntegerField("базовый уровень", null=True, blank=True)
    n_advanced = models.PositiveIntegerField("повышенный уровень", null=True, blank=True)
    n_below_min = models.PositiveIntegerField("не преодолели минимальный порог", null=True, blank=True)
    n_80_99 = models.PositiveIntegerField("80–99 баллов", null=True, blank=True)
    n_100 = models.PositiveIntegerField("100 баллов", null=True, blank=True)
    mean_pct = models.FloatField("средний % выполнения", null=True, blank=True)
    mean_score = models.FloatField("средний балл", null=True, blank=True)
    mean_mark = models.FloatField("средняя отметка", null=True, blank=True)

    class Meta:
        verbose_name = "результат оценочной процедуры"
        verbose_name_plural = "результаты оценочных процедур"
        constraints = [
            models.UniqueConstraint(
                fields=["school", "procedure", "subject", "grade", "year"], name="one_result_per_assessment"
            )
        ]
        indexes = [models.Index(fields=["year", "procedure"])]

    def __str__(self) -> str:
        return f"{self.school} {self.get_procedure_display()} {self.subject} {self.grade} кл. {self.year}"


class ContextValue(models.Model):
    """One context variable of a school in a year (long format: the variable list is configurable)."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="context_values", verbose_name="школа"
    )
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="context_values", verbose_name="загрузка"
    )
    year = models.PositiveSmallIntegerField("год")
    variable = models.CharField("показатель", max_length=60)
    value = models.FloatField("значение")

    class Meta:
        verbose_name = "контекстный показатель"
        verbose_name_plural = "контекстные показатели"
        constraints = [
            models.UniqueConstraint(fields=["school", "year", "variable"], name="one_context_value")
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.year} {self.variable}={self.value}"


class RiskInput(models.Model):
    """Municipal risk-factor inputs of a school in a year (SEED-B Прил. 2)."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="risk_inputs", verbose_name="школа"
    )
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="risk_inputs", verbose_name="загрузка"
    )
    year = models.PositiveSmallIntegerField("год")
    staff_vacancies = models.PositiveIntegerField("вакансии", null=True, blank=True)
    internet_mbps = models.FloatField("скорость Интернета, Мбит/с", null=True, blank=True)
    share_category_first_highest = models.FloatField(
        "доля педагогов с первой и высшей категорией, %", null=True, blank=True
    )
    share_trained_3y = models.FloatField("доля педагогов, прошедших ПК за 3 года, %", null=True, blank=True)
    equipment_complete = models.BooleanField("все предметы оснащены по ООП", null=True, blank=True)
    computers_sufficient = models.BooleanField(
        "достаточно компьютерной техники",
        null=True,
        blank=True,
        help_text="Фактор правила зоны риска приказа УО от 26.01.2023 № 41 (Прил. 2).",
    )

    class Meta:
        verbose_name = "факторы риска (входные данные)"
        verbose_name_plural = "факторы риска (входные данные)"
        constraints = [models.UniqueConstraint(fields=["school", "year"], name="one_risk_input")]

    def __str__(self) -> str:
        return f"{self.school} {self.year}"


class ReferenceDataset(models.Model):
    """A regional set of schools (results + context, pseudonymous codes) the model can be fitted on.

    A municipality has too few schools for a meaningful regression (13 in Минусинск); ЦОКО can provide the
    region's data, on which the model is fitted and then applied to the municipality (docs/methodology.md R9).
    """

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="reference_datasets",
        verbose_name="муниципалитет",
    )
    name = models.CharField("название", max_length=200)
    batch = models.OneToOneField(
        ImportBatch, on_delete=models.CASCADE, related_name="reference", verbose_name="загрузка"
    )
    results_csv = models.BinaryField("результаты (канонический CSV)")
    context_csv = models.BinaryField("контекст (канонический CSV)")
    schools = models.PositiveIntegerField("школ")

    class Meta:
        verbose_name = "региональный набор данных"
        verbose_name_plural = "региональные наборы данных"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.name


class OfficialListEntry(models.Model):
    """A category an official list (ФИОКО, ЦОКО, приказ УО) gave a school in a year — shown beside ours."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="official_entries", verbose_name="муниципалитет"
    )
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="official_entries", verbose_name="загрузка"
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="official_entries", verbose_name="школа"
    )
    year = models.PositiveSmallIntegerField("год")
    category = models.CharField("категория", max_length=30)
    source = models.CharField("источник", max_length=200, blank=True)

    class Meta:
        verbose_name = "запись официального списка"
        verbose_name_plural = "официальный список"
        constraints = [
            models.UniqueConstraint(fields=["school", "year", "category"], name="one_official_entry")
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.year} {self.category}"


class ImportLock(models.Model):
    """One row per (municipality, data, year[, procedure]) slice: an import locks the rows of the slices it writes
    (``select_for_update``) so that two imports of the same slice run one after the other (issue #19, item 3)."""

    key = models.CharField("срез данных", max_length=120, unique=True)

    class Meta:
        verbose_name = "блокировка загрузки"
        verbose_name_plural = "блокировки загрузок"

    def __str__(self) -> str:
        return self.key


class PendingImport(models.Model):
    """An uploaded file waiting for the coordinator: names to reconcile, a mapping to mark or a replacement to
    confirm. Nothing of it is in the data until it is imported; abandoning it leaves only an «отменён» record."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name="регион")
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="муниципалитет",
    )
    kind = models.CharField("вид данных", max_length=20, choices=ImportBatch.Kind.choices)
    filename = models.CharField("файл", max_length=255)
    sha256 = models.CharField("контрольная сумма", max_length=64)
    data = models.BinaryField("содержимое файла")
    defaults = models.JSONField("значения из формы загрузки", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="загрузил",
    )
    created_at = models.DateTimeField("когда", auto_now_add=True)

    class Meta:
        verbose_name = "файл, ожидающий загрузки"
        verbose_name_plural = "файлы, ожидающие загрузки"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.filename


class SchoolAlias(models.Model):
    """A school's name as a report file writes it, confirmed by a coordinator: matched silently next time.

    ``key`` is the folded name (opora.readers.names.school_key); ``municipality`` is the municipality the file's
    row named, since «СОШ № 1» exists in many municipalities.
    """

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="school_aliases",
        verbose_name="муниципалитет в файле",
    )
    key = models.CharField("название (нормализованное)", max_length=400)
    text = models.CharField("название в файле", max_length=500)
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="aliases", verbose_name="школа")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="подтвердил",
    )
    created_at = models.DateTimeField("когда", auto_now_add=True)

    class Meta:
        verbose_name = "название школы в файлах"
        verbose_name_plural = "названия школ в файлах"
        constraints = [models.UniqueConstraint(fields=["municipality", "key"], name="one_school_alias")]

    def __str__(self) -> str:
        return f"{self.text} → {self.school}"


class MunicipalityAlias(models.Model):
    """A municipality as a report file writes it (often its education authority's name), confirmed once."""

    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="municipality_aliases", verbose_name="регион"
    )
    key = models.CharField("название (нормализованное)", max_length=400)
    text = models.CharField("название в файле", max_length=500)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="aliases", verbose_name="муниципалитет"
    )

    class Meta:
        verbose_name = "название муниципалитета в файлах"
        verbose_name_plural = "названия муниципалитетов в файлах"
        constraints = [models.UniqueConstraint(fields=["region", "key"], name="one_municipality_alias")]

    def __str__(self) -> str:
        return f"{self.text} → {self.municipality}"


class MappingPreset(models.Model):
    """A coordinator's mapping of a report layout the reader does not recognise: which header rows, which column
    is the school, the municipality, each subject block and each metric (opora.readers.layout.Layout). Applied
    automatically to a file whose header rows have the same ``signature``. A preset without a municipality belongs
    to the whole region (edited by the regional coordinator)."""

    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="mapping_presets", verbose_name="регион"
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mapping_presets",
        verbose_name="муниципалитет",
    )
    name = models.CharField("название", max_length=200)
    signature = models.CharField("отпечаток заголовка", max_length=64)
    mapping = models.JSONField("сопоставление")
    header = models.JSONField("строки заголовка (как в файле)", default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="автор",
    )
    updated_at = models.DateTimeField("изменён", auto_now=True)

    class Meta:
        verbose_name = "шаблон сопоставления"
        verbose_name_plural = "шаблоны сопоставления"
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name
