"""The school registry: region → municipality → school, and academic years."""

from __future__ import annotations

import datetime

from django.db import models
from django.urls import reverse

from opora.indicator_types import levels_of_kind
from portal.lib.collation import ordered_by_name


class Region(models.Model):
    code = models.SlugField("код", max_length=40, unique=True)
    name = models.CharField("название", max_length=200)
    is_demo = models.BooleanField("демонстрационные данные", default=False)

    class Meta:
        verbose_name = "регион"
        verbose_name_plural = "регионы"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="municipalities", verbose_name="регион"
    )
    code = models.SlugField("код", max_length=40, unique=True)
    name = models.CharField("название", max_length=200)
    authority_name = models.CharField(
        "орган управления образованием",
        max_length=300,
        blank=True,
        help_text="Например: «Управление образования администрации г. Минусинска».",
    )
    is_demo = models.BooleanField(
        "демонстрационные данные", default=False, help_text="Синтетические данные для знакомства с системой."
    )

    class Meta:
        verbose_name = "муниципалитет"
        verbose_name_plural = "муниципалитеты"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("schools:municipality", args=[self.pk])


class SchoolQuerySet(models.QuerySet["School"]):
    def in_municipality(self, municipality: Municipality) -> SchoolQuerySet:
        """Schools of one municipality, in registry order: the manual order, then the name in Russian order."""
        return ordered_by_name(self.filter(municipality=municipality), "short_name", first=("sort_key",))


class School(models.Model):
    class Kind(models.TextChoices):
        SOSH = "sosh", "СОШ"
        OOSH = "oosh", "ООШ"
        EVENING = "evening", "О(С)ОШ"
        GYMNASIUM = "gymnasium", "Гимназия"
        LYCEUM = "lyceum", "Лицей"
        OTHER = "other", "Другое"

    class Locality(models.TextChoices):
        URBAN = "urban", "Городская"
        RURAL = "rural", "Сельская"

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="schools", verbose_name="муниципалитет"
    )
    code = models.CharField(
        "код ОО",
        max_length=40,
        unique=True,
        help_text="Код, которым школа обозначена в файлах результатов и контекстных данных.",
    )
    name = models.CharField("полное наименование", max_length=400)
    short_name = models.CharField("краткое наименование", max_length=100)
    kind = models.CharField("вид", max_length=20, choices=Kind.choices)
    address = models.CharField("адрес", max_length=300, blank=True)
    site_url = models.URLField("сайт", blank=True)
    locality = models.CharField("местность", max_length=10, choices=Locality.choices, default=Locality.URBAN)
    students = models.PositiveIntegerField("число обучающихся", null=True, blank=True)
    sort_key = models.PositiveIntegerField(
        "порядок в списке",
        default=0,
        help_text="Школы сортируются по этому числу, затем по краткому наименованию.",
    )

    objects = SchoolQuerySet.as_manager()

    class Meta:
        verbose_name = "школа"
        verbose_name_plural = "школы"
        ordering = ["municipality", "sort_key", "short_name"]

    def __str__(self) -> str:
        return self.short_name

    def get_absolute_url(self) -> str:
        return reverse("schools:school", args=[self.pk])

    @property
    def education_levels(self) -> tuple[str, ...]:
        """The levels of general education («noo», «ooo», «soo») the school teaches, by its kind: a form never asks
        an ООШ about СОО; an evening school teaches ООО and СОО (the core's table, ``levels_of_kind``)."""
        return levels_of_kind(self.kind)


class AcademicYear(models.Model):
    """A school year, 1 September – 31 August; ``start_year`` 2023 is «2023/2024»."""

    start_year = models.PositiveSmallIntegerField("год начала", unique=True)
    is_current = models.BooleanField("текущий", default=False)

    class Meta:
        verbose_name = "учебный год"
        verbose_name_plural = "учебные годы"
        ordering = ["-start_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=models.Q(is_current=True), name="one_current_academic_year"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.start_year}/{self.start_year + 1}"

    @property
    def starts(self) -> datetime.date:
        return datetime.date(self.start_year, 9, 1)

    @property
    def ends(self) -> datetime.date:
        return datetime.date(self.start_year + 1, 8, 31)
