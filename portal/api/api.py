"""The integration API, version 1 (``/api/v1/``): token auth scoped to a municipality or a region, rate limits,
pushes of results / context / student results / risk factors / staff through the same importers as the Excel
upload, and reads of municipalities, identification runs, monitoring values and published documents.

The OpenAPI 3 schema is served at ``/api/v1/openapi.json`` (there is no Swagger page: it loads scripts from a CDN,
which the site's Content-Security-Policy forbids). Every answer, errors included, is JSON with Russian messages.
"""

import logging
import math
import re
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.urls import URLPattern, URLResolver
from ninja import File, Form, NinjaAPI, Path, Query, Router, Status
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer
from pydantic import Field

from portal.api import ratelimit, services
from portal.api.models import READ, WRITE, ApiToken
from portal.api.schemas import (
    BatchOut,
    DocumentOut,
    ErrorItem,
    ErrorOut,
    MunicipalityOut,
    MunicipalValueOut,
    OutcomeOut,
    PeriodOut,
    RowsIn,
    RunDetailOut,
    RunOut,
    SchoolOut,
    SchoolValueOut,
    StaffIn,
    StaffOut,
)
from portal.audit.services import record
from portal.identification.models import IdentificationRun, category_label
from portal.lib.uploads import data_import_problem
from portal.monitoring import derive
from portal.monitoring.models import MonitoringPeriod
from portal.public.models import PublicDocument
from portal.results import services as results_services
from portal.results.models import ImportBatch
from portal.schools.models import Municipality, School
from portal.staff import excel as staff_excel

logger = logging.getLogger(__name__)

NOT_FOUND = "Объект не найден или не входит в область действия токена."
JSON_ROWS_FILE = "api-rows.csv"
JSON_STAFF_FILE = "api-staff.xlsx"

# Path parameters: a municipality code is a slug; a school code is letters, digits, «.», «_», «-» (as in files).
MunicipalityCode = Annotated[
    str, Path(..., pattern=r"^[-a-zA-Z0-9_]{1,40}$", description="Код муниципалитета")
]
SchoolCode = Annotated[
    str, Path(..., pattern=r"^[A-Za-z0-9А-Яа-яЁё][-A-Za-z0-9А-Яа-яЁё_.]{0,39}$", description="Код ОО")
]
ObjectId = Annotated[int, Path(..., ge=1, le=2**63 - 1)]


class ImportProblems(Exception):
    """An import was refused: nothing was written; ``errors`` are the importer's Russian messages."""

    def __init__(self, errors: list[str], *, json_rows: bool) -> None:
        super().__init__("; ".join(errors[:3]))
        self.errors, self.json_rows = errors, json_rows


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; failed attempts from one address are limited (rate limit module)."""

    def __call__(self, request: HttpRequest) -> ApiToken | None:
        key = f"fail:{ratelimit.client_address(request)}"
        wait = ratelimit.blocked(key, ratelimit.write_limit())
        if wait is not None:
            raise Throttled(wait)
        token = super().__call__(request)
        if token is None:
            ratelimit.hit(key, ratelimit.write_limit())
        return token  # type: ignore[no-any-return]

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return services.authenticate(token)


class Pages(PageNumberPagination):
    """Page-number pagination with bounded parameters (a huge page number is a 422, not a database error)."""

    class Input(PageNumberPagination.Input):
        page: int = Field(1, ge=1, le=100_000)
        page_size: int | None = Field(None, ge=1, le=200)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(page_size=50, max_page_size=200, **kwargs)


class Renderer(JSONRenderer):
    """UTF-8 JSON: Russian messages are readable as they are, not as \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Опора API",
    version="1",
    description=(
        "API Опоры для региональных и муниципальных информационных систем: загрузка результатов, контекстных "
        "данных, результатов обучающихся, факторов риска и педагогов; чтение расчётов идентификации, показателей "
        "мониторинга и опубликованных документов. Доступ — по токену (`Authorization: Bearer <токен>`), "
        "выданному на муниципалитет или регион."
    ),
    docs_url=None,
    urls_namespace="api:api-v1",  # included under portal/api/urls.py (app_name "api")
    auth=TokenAuth(),
    throttle=ratelimit.TokenThrottle(),
    renderer=Renderer(),
)

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, **ERRORS, 413: ErrorOut}


