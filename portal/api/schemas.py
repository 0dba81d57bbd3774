"""Request and response schemas of the API (pydantic via django-ninja): they are the OpenAPI schema."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

#: A cell of a JSON row: as in a CSV cell (booleans become «да»/«нет»).
Cell = str | int | float | bool | None


class ErrorItem(Schema):
    """One problem: the full Russian message and, when it names them, the file, sheet, row, column and reason."""

    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = Field(None, description="Строка файла (1 — заголовок)")
    column: str | None = None
    reason: str | None = None
    item: int | None = Field(None, description="Для JSON: номер элемента массива rows (с 0)")


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem] = []


class RowsIn(Schema):
    rows: list[dict[str, Cell]] = Field(
        ...,
        min_length=1,
        max_length=200_000,
        description="Строки в каноническом формате (docs/import-formats.md): ключи — имена столбцов",
    )
    replace: bool = Field(False, description="Заменить уже загруженные данные за эти годы")


class TeacherIn(Schema):
    name: str = Field(..., description="ФИО или псевдоним")
    subjects: str = ""
    category: str = Field("без категории", description="Как в шаблоне: без категории, первая, высшая…")
    is_leadership: bool = False
    hired_year: int | None = None


class CourseIn(Schema):
    teacher: str = Field(..., description="ФИО или псевдоним, как на листе «Педагоги» или в учёте школы")
    title: str
    hours: int
    registry: str = Field(..., description="Как в шаблоне (лист «Справка»)")
    year: int


class StaffIn(Schema):
    teachers: list[TeacherIn] = Field(default_factory=list, max_length=5000)
    courses: list[CourseIn] = Field(default_factory=list, max_length=20000)


class BatchOut(Schema):
    id: int
    kind: str
    status: str
    filename: str
    rows: int
    replaced: int
    years: list[int]
    warnings: list[str]


class StaffOut(Schema):
    teachers_created: int
    teachers_updated: int
    courses_created: int


class MunicipalityOut(Schema):
    code: str
    name: str
    authority_name: str
    region_code: str
    region_name: str

    @staticmethod
    def resolve_region_code(obj: Any) -> str:
        return str(obj.region.code)

    @staticmethod
    def resolve_region_name(obj: Any) -> str:
        return str(obj.region.name)


class SchoolOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str


class RunOut(Schema):
    id: int
    municipality: str
    year: int
    status: str
    status_label: str
    created_at: datetime
    published_at: datetime | None
    fit_description: str
    n_fit: int
    region_wide: bool

    @staticmethod
    def resolve_municipality(obj: Any) -> str:
        return obj["municipality"] if isinstance(obj, dict) else str(obj.municipality.code)

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return obj["status_label"] if isinstance(obj, dict) else str(obj.get_status_display())

    @staticmethod
    def resolve_region_wide(obj: Any) -> bool:
        return obj["region_wide"] if isinstance(obj, dict) else obj.region_run_id is not None


class CategoryOut(Schema):
    code: str
    label: str


class OutcomeOut(Schema):
    school_code: str
    school_name: str
    categories: list[CategoryOut]
    results_index: float | None
    context_index: float | None
    expected: float | None
    residual: float | None
    std_residual: float | None
    ci_low: float | None
    ci_high: float | None
    pi_low: float | None
    pi_high: float | None
    n_participants: int
    reasons: list[Any] = Field(..., description="Объяснение: правила, сработавшие для школы, с числами")
    risk_factors: list[Any]
    excluded_reason: str


class RunDetailOut(RunOut):
    model: dict[str, Any]
    outcomes: list[OutcomeOut]


class PeriodOut(Schema):
    id: int
    municipality: str
    year: int
    status: str
    indicator_set: str = Field(..., description="Код набора показателей (например, order_2023_41)")
    deadline: date | None

    @staticmethod
    def resolve_municipality(obj: Any) -> str:
        return str(obj.municipality.code)

    @staticmethod
    def resolve_indicator_set(obj: Any) -> str:
        return str(obj.indicator_set.code)


class MunicipalValueOut(Schema):
    indicator: str
    subitem: str
    label: str
    wording: str
    value: float | bool | None
    display: str
    target: str
    status: str
    status_label: str


class SchoolValueOut(Schema):
    indicator: str
    subitem: str
    bool_value: bool | None
    number: float | None
    numerator: float | None
    status3: str
    text: str
    links: list[str]
    origin: str


class DocumentOut(Schema):
    id: int
    title: str
    section: str
    section_label: str
    description: str
    document_date: date | None
    school_code: str | None
    format: str
    size: int | None
    published_at: datetime | None
    url: str = Field(..., description="Публичный адрес документа (скачивание или переход по ссылке)")

    @staticmethod
    def resolve_section_label(obj: Any) -> str:
        return str(obj.get_section_display())

    @staticmethod
    def resolve_school_code(obj: Any) -> str | None:
        return obj.school.code if obj.school_id else None

    @staticmethod
    def resolve_format(obj: Any) -> str:
        return str(obj.format_label)

    @staticmethod
    def resolve_url(obj: Any, context: Any) -> str:
        return str(context["request"].build_absolute_uri(obj.public_url()))
