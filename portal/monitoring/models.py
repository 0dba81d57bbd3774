"""Monitoring of the program's indicators: catalogues loaded from YAML, periods, submissions and values.

An indicator has *slots*: one value per subitem that exists at a level, or one value for the indicator itself
(subitem ``""``). ``school_slots``/``municipal_slots`` list them; the school form, the municipal form, the
dashboard and the Excel template are all generated from these lists (README.md of this app).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from opora.indicator_catalogue import Bucket, BucketScheme, RecordRule, Target
from opora.indicator_types import levels_of_kind
from portal.schools.models import Municipality, School


class ValueType(models.TextChoices):
    BOOL_LINKS = "bool_links", "да/нет со ссылками на документы"
    BOOL = "bool", "да/нет"
    PCT = "pct", "процент"
    PCT_BUCKET = "pct_bucket", "процент (интервалы)"
    COUNT = "count", "число"
    STATUS3 = "status3", "три уровня"
    TEXT = "text", "текст"


class TargetGroup(models.TextChoices):
    SHNOR = "shnor", "ШНОР"
    AT_RISK = "at_risk", "школы зоны риска"
    PROGRAM = "program_schools", "ШНОР и школы зоны риска"
    ALL = "all_schools", "все школы муниципалитета"


DIRECTIONS = {
    1: "Нормативно-правовая база",
    2: "Идентификация",
    3: "Методическое сопровождение",
    4: "ИКТ-инфраструктура",
    5: "Координация",
    6: "Мониторинг и динамика результатов",
}

DERIVATION_LABELS = {
    "share_of_schools_yes": "доля целевых школ с ответом «да»",
    "share_of_teachers": "доля педагогов: сумма по школам",
    "share_of_students": "доля обучающихся: сумма по школам",
    "count_sum": "сумма по школам",
    "share_of_schools_with_positive_dynamics": "доля целевых школ с положительной динамикой",
    "share_of_schools_with_risk_factor": "доля школ с фактором риска (по данным о рисках школ)",
    "bucket_distribution": "распределение целевых школ по интервалам",
    "manual": "вводит координатор",
}


class IndicatorSet(models.Model):
    """A catalogue of indicators (an order's appendix, a program's target list), loaded from YAML."""

    code = models.SlugField("код", max_length=60, unique=True)
    title = models.TextField("название")
    source = models.TextField("документ-источник")
    source_file = models.CharField("файл источника", max_length=300, blank=True)
    buckets = models.JSONField("шкалы интервалов", default=dict, blank=True)
    blocks = models.JSONField("блоки", default=list, blank=True)
    yaml_text = models.TextField("YAML каталога")
    sha256 = models.CharField("контрольная сумма YAML", max_length=64)
    loaded_at = models.DateTimeField("загружен", auto_now=True)

    class Meta:
        verbose_name = "набор показателей"
        verbose_name_plural = "наборы показателей"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title[:120]

    def scheme(self, name: str | None) -> BucketScheme | None:
        """The core's bucket scheme ``name`` of this set (``None`` when not given)."""
        if not name or name not in self.buckets:
            return None
        spec = self.buckets[name]
        return BucketScheme(
            name,
            spec.get("label", name),
            tuple(
                Bucket(
                    b["code"],
                    b["label"],
                    b["lower"],
                    b["upper"],
                    b.get("lower_closed", True),
                    b.get("upper_closed", False),
                )
                for b in spec["buckets"]
            ),
        )