# --- errors: always JSON, always Russian ------------------------------------------------------------------------


def _error(
    request: HttpRequest, status: int, detail: str, errors: list[ErrorItem] | None = None
) -> HttpResponse:
    body = {"detail": detail, "errors": [e.model_dump() for e in errors or []]}
    return api.create_response(request, body, status=status)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(
        request,
        401,
        "Нужен действующий токен: заголовок «Authorization: Bearer <токен>». "
        "Токен не передан, неизвестен, отозван или истёк.",
    )
    response["WWW-Authenticate"] = 'Bearer realm="opora"'
    return response


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    wait = max(1, math.ceil(exc.wait or 1))
    response = _error(request, 429, f"Слишком много запросов. Повторите через {wait} с.")
    response["Retry-After"] = str(wait)
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, NOT_FOUND)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:  # ninja's own: the body is not JSON (or not a form)
        return _error(
            request, 400, "Тело запроса не читается: ожидается JSON (или multipart/form-data для файла)."
        )
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, 413, "Тело запроса слишком велико: передайте данные файлом (multipart/form-data).")


_REASONS = {
    "missing": "обязательное значение не передано",
    "int_parsing": "ожидается целое число",
    "int_type": "ожидается целое число",
    "int_from_float": "ожидается целое число",
    "float_parsing": "ожидается число",
    "float_type": "ожидается число",
    "bool_parsing": "ожидается true или false",
    "bool_type": "ожидается true или false",
    "string_type": "ожидается строка",
    "list_type": "ожидается массив",
    "dict_type": "ожидается объект",
    "model_attributes_type": "ожидается объект",
    "json_invalid": "тело запроса — некорректный JSON",
    "string_pattern_mismatch": "недопустимые символы",
    "too_short": "слишком мало элементов",
    "too_long": "слишком много элементов или слишком длинная строка",
}


def _reason(error: dict[str, Any]) -> str:
    kind, ctx = str(error.get("type", "")), error.get("ctx") or {}
    if kind == "greater_than_equal":
        return f"значение должно быть не меньше {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"значение должно быть не больше {ctx.get('le')}"
    return _REASONS.get(kind, "недопустимое значение")


_WHERE = {
    "body": "тело запроса",
    "query": "параметр запроса",
    "path": "адрес",
    "form": "поле формы",
    "file": "файл",
}


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    items = []
    for error in exc.errors[:200]:
        loc = [str(part) for part in error.get("loc", ())]
        where = _WHERE.get(loc[0], loc[0]) if loc else "запрос"
        field = ".".join(loc[1:])
        reason = _reason(error)
        message = f"{where}{f', поле «{field}»' if field else ''}: {reason}."
        items.append(ErrorItem(message=message, column=field or None, reason=reason))
    return _error(request, 422, "Запрос не прошёл проверку: ничего не записано.", items)


# Messages of the importers: «Файл X[, лист «S»][, строка N][, столбец [B ]«C»]: причина».
_MESSAGE = re.compile(
    r"^Файл (?P<file>«[^»]*»|.+?)(?:, лист «(?P<sheet>[^»]*)»)?(?:, строка (?P<row>\d+))?"
    r"(?:, столбец (?:[A-Z]{1,3} )?«(?P<column>[^»]*)»)?: (?P<reason>.*)$",
    re.S,
)


