"""Russian names, help and display of every identification parameter (docs/methodology.md).

One description per field of :class:`opora.config.IdentificationConfig`, used wherever a person reads the
parameters: the settings form of the portal, the «Параметры» sheet of the Excel exports and the command line's
workbook. A test checks that every configuration field is described here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Final

from opora.catalogue import RISK_FACTORS, context_label
from opora.config import IdentificationConfig

__all__ = ["GROUPS", "PARAMS", "STATISTIC_LABELS", "Param", "display", "params_table", "result_range_label"]

#: Fieldsets of the settings form, in order.
GROUPS: Final = {
    "results": "Индекс результатов",
    "context": "Индекс социального контекста",
    "regression": "Регрессия",
    "categories": "Пороги категорий",
    "stability": "Устойчивость по годам и снижение результатов",
    "risk": "Зона риска по факторам",
    "data": "Проверка данных",
}

STATISTIC_LABELS: Final = {
    "mean_pct": "средний % выполнения",
    "low_share": "доля низких результатов («2», недостаточный и пониженный уровни)",
    "high_share": "доля высоких результатов («4» и «5», повышенный уровень)",
    "mean_mark": "средняя отметка",
}
PROCEDURE_LABELS: Final = {"vpr": "ВПР", "oge": "ОГЭ", "ege": "ЕГЭ", "kdr": "КДР"}
CATEGORY_LABELS: Final = {
    "low_results": "ШНОР (низкие результаты)",
    "adverse_context": "ШНСУ (неблагоприятные условия)",
    "resilient": "резильентная школа",
    "above_expected": "результаты выше ожидаемых",
}
_RESULT_RANGE_LABELS: Final = {
    "mean_pct": "средний % выполнения",
    "ege.mean_score": "ЕГЭ: средний тестовый балл",
    "mean_mark": "средняя отметка",
    "mean_score": "средний балл",
}


@dataclass(frozen=True)
class Param:
    """One parameter: where it lives (``section.key``), its fieldset, Russian label, help and unit."""

    section: str
    key: str
    group: str
    label: str
    help: str = ""
    unit: str = ""
    choices: Mapping[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"{self.section}.{self.key}"


def _p(
    section: str, key: str, group: str, label: str, help: str = "", unit: str = "", **choices: str
) -> Param:
    return Param(section, key, group, label, help, unit, dict(choices))


PARAMS: Final[tuple[Param, ...]] = (
    _p(
        "results",
        "window_years",
        "results",
        "Окно лет индекса результатов",
        "Сколько последних лет результатов входит в индекс года. 4 — как в приказе УО от 26.01.2023 № 41 "
        "(«за 2019–2022 годы (в динамике)»); 1 — только год расчёта.",
    ),
    _p(
        "results",
        "statistics",
        "results",
        "Показатели результатов и их направление",
        "Какие показатели ячейки (процедура × предмет × класс × год) входят в индекс. «+» — больше значит "
        "лучше, «−» — больше значит хуже.",
    ),
    _p(
        "results",
        "procedures",
        "results",
        "Процедуры в индексе",
        "Ничего не отмечено — все процедуры, которые есть в данных.",
    ),
    _p(
        "results",
        "split_vpr_by_level",
        "results",
        "ВПР — три группы процедур по уровню (НОО, ООО, СОО)",
        "Группы процедур весят в индексе одинаково; ВПР начальной, основной и старшей школы — три группы, как в "
        "региональной методике.",
    ),
    _p(
        "results",
        "min_participants",
        "results",
        "Минимум участников в ячейке",
        "Ячейки с меньшим числом участников в индекс не входят (результат малой группы случаен).",
        "чел.",
    ),
    _p(
        "results",
        "min_components",
        "results",
        "Минимум групп процедур у школы",
        "Школа с меньшим числом групп "
        "процедур не получает индекса результатов и попадает в список исключённых.",
    ),
    _p(
        "results",
        "min_schools_per_cell",
        "results",
        "Минимум школ модели в ячейке",
        "Ячейка с меньшим числом школ модели не стандартизуется.",
    ),
    _p(
        "results",
        "lower_is_better",
        "results",
        "Процедуры, в которых меньшее значение лучше",
        "Обычно пусто: направление задают показатели. Нужно для столбцов широкой таблицы вроде «доля "
        "неуспевающих»; коды через запятую.",
    ),
    _p(
        "context",
        "variables",
        "context",
        "Переменные контекста и их направление",
        "У каждой переменной должно быть направление: «больше — неблагоприятнее» (доля малообеспеченных) или "
        "«больше — благоприятнее». У переменных справочника КИАСУО оно известно; у других его нужно указать, "
        "иначе расчёт не начнётся.",
    ),
    _p(
        "context",
        "method",
        "context",
        "Как объединять переменные",
        "",
        mean="среднее z-оценок",
        pca="первая главная компонента",
    ),
    _p(
        "context",
        "min_variables",
        "context",
        "Минимум переменных у школы",
        "Школа с меньшим числом известных переменных не получает индекса контекста.",
    ),
    _p("regression", "weighted", "regression", "Взвешивать школы по числу участников"),
    _p(
        "regression",
        "ci_level",
        "regression",
        "Уровень доверия интервалов",
        "Для доверительного интервала и интервала прогноза, например 0,95.",
    ),
    _p(
        "regression",
        "shrinkage",
        "regression",
        "Сжимать остатки малых школ (эмпирический Байес)",
        "Правила используют остаток, умноженный на λ = τ² / (τ² + σ²/n). Нужны числа участников у всех школ.",
    ),
    _p(
        "regression",
        "within_variance",
        "regression",
        "Внутришкольная дисперсия на участника (σ²)",
        "Пусто — оценивается по данным.",
    ),
    _p("regression", "min_schools", "regression", "Минимум школ в модели"),
    _p(
        "categories",
        "q_ctx",
        "categories",
        "ШНСУ: доля школ с самым низким индексом контекста",
        "0,25 — нижняя четверть школ модели.",
    ),
    _p(
        "categories",
        "q_res",
        "categories",
        "ШНОР: доля школ с самым низким индексом результатов",
        "0,25 — нижняя четверть школ модели.",
    ),
    _p(
        "categories",
        "low_results_k",
        "categories",
        "ШНОР по остатку: порог k",
        "Школа ниже ожидаемого, если остаток не выше −k.",
    ),
    _p(
        "categories",
        "low_results_rule",
        "categories",
        "Правило ШНОР",
        "",
        quantile_or_residual="низкий индекс ИЛИ остаток ниже ожидаемого",
        quantile_and_residual="низкий индекс И остаток ниже ожидаемого",
        quantile="только низкий индекс",
        residual="только остаток ниже ожидаемого",
    ),
    _p("categories", "resilient_min_residual", "categories", "Резильентная школа: остаток не ниже"),
    _p("categories", "above_expected_k", "categories", "Результаты выше ожидаемых: остаток не ниже +k"),
    _p(
        "categories",
        "residual_measure",
        "categories",
        "Какой остаток сравнивать с порогами",
        "",
        std_residual="стандартизованный",
        studentized_residual="стьюдентизированный",
    ),
    _p(
        "categories",
        "evaluation_years",
        "stability",
        "Сколько лет оценивать",
        "Год расчёта и предыдущие; для каждого года модель строится заново.",
    ),
    _p(
        "categories",
        "stability_years",
        "stability",
        "Устойчивость: в скольких годах правило должно выполниться",
    ),
    _p("categories", "stability_requires_current", "stability", "Правило должно выполниться и в год расчёта"),
    _p("categories", "stable_categories", "stability", "Категории, которым нужна устойчивость"),
    _p(
        "categories",
        "trend_drop",
        "stability",
        "Зона риска снижения результатов: падение индекса не меньше",
        "Падение индекса результатов по линии тренда за годы «в динамике» (окно лет). 0 — правило выключено.",
    ),
    _p("categories", "trend_min_years", "stability", "Минимум лет для тренда"),
    _p(
        "categories",
        "risk_factors",
        "risk",
        "Какие факторы риска учитываются",
        "По приказу УО от 26.01.2023 № 41 (Прил. 2): отсутствие устойчивого доступа в Интернет, недостаток "
        "компьютерной техники, дефицит педагогических кадров.",
    ),
    _p(
        "categories",
        "risk_min_factors",
        "risk",
        "Сколько факторов нужно для зоны риска",
        "По приказу — не менее двух.",
    ),
    _p("categories", "internet_min_mbps", "risk", "Низкий уровень Интернета: скорость менее", "", "Мбит/с"),
    _p("categories", "vacancies_max", "risk", "Дефицит кадров: вакансий больше"),
    _p(
        "categories",
        "categories_min_share",
        "risk",
        "Низкая доля педагогов с первой и высшей категорией: менее",
        "",
        "%",
    ),
    _p(
        "categories",
        "trained_min_share",
        "risk",
        "Низкая доля педагогов, прошедших ПК за 3 года: менее",
        "",
        "%",
    ),
    _p("categories", "equipment_required", "risk", "Учитывать оснащение предметов по ООП"),
    _p(
        "data",
        "result_ranges",
        "data",
        "Допустимые значения результатов",
        "Значение вне диапазона — не результат: заглушка 0 %, 5000 %, другая шкала. Проверяются ячейки, которые "
        "входят в индекс.",
    ),
    _p(
        "data",
        "context_ranges",
        "data",
        "Допустимые значения переменных контекста",
        "Пусто — по справочнику: доли от 0 до 100 %, «сельская школа» 0 или 1.",
    ),
    _p(
        "data",
        "out_of_range",
        "data",
        "Что делать со значениями вне диапазона",
        "",
        refuse="остановить расчёт и показать строки",
        exclude="исключить из расчёта и показать в списке исключений",
    ),
    _p(
        "data",
        "validity_column",
        "data",
        "Столбец достоверности в файлах результатов",
        "Строки со значением «нет» (false, 0) в этом столбце не учитываются и попадают в список исключений. "
        "Пусто — признака нет.",
    ),
    _p(
        "data",
        "context_text_values",
        "data",
        "Текстовые значения контекста",
        "Для столбца с текстом вместо чисел (например, «низкая», «средняя», «высокая» группа): какое число "
        "соответствует каждому тексту. Без этого такой столбец остановит расчёт.",
    ),
)

_BY_PATH: Final = {p.path: p for p in PARAMS}


def param(path: str) -> Param:
    return _BY_PATH[path]


def result_range_label(key: str) -> str:
    """«средний % выполнения», «ЕГЭ: средний тестовый балл», or «math: средний % выполнения» for a wide column."""
    if key in _RESULT_RANGE_LABELS:
        return _RESULT_RANGE_LABELS[key]
    if "." in key:
        proc, column = key.split(".", 1)
        return f"{PROCEDURE_LABELS.get(proc, proc)}: {_RESULT_RANGE_LABELS.get(column, column)}"
    return key


def _num(value: float) -> str:
    text = f"{value:g}" if abs(value) < 1e6 else f"{value:.6g}"
    return text.replace(".", ",").replace("-", "−")


def display(path: str, value: Any) -> str:
    """A parameter's value as a person reads it (Russian, decimal comma, labels instead of codes)."""
    p = _BY_PATH.get(path)
    if value is None:
        return "не задано (оценивается по данным)" if path == "regression.within_variance" else "не задано"
    if p is not None and p.choices and isinstance(value, str):
        return p.choices.get(value, value)
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, int | float):
        return _num(float(value)) + (f" {p.unit}" if p is not None and p.unit else "")
    key = path.split(".")[-1]
    if key == "statistics" and isinstance(value, Mapping):
        return "; ".join(f"{STATISTIC_LABELS.get(k, k)} ({'+' if v > 0 else '−'})" for k, v in value.items())
    if key == "variables" and isinstance(value, Mapping):
        return "; ".join(
            f"{context_label(k)} — больше {'благоприятнее' if v > 0 else 'неблагоприятнее'}"
            for k, v in value.items()
        )
    if key in ("result_ranges", "context_ranges") and isinstance(value, Mapping):
        if not value:
            return "по справочнику"
        label = result_range_label if key == "result_ranges" else context_label
        return "; ".join(f"{label(k)}: от {_num(lo)} до {_num(hi)}" for k, (lo, hi) in value.items())
    if key == "context_text_values" and isinstance(value, Mapping):
        if not value:
            return "нет"
        return "; ".join(
            f"{context_label(col)}: " + ", ".join(f"«{t}» = {_num(n)}" for t, n in mapping.items())
            for col, mapping in value.items()
        )
    if isinstance(value, list | tuple):
        if not value:
            return "все" if key == "procedures" else "нет"
        names = {
            **PROCEDURE_LABELS,
            **CATEGORY_LABELS,
            **{k: v[0].lower() + v[1:] for k, v in RISK_FACTORS.items()},
        }
        return "; ".join(names.get(str(v), str(v)) for v in value)
    if isinstance(value, str):
        return value or "не задано"
    return str(value)


def params_table(mapping: Mapping[str, Any] | None) -> list[list[str]]:
    """Rows «Раздел, Параметр, Значение, По умолчанию» for a configuration snapshot; a parameter missing from an
    old snapshot shows «нет в снимке»."""
    defaults = IdentificationConfig().to_mapping()
    snapshot = mapping or {}
    rows = []
    for p in PARAMS:
        section = snapshot.get(p.section, {}) if isinstance(snapshot, Mapping) else {}
        present = isinstance(section, Mapping) and p.key in section
        value = display(p.path, section[p.key]) if present else "нет в снимке"
        rows.append([GROUPS[p.group], p.label, value, display(p.path, defaults[p.section][p.key])])
    return rows


def _check_complete() -> None:  # pragma: no cover - a programming error shows at import in tests
    cfg = IdentificationConfig()
    for section in ("results", "context", "regression", "categories", "data"):
        for f in fields(getattr(cfg, section)):
            if f"{section}.{f.name}" not in _BY_PATH:
                raise RuntimeError(f"opora.params: нет описания параметра {section}.{f.name}")