class Indicator(models.Model):
    indicator_set = models.ForeignKey(
        IndicatorSet, on_delete=models.CASCADE, related_name="indicators", verbose_name="набор"
    )
    code = models.CharField("номер", max_length=20)
    position = models.PositiveIntegerField("порядок", default=0)
    source_number = models.CharField("номер в источнике", max_length=20, blank=True)
    block = models.CharField("блок", max_length=60, blank=True)
    direction = models.PositiveSmallIntegerField("направление")
    municipal_wording = models.TextField("формулировка (муниципалитет)", blank=True)
    municipal_type = models.CharField(
        "тип (муниципалитет)", max_length=20, choices=ValueType.choices, blank=True
    )
    municipal_indicator_text = models.TextField("индикатор (муниципалитет)", blank=True)
    school_wording = models.TextField("формулировка (школа)", blank=True)
    school_type = models.CharField("тип (школа)", max_length=20, choices=ValueType.choices, blank=True)
    school_indicator_text = models.TextField("индикатор (школа)", blank=True)
    derivation = models.CharField("расчёт муниципального значения", max_length=60, blank=True)
    target_group = models.CharField("целевые школы", max_length=20, choices=TargetGroup.choices, blank=True)
    bucket_scheme = models.CharField("шкала (муниципалитет)", max_length=60, blank=True)
    school_bucket_scheme = models.CharField("шкала (школа)", max_length=60, blank=True)
    status_labels = models.JSONField("подписи трёх уровней", default=dict, blank=True)
    subitems = models.JSONField("подпункты", default=list, blank=True)
    targets = models.JSONField("целевые значения", default=list, blank=True)
    source_lines = models.JSONField("строки источника", default=list, blank=True)
    note = models.TextField("примечание", blank=True)
    #: level → {"from": [record sources], "mode": "decides" | "yes_only"} (opora.indicator_types.RecordRule)
    records = models.JSONField("записи, из которых выводится ответ", default=dict, blank=True)

    class Meta:
        verbose_name = "показатель"
        verbose_name_plural = "показатели"
        ordering = ["indicator_set", "position"]
        constraints = [
            models.UniqueConstraint(fields=["indicator_set", "code"], name="one_indicator_code_per_set")
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.short_wording}"

    @property
    def short_wording(self) -> str:
        text = self.municipal_wording or self.school_wording
        return text if len(text) <= 160 else text[:157].rstrip() + "…"

    def _slots(self, level: str) -> list[str]:
        if not (self.municipal_type if level == "municipal" else self.school_type):
            return []
        subs = [s["code"] for s in self.subitems if level in s.get("levels", ["municipal", "school"])]
        return subs or [""]

    @property
    def school_slots(self) -> list[str]:
        return self._slots("school")

    @property
    def municipal_slots(self) -> list[str]:
        return self._slots("municipal")

    def subitem_label(self, code: str) -> str:
        for s in self.subitems:
            if s["code"] == code:
                return str(s["label"])
        return ""

    def subitem_wording(self, code: str, level: str) -> str:
        for s in self.subitems:
            if s["code"] == code and s.get(f"{level}_wording"):
                return str(s[f"{level}_wording"])
        return self.school_wording if level == "school" else self.municipal_wording

    def targets_for(self, subitem: str, year: int) -> list[Target]:
        """The catalogue's targets of a slot for a year (Приложение 1 and the roadmap may both give one)."""
        return [
            Target(
                t["year"],
                t["op"],
                t["value"],
                t.get("unit"),
                t.get("source"),
                t.get("note"),
                t.get("base"),
                t.get("measure", "value"),
                t.get("document"),
            )
            for t in self.targets
            if (t["subitem"] or "") == subitem and t["year"] == year
        ]

    def target_for(self, subitem: str, year: int) -> Target | None:
        """The first target of the slot for the year (the catalogue lists Приложение 1 first)."""
        found = self.targets_for(subitem, year)
        return found[0] if found else None

    def _subitem(self, code: str) -> dict[str, Any]:
        return next((s for s in self.subitems if s["code"] == code), {})

    def record_rule(self, subitem: str, level: str) -> RecordRule | None:
        """Which records decide the slot's value at ``level``: the subitem's rule, else the indicator's."""
        spec = (self._subitem(subitem).get("records") or {}).get(level) if subitem else None
        spec = spec or (self.records or {}).get(level)
        if not spec:
            return None
        return RecordRule(tuple(spec["from"]), spec.get("mode", "decides"))

    def education_level(self, subitem: str) -> str | None:
        """The level of education a subitem belongs to (7.7: ООП НОО/ООО/СОО), or None."""
        return self._subitem(subitem).get("education_level") if subitem else None

    def applies_to(self, subitem: str, school_kind: str) -> bool:
        """Whether a school of this kind has the slot: an ООШ has no СОО, an evening school no НОО (7.7)."""
        level = self.education_level(subitem)
        return level is None or level in levels_of_kind(school_kind)

    @property
    def needs_links(self) -> bool:
        return self.school_type == ValueType.BOOL_LINKS

    @property
    def direction_label(self) -> str:
        return DIRECTIONS.get(self.direction, str(self.direction))

    @property
    def derivation_label(self) -> str:
        return DERIVATION_LABELS.get(self.derivation, self.derivation)