def error_items(errors: list[str], *, json_rows: bool) -> list[ErrorItem]:
    """The importer's messages with the file, sheet, row and column they name split out."""
    items = []
    for message in errors:
        match = _MESSAGE.match(message)
        if match is None:
            items.append(ErrorItem(message=message, reason=message))
            continue
        row = int(match["row"]) if match["row"] else None
        items.append(
            ErrorItem(
                message=message,
                file=match["file"].strip("«»"),
                sheet=match["sheet"],
                row=row,
                column=match["column"],
                reason=match["reason"],
                item=row - 2 if json_rows and row is not None and row >= 2 else None,
            )
        )
    return items


@api.exception_handler(ImportProblems)
def _rejected(request: HttpRequest, exc: ImportProblems) -> HttpResponse:
    return _error(
        request,
        422,
        f"Данные не приняты: ошибок — {len(exc.errors)}. Ничего не записано; исправьте и отправьте снова.",
        error_items(exc.errors, json_rows=exc.json_rows),
    )


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API: unexpected error at %s %s", request.method, request.path)
    return _error(request, 500, "Внутренняя ошибка сервера. Ничего не записано; сообщите администратору.")


# --- scope --------------------------------------------------------------------------------------------------------


def _token(request: HttpRequest, permission: str) -> ApiToken:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    if not token.can(permission):
        what = "чтения" if permission == READ else "записи"
        raise HttpError(403, f"Токен «{token.name}» не даёт права {what}.")
    return token


def _municipality(token: ApiToken, code: str) -> Municipality:
    municipality = Municipality.objects.select_related("region").filter(code=code).first()
    if municipality is None or not services.covers(token, municipality):
        raise Http404(NOT_FOUND)
    return municipality