class MonitoringPeriod(models.Model):
    """A year of monitoring of one indicator set in one municipality: open → closed (locked)."""

    class Status(models.TextChoices):
        OPEN = "open", "Открыт"
        CLOSED = "closed", "Закрыт"

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="monitoring_periods",
        verbose_name="муниципалитет",
    )
    indicator_set = models.ForeignKey(
        IndicatorSet, on_delete=models.PROTECT, related_name="periods", verbose_name="набор показателей"
    )
    year = models.PositiveSmallIntegerField("год мониторинга")
    status = models.CharField("статус", max_length=10, choices=Status.choices, default=Status.OPEN)
    deadline = models.DateField("срок сдачи", null=True, blank=True)
    targets_source = models.CharField("откуда список целевых школ", max_length=300, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="открыл",
    )
    opened_at = models.DateTimeField("открыт", auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="закрыл",
    )
    closed_at = models.DateTimeField("закрыт", null=True, blank=True)
    #: Municipal values frozen when the period is closed (slot key → derived value as JSON): trends read them.
    frozen = models.JSONField("значения на момент закрытия", default=dict, blank=True)
    #: Bumped by every write to the period's values, forms or targets; keys the dashboard's cache.
    revision = models.PositiveIntegerField("версия данных", default=0, editable=False)

    class Meta:
        verbose_name = "период мониторинга"
        verbose_name_plural = "периоды мониторинга"
        ordering = ["-year", "indicator_set"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "indicator_set", "year"], name="one_period_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"Мониторинг {self.year} г. ({self.municipality})"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:period", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class TargetSchool(models.Model):
    """A school the program's indicators count in this period, and why (identification run or coordinator)."""

    class Source(models.TextChoices):
        IDENTIFICATION = "identification", "расчёт идентификации"
        MANUAL = "manual", "указано координатором"

    period = models.ForeignKey(
        MonitoringPeriod, on_delete=models.CASCADE, related_name="target_schools", verbose_name="период"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+", verbose_name="школа")
    is_shnor = models.BooleanField("ШНОР", default=False)
    is_at_risk = models.BooleanField("зона риска", default=False)
    source = models.CharField("источник", max_length=20, choices=Source.choices)
    source_note = models.CharField("основание", max_length=300, blank=True)

    class Meta:
        verbose_name = "целевая школа"
        verbose_name_plural = "целевые школы"
        constraints = [models.UniqueConstraint(fields=["period", "school"], name="one_target_row_per_school")]

    def __str__(self) -> str:
        return f"{self.school} ({self.period.year})"


class SchoolSubmission(models.Model):
    """A school's form for a period: draft → submitted → accepted, or returned with a comment."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Черновик"
        SUBMITTED = "submitted", "Отправлена"
        ACCEPTED = "accepted", "Принята"
        RETURNED = "returned", "Возвращена на доработку"

    period = models.ForeignKey(
        MonitoringPeriod, on_delete=models.CASCADE, related_name="submissions", verbose_name="период"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+", verbose_name="школа")
    status = models.CharField("статус", max_length=10, choices=Status.choices, default=Status.DRAFT)
    staff_total = models.PositiveIntegerField(
        "численность педагогических и руководящих работников",
        null=True,
        blank=True,
        help_text="Знаменатель всех долей педагогов: вводится один раз.",
    )
    students_total = models.PositiveIntegerField(
        "численность обучающихся", null=True, blank=True, help_text="Знаменатель всех долей обучающихся."
    )
    comment = models.TextField("комментарий проверяющего", blank=True)
    submitted_at = models.DateTimeField("отправлена", null=True, blank=True)
    reviewed_at = models.DateTimeField("проверена", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="проверил",
    )

    class Meta:
        verbose_name = "анкета школы"
        verbose_name_plural = "анкеты школ"
        ordering = ["period", "school__sort_key", "school__short_name"]
        constraints = [models.UniqueConstraint(fields=["period", "school"], name="one_submission_per_school")]

    def __str__(self) -> str:
        return f"{self.school}: мониторинг {self.period.year}"

    @property
    def counts(self) -> bool:
        """Whether the school's values enter municipal values (submitted or accepted)."""
        return self.status in (self.Status.SUBMITTED, self.Status.ACCEPTED)

    @property
    def editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class IndicatorValue(models.Model):
    """One value of one slot: a school's (``school`` set) or the municipality's (``school`` null)."""

    class Origin(models.TextChoices):
        FORM = "form", "форма"
        EXCEL = "excel", "загрузка Excel"
        RESULTS = "results", "рассчитано по результатам"
        RECORDS = "records", "из учёта педагогов"
        SYSTEM = "system", "из записей системы"
        DEMO = "demo", "демо-данные"

    period = models.ForeignKey(
        MonitoringPeriod, on_delete=models.CASCADE, related_name="values", verbose_name="период"
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="школа"
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values", verbose_name="показатель"
    )
    subitem = models.CharField("подпункт", max_length=60, blank=True)
    bool_value = models.BooleanField("да/нет", null=True, blank=True)
    number = models.FloatField("число или процент", null=True, blank=True)
    numerator = models.FloatField("число людей", null=True, blank=True)
    #: people the share is taken of, when the value comes from records (teachers in the staff records of the year);
    #: a typed share uses the form's staff or student total instead
    denominator = models.FloatField("из скольких (по учёту)", null=True, blank=True)
    status3 = models.CharField("уровень", max_length=10, blank=True)
    text = models.TextField("текст / обоснование", blank=True)
    links = models.JSONField("ссылки на документы", default=list, blank=True)
    origin = models.CharField("источник", max_length=10, choices=Origin.choices, default=Origin.FORM)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="изменил",
    )
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "значение показателя"
        verbose_name_plural = "значения показателей"
        constraints = [
            models.UniqueConstraint(
                fields=["period", "school", "indicator", "subitem"], name="one_school_value"
            ),
            models.UniqueConstraint(
                fields=["period", "indicator", "subitem"],
                condition=models.Q(school__isnull=True),
                name="one_municipal_value",
            ),
        ]
        indexes = [models.Index(fields=["period", "indicator"])]

    def __str__(self) -> str:
        """«3.5 (реестр ДПП КК ИПК (ЦНППМ)), ООШ № 1, 2024 г.»: the part of an indicator by its label, not its
        code (the audit log shows this text)."""
        where = self.school or "муниципалитет"
        part = (self.indicator.subitem_label(self.subitem) or self.subitem) if self.subitem else ""
        return f"{self.indicator.code}{f' ({part})' if part else ''}, {where}, {self.period.year} г."

    @property
    def municipality(self) -> Municipality:
        return self.period.municipality

    def as_payload(self) -> dict[str, Any]:
        payload = {
            "bool_value": self.bool_value,
            "number": self.number,
            "numerator": self.numerator,
            "status3": self.status3,
            "text": self.text,
            "links": list(self.links),
        }
        if self.denominator is not None:  # only values from records carry their own denominator
            payload["denominator"] = self.denominator
        return payload


class MunicipalTarget(models.Model):
    """A target the coordinator sets for a slot the founding documents give none for (one per slot and year).

    The catalogue's targets (Приложение 1, the roadmap) stay read-only; these add the others. ``base`` is the
    schools the target counts (``shnor``: ШНРО only; ``program_schools``: ШНРО and at risk; ``""``: the
    indicator's own group).
    """

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="monitoring_targets",
        verbose_name="муниципалитет",
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="municipal_targets", verbose_name="показатель"
    )
    subitem = models.CharField("подпункт", max_length=60, blank=True)
    year = models.PositiveSmallIntegerField("год")
    op = models.CharField("сравнение", max_length=2, default=">=")
    value = models.FloatField("значение", null=True, blank=True)
    bool_value = models.BooleanField("да/нет", null=True, blank=True)
    base = models.CharField("по каким школам", max_length=20, choices=TargetGroup.choices, blank=True)
    note = models.CharField("основание", max_length=500, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="изменил",
    )
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "цель, заданная координатором"
        verbose_name_plural = "цели, заданные координатором"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "indicator", "subitem", "year"], name="one_municipal_target_per_slot"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}{'/' + self.subitem if self.subitem else ''} {self.year}: {self.as_target().shown}"

    def as_target(self) -> Target:
        value: float | bool = self.bool_value if self.bool_value is not None else float(self.value or 0)
        return Target(
            self.year,
            "==" if isinstance(value, bool) else self.op,
            value,
            "%"
            if self.indicator.municipal_type in ("pct", "pct_bucket") and not isinstance(value, bool)
            else None,
            self.note or "установлено координатором",
            None,
            self.base or None,
            "value",
            "цель координатора",
        )