def _finite(value: Any) -> Any:
    """JSON-safe numbers: NaN and infinities become null (they are not JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


# --- write ----------------------------------------------------------------------------------------------------------

write = Router(tags=["Загрузка данных"])

KINDS = {
    "results": ImportBatch.Kind.RESULTS,
    "context": ImportBatch.Kind.CONTEXT,
    "students": ImportBatch.Kind.STUDENTS,
    "risk-factors": ImportBatch.Kind.RISK,
}


def _target(request: HttpRequest, code: str) -> tuple[ApiToken, Municipality]:
    """The writing token and the municipality it may write to (403 without «write», 404 outside its scope)."""
    token = _token(request, WRITE)
    return token, _municipality(token, code)


def _import(
    token: ApiToken,
    municipality: Municipality,
    kind: str,
    data: bytes,
    filename: str,
    *,
    replace: bool,
    json_rows: bool,
) -> Status[BatchOut]:
    problem = data_import_problem(data, filename)
    if problem:
        raise ImportProblems([problem], json_rows=json_rows)
    report = results_services.import_file(
        municipality, kind, data, filename=filename, by=token.created_by, replace=replace
    )
    batch = report.batch
    record(
        batch,
        "api.import",
        by=token.created_by,
        data={"token": token.prefix, "token_name": token.name, "kind": kind, "accepted": report.ok},
    )
    if not report.ok:
        raise ImportProblems(report.errors, json_rows=json_rows)
    return Status(
        201,
        BatchOut(
            id=batch.pk,
            kind=batch.kind,
            status=batch.status,
            filename=batch.filename,
            rows=batch.rows,
            replaced=batch.replaced,
            years=list(batch.years),
            warnings=list(batch.warnings),
        ),
    )


def _rows_endpoint(slug: str, kind: str, title: str) -> None:
    @write.post(
        f"/municipalities/{{code}}/{slug}",
        response={201: BatchOut, **WRITE_ERRORS},
        summary=f"{title}: строки JSON",
        operation_id=f"push_{slug.replace('-', '_')}_json",
        description=(
            "Строки в каноническом формате (ключи — имена столбцов, как в CSV-шаблоне). Проверка и запись — те же, "
            "что у загрузки файла: при любой ошибке ничего не записано (422), иначе всё записано одной транзакцией."
        ),
    )
    def push_rows(request: HttpRequest, code: MunicipalityCode, payload: RowsIn) -> Status[BatchOut]:
        token, municipality = _target(request, code)
        try:
            data = services.rows_to_csv(payload.rows)
        except Exception as exc:  # the csv module refuses some characters (NUL) in a cell
            raise ImportProblems(
                [f"Файл {JSON_ROWS_FILE}: строки не удалось записать как CSV."], json_rows=True
            ) from exc
        return _import(
            token, municipality, kind, data, JSON_ROWS_FILE, replace=payload.replace, json_rows=True
        )

    @write.post(
        f"/municipalities/{{code}}/{slug}/file",
        response={201: BatchOut, **WRITE_ERRORS},
        summary=f"{title}: файл CSV или XLSX",
        operation_id=f"push_{slug.replace('-', '_')}_file",
        description="Тот же файл, что загружается на странице «Данные» (multipart/form-data, поле file).",
    )
    def push_file(
        request: HttpRequest,
        code: MunicipalityCode,
        file: File[UploadedFile],
        replace: Form[bool] = False,
    ) -> Status[BatchOut]:
        token, municipality = _target(request, code)
        return _import(
            token, municipality, kind, file.read(), _filename(file.name), replace=replace, json_rows=False
        )


_rows_endpoint("results", ImportBatch.Kind.RESULTS, "Результаты оценочных процедур по школам")
_rows_endpoint("context", ImportBatch.Kind.CONTEXT, "Контекстные данные (КИАСУО)")
_rows_endpoint("students", ImportBatch.Kind.STUDENTS, "Результаты обучающихся (обезличенные)")
_rows_endpoint("risk-factors", ImportBatch.Kind.RISK, "Муниципальные факторы риска")


def _filename(name: str | None, default: str = "file") -> str:
    """The uploaded file's name without directories and control characters (it is stored and quoted)."""
    cleaned = re.sub(r"[\x00-\x1f\x7f]", "", (name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return cleaned[:200] or default


def _school(token: ApiToken, code: str, school_code: str) -> School:
    municipality = _municipality(token, code)
    school = School.objects.filter(municipality=municipality, code=school_code).first()
    if school is None:
        raise Http404(NOT_FOUND)
    return school


def _staff(
    token: ApiToken, school: School, content: bytes, filename: str, *, json_rows: bool
) -> Status[StaffOut]:
    try:  # the format, size and ZIP checks are the importer's own (data_import_problem)
        report = staff_excel.import_file(school, content, filename=filename, by=token.created_by)
    except staff_excel.ImportFailed as failed:
        raise ImportProblems(failed.errors, json_rows=json_rows) from failed
    record(
        school,
        "api.staff.import",
        by=token.created_by,
        data={"token": token.prefix, "token_name": token.name, "file": filename},
    )
    return Status(
        201,
        StaffOut(
            teachers_created=report.teachers_created,
            teachers_updated=report.teachers_updated,
            courses_created=report.courses_created,
        ),
    )


@write.post(
    "/municipalities/{code}/schools/{school_code}/staff",
    response={201: StaffOut, **WRITE_ERRORS},
    summary="Педагоги и курсы школы: JSON",
    description=(
        "Педагоги (существующий с тем же ФИО обновляется) и курсы; проверка — та же, что у загрузки Excel "
        "(лист «Педагоги» ↔ teachers, «Курсы» ↔ courses; item — номер элемента своего массива)."
    ),
)
def push_staff(
    request: HttpRequest, code: MunicipalityCode, school_code: SchoolCode, payload: StaffIn
) -> Status[StaffOut]:
    token = _token(request, WRITE)
    school = _school(token, code, school_code)
    try:
        content = services.staff_to_xlsx(
            [t.model_dump() for t in payload.teachers], [c.model_dump() for c in payload.courses]
        )
    except services.BadText as bad:
        raise ImportProblems([str(bad)], json_rows=True) from bad
    return _staff(token, school, content, JSON_STAFF_FILE, json_rows=True)


@write.post(
    "/municipalities/{code}/schools/{school_code}/staff/file",
    response={201: StaffOut, **WRITE_ERRORS},
    summary="Педагоги и курсы школы: файл XLSX по шаблону",
)
def push_staff_file(
    request: HttpRequest, code: MunicipalityCode, school_code: SchoolCode, file: File[UploadedFile]
) -> Status[StaffOut]:
    token = _token(request, WRITE)
    school = _school(token, code, school_code)
    return _staff(token, school, file.read(), _filename(file.name, "file.xlsx"), json_rows=False)


# --- read -----------------------------------------------------------------------------------------------------------

read = Router(tags=["Чтение"])


@read.get("/municipalities", response={200: list[MunicipalityOut], **ERRORS}, summary="Муниципалитеты токена")
@paginate(Pages)
def municipalities(request: HttpRequest) -> Any:
    token = _token(request, READ)
    return services.municipalities_of(token).select_related("region").order_by("name", "pk")


@read.get(
    "/municipalities/{code}/schools",
    response={200: list[SchoolOut], **ERRORS},
    summary="Школы муниципалитета",
)
@paginate(Pages)
def schools(request: HttpRequest, code: MunicipalityCode) -> Any:
    municipality = _municipality(_token(request, READ), code)
    return School.objects.filter(municipality=municipality).order_by("sort_key", "short_name", "pk")


@read.get(
    "/municipalities/{code}/identification-runs",
    response={200: list[RunOut], **ERRORS},
    summary="Расчёты идентификации муниципалитета",
)
@paginate(Pages)
def runs(request: HttpRequest, code: MunicipalityCode) -> Any:
    municipality = _municipality(_token(request, READ), code)
    return (
        IdentificationRun.objects.filter(municipality=municipality)
        .select_related("municipality")
        .order_by("-created_at", "-pk")
    )


@read.get(
    "/identification-runs/{run_id}",
    response={200: RunDetailOut, **ERRORS},
    summary="Расчёт идентификации: категории, индексы и объяснение по каждой школе",
)
def run_detail(request: HttpRequest, run_id: ObjectId) -> RunDetailOut:
    token = _token(request, READ)
    run = (
        IdentificationRun.objects.select_related("municipality")
        .filter(services.scope_filter(token), pk=run_id)
        .first()
    )
    if run is None:
        raise Http404(NOT_FOUND)
    outcomes = [
        OutcomeOut(
            school_code=o.school.code,
            school_name=o.school.short_name,
            categories=[{"code": c, "label": category_label(c)} for c in o.categories],  # type: ignore[misc]
            results_index=_finite(o.results_index),
            context_index=_finite(o.context_index),
            expected=_finite(o.expected),
            residual=_finite(o.residual),
            std_residual=_finite(o.std_residual),
            ci_low=_finite(o.ci_low),
            ci_high=_finite(o.ci_high),
            pi_low=_finite(o.pi_low),
            pi_high=_finite(o.pi_high),
            n_participants=o.n_participants,
            reasons=_finite(list(o.reasons or [])),
            risk_factors=_finite(list(o.risk_factors or [])),
            excluded_reason=o.excluded_reason,
        )
        for o in run.outcomes.select_related("school")
    ]
    return RunDetailOut(**_run_fields(run), model=_finite(dict(run.model or {})), outcomes=outcomes)


def _run_fields(run: IdentificationRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "municipality": run.municipality.code,
        "year": run.year,
        "status": run.status,
        "status_label": run.get_status_display(),
        "created_at": run.created_at,
        "published_at": run.published_at,
        "fit_description": run.fit_description,
        "n_fit": run.n_fit,
        "region_wide": run.region_run_id is not None,
    }


@read.get(
    "/municipalities/{code}/monitoring-periods",
    response={200: list[PeriodOut], **ERRORS},
    summary="Периоды мониторинга муниципалитета",
)
@paginate(Pages)
def periods(request: HttpRequest, code: MunicipalityCode) -> Any:
    municipality = _municipality(_token(request, READ), code)
    return (
        MonitoringPeriod.objects.filter(municipality=municipality)
        .select_related("municipality", "indicator_set")
        .order_by("-year", "pk")
    )


def _period(token: ApiToken, period_id: int) -> MonitoringPeriod:
    period = (
        MonitoringPeriod.objects.select_related("municipality", "indicator_set")
        .filter(services.scope_filter(token), pk=period_id)
        .first()
    )
    if period is None:
        raise Http404(NOT_FOUND)
    return period


@read.get(
    "/monitoring-periods/{period_id}/values",
    response={200: list[MunicipalValueOut], **ERRORS},
    summary="Муниципальные значения показателей периода (с целями и статусом)",
    description="Те же значения, что на дашборде мониторинга (производные значения из кэша под версией периода).",
)
def period_values(
    request: HttpRequest,
    period_id: ObjectId,
    category: str = Query("", pattern=r"^(|shnor|at_risk)$", description="«», «shnor» или «at_risk»"),
) -> list[MunicipalValueOut]:
    period = _period(_token(request, READ), period_id)
    rows, _summary = derive.cached_rows(period, category=category)
    return [
        MunicipalValueOut(
            indicator=r.indicator.code,
            subitem=r.subitem,
            label=r.label,
            wording=r.indicator.subitem_wording(r.subitem, "municipal"),
            value=_finite(r.value),
            display=r.display,
            target=r.target_display,
            status=r.status,
            status_label=r.status_label,
        )
        for r in rows
    ]


@read.get(
    "/monitoring-periods/{period_id}/schools/{school_code}/values",
    response={200: list[SchoolValueOut], **ERRORS},
    summary="Значения показателей школы в периоде",
)
def school_values(request: HttpRequest, period_id: ObjectId, school_code: SchoolCode) -> list[SchoolValueOut]:
    period = _period(_token(request, READ), period_id)
    school = School.objects.filter(municipality_id=period.municipality_id, code=school_code).first()
    if school is None:
        raise Http404(NOT_FOUND)
    codes = dict(period.indicator_set.indicators.values_list("pk", "code"))
    stored = derive.school_detail(period, school.pk)
    out = [
        SchoolValueOut(
            indicator=codes.get(v.indicator_id, str(v.indicator_id)),
            subitem=v.subitem,
            bool_value=bool(v.bool_value) if v.bool_value is not None else None,
            number=_finite(v.number),
            numerator=_finite(v.numerator),
            status3=v.status3 or "",
            text=v.text or "",
            links=[str(u) for u in v.links or []],
            origin=v.origin,
        )
        for v in stored.values()
    ]
    return sorted(out, key=lambda v: (v.indicator, v.subitem))


@read.get(
    "/municipalities/{code}/documents",
    response={200: list[DocumentOut], **ERRORS},
    summary="Опубликованные документы (органа управления и школ)",
    description="Только опубликованные: без черновиков и снятых с публикации; url — публичный адрес.",
)
@paginate(Pages)
def documents(request: HttpRequest, code: MunicipalityCode) -> Any:
    municipality = _municipality(_token(request, READ), code)
    return (
        PublicDocument.objects.published()
        .filter(municipality=municipality)
        .select_related("municipality", "school")
    )


fallback = Router()


@fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False
)
def unknown(request: HttpRequest, rest: str) -> HttpResponse:
    """Any other address under /api/v1/: a JSON 404 (not the site's HTML page)."""
    return _error(request, 404, "Такого адреса в API нет. Схема: /api/v1/openapi.json.")


api.add_router("", write)
api.add_router("", read)
api.add_router("", fallback)  # last: it matches every address


def _json_not_allowed(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """ninja answers a wrong method with a plain-text 405; the API answers every error in JSON."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            json_response = _error(
                request, 405, f"Метод {request.method} здесь не поддерживается. Допустимы: {allowed}."
            )
            json_response["Allow"] = allowed
            return json_response
        return response

    return wrapper


def urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    """``api.urls`` with JSON answers to a wrong method."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _json_not_allowed(pattern.callback)
    return patterns, app_name, namespace
