"""Teachers and their professional development, support to schools, partnerships, the best-practices bank.

Personal data is minimal by design: a teacher is a name or a pseudonym, a school, subjects, a category and a
leadership-team flag — no birth dates, no contacts. Monitoring values are computed from these records
(opora.staff_indicators), never typed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from portal.schools.models import Municipality, School


class Category(models.TextChoices):
    NONE = "none", "без категории"
    FIRST = "first", "первая"
    HIGHEST = "highest", "высшая"


class Teacher(models.Model):
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="teachers", verbose_name="школа"
    )
    name = models.CharField("ФИО или псевдоним", max_length=150)
    subjects = models.CharField("предметы", max_length=300, blank=True)
    category = models.CharField(
        "квалификационная категория", max_length=10, choices=Category.choices, default=Category.NONE
    )
    is_leadership = models.BooleanField("в управленческой команде", default=False)
    hired_year = models.PositiveSmallIntegerField("работает с (год)", null=True, blank=True)
    left_year = models.PositiveSmallIntegerField(
        "работал по (год)", null=True, blank=True, help_text="Пусто — работает сейчас."
    )

    class Meta:
        verbose_name = "педагог"
        verbose_name_plural = "педагоги"
        ordering = ["school", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("staff:teacher", args=[self.pk])


class TeacherRecord(models.Model):
    """Common part of a teacher's records (each has ``teacher``): the school, for scope and audit."""

    teacher: models.ForeignKey[Teacher, Teacher]

    class Meta:
        abstract = True

    @property
    def school(self) -> School:
        return self.teacher.school


class Diagnostic(TeacherRecord):
    class Kind(models.TextChoices):
        DIAGNOSTIC = "diagnostic", "профессиональная диагностика"
        SELF = "self", "самодиагностика"

    teacher = models.ForeignKey(
        Teacher, on_delete=models.CASCADE, related_name="diagnostics", verbose_name="педагог"
    )
    date = models.DateField("дата")
    kind = models.CharField("вид", max_length=12, choices=Kind.choices, default=Kind.DIAGNOSTIC)
    result = models.CharField("результат", max_length=300, blank=True)
    deficits = models.TextField("выявленные дефициты", blank=True)

    class Meta:
        verbose_name = "диагностика"
        verbose_name_plural = "диагностики"
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d.%m.%Y}"


class DevelopmentRoute(TeacherRecord):
    """ИОМ (индивидуальный образовательный маршрут) of a teacher for a year."""

    teacher = models.ForeignKey(
        Teacher, on_delete=models.CASCADE, related_name="routes", verbose_name="педагог"
    )
    year = models.PositiveSmallIntegerField("год")
    formed_on = models.DateField("сформирован", null=True, blank=True)
    implemented = models.BooleanField("реализован", default=False)
    note = models.CharField("примечание", max_length=300, blank=True)

    class Meta:
        verbose_name = "ИОМ"
        verbose_name_plural = "ИОМ"
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["teacher", "year"], name="one_route_per_year")]

    def __str__(self) -> str:
        return f"ИОМ {self.year}" + (" (реализован)" if self.implemented else "")


class Course(TeacherRecord):
    class Registry(models.TextChoices):
        KK_IPK = "kk_ipk", "реестр ДПП КК ИПК (ЦНППМ)"
        COS_DPO_OWN = "cos_dpo_own", "ЦОС ДПО Академии Минпросвещения (свой регион)"
        COS_DPO_OTHER = "cos_dpo_other", "ЦОС ДПО Академии Минпросвещения (другие регионы)"
        OTHER = "other", "другое"

    teacher = models.ForeignKey(
        Teacher, on_delete=models.CASCADE, related_name="courses", verbose_name="педагог"
    )
    title = models.CharField("название программы", max_length=300)
    hours = models.PositiveSmallIntegerField("часов")
    registry = models.CharField("реестр", max_length=16, choices=Registry.choices)
    year = models.PositiveSmallIntegerField("год")

    class Meta:
        verbose_name = "курс повышения квалификации"
        verbose_name_plural = "курсы повышения квалификации"
        ordering = ["-year", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.hours} ч, {self.year})"


class PracticeParticipation(TeacherRecord):
    class Kind(models.TextChoices):
        HORIZONTAL = "horizontal", "горизонтальное обучение"
        MENTORING = "mentoring", "наставничество"
        SUPERVISION = "supervision", "супервизия"

    class Role(models.TextChoices):
        PARTICIPANT = "participant", "участник"
        MENTOR = "mentor", "наставник"
        MENTEE = "mentee", "наставляемый"

    teacher = models.ForeignKey(
        Teacher, on_delete=models.CASCADE, related_name="practices", verbose_name="педагог"
    )
    kind = models.CharField("практика", max_length=12, choices=Kind.choices)
    year = models.PositiveSmallIntegerField("год")
    role = models.CharField("роль", max_length=12, choices=Role.choices, default=Role.PARTICIPANT)
    partner = models.ForeignKey(
        Teacher,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="пара (наставник или наставляемый)",
    )
    note = models.CharField("примечание", max_length=300, blank=True)

    class Meta:
        verbose_name = "участие в практике"
        verbose_name_plural = "участие в практиках"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year} ({self.get_role_display()})"


class EventParticipation(TeacherRecord):
    class Kind(models.TextChoices):
        CONFERENCE = "conference", "конференция"
        FORUM = "forum", "форум"
        SUMMER_SCHOOL = "summer_school", "летняя школа"
        MKMC = "mkmc", "МКМЦ"
        CONTEST = "contest", "конкурс"
        INTERNSHIP = "internship", "стажировка"
        INTENSIVE = "intensive", "интенсив"
        SEMINAR = "seminar", "семинар / вебинар"
        OTHER = "other", "другое"

    class Level(models.TextChoices):
        MUNICIPAL = "municipal", "муниципальный"
        REGIONAL = "regional", "региональный (краевой)"
        INTERMUNICIPAL = "intermunicipal", "межмуниципальный"
        INTERAGENCY = "interagency", "межведомственный"
        INTERREGIONAL = "interregional", "межрегиональный"
        FEDERAL = "federal", "федеральный"

    teacher = models.ForeignKey(
        Teacher, on_delete=models.CASCADE, related_name="events", verbose_name="педагог"
    )
    title = models.CharField("мероприятие", max_length=300)
    kind = models.CharField("вид", max_length=16, choices=Kind.choices)
    level = models.CharField("уровень", max_length=16, choices=Level.choices)
    date = models.DateField("дата")
    as_team = models.BooleanField("в составе управленческой команды", default=False)

    class Meta:
        verbose_name = "участие в мероприятии"
        verbose_name_plural = "участие в мероприятиях"
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.title} ({self.date:%d.%m.%Y})"


class SupportVisit(models.Model):
    """Support a school received: a десант, a КМЦ consultation, supervision, a leader school's consultation."""

    class Kind(models.TextChoices):
        METHODICAL_VISIT = "methodical_visit", "методический десант"
        MANAGEMENT_VISIT = "management_visit", "управленческий десант"
        KMC = "kmc", "консультация КМЦ"
        SUPERVISION = "supervision", "супервизия"
        LEADER_CONSULTATION = "leader_consultation", "консультация школы-лидера / резильентной школы"

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="support_visits", verbose_name="школа"
    )
    date = models.DateField("дата")
    kind = models.CharField("вид поддержки", max_length=20, choices=Kind.choices)
    team = models.CharField("команда (кто проводил)", max_length=300, blank=True)
    provider_school = models.ForeignKey(
        School,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="школа-лидер (если консультировала школа)",
    )
    recommendations = models.TextField("данные рекомендации", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "поддержка школы"
        verbose_name_plural = "поддержка школ"
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.school} {self.date:%d.%m.%Y}"


class Partnership(models.Model):
    """An agreement of a school with a partner, or (school empty) an inter-municipal / inter-agency agreement."""

    class Kind(models.TextChoices):
        LEADER_SCHOOL = "leader_school", "школа-лидер"
        RESILIENT_SCHOOL = "resilient_school", "резильентная школа"
        FURTHER_EDUCATION = "further_education", "дополнительное образование"
        PROFESSIONAL_EDUCATION = "professional_education", "профессиональное образование"
        CULTURAL = "cultural", "учреждение культуры"
        SPORTS = "sports", "спортивное учреждение"
        SOCIAL = "social", "социальное учреждение"
        OTHER = "other", "другое"
        INTERMUNICIPAL = "intermunicipal", "межмуниципальное соглашение"
        INTERAGENCY = "interagency", "межведомственное соглашение"

    MUNICIPAL_KINDS = (Kind.INTERMUNICIPAL, Kind.INTERAGENCY)

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="partnerships", verbose_name="муниципалитет"
    )
    school = models.ForeignKey(
        School,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="partnerships",
        verbose_name="школа",
        help_text="Пусто — межмуниципальное или межведомственное соглашение.",
    )
    partner = models.CharField("партнёр", max_length=300)
    kind = models.CharField("вид", max_length=24, choices=Kind.choices)
    starts_on = models.DateField("действует с")
    ends_on = models.DateField("действует по", null=True, blank=True)
    document_url = models.URLField("ссылка на договор", blank=True)
    subject = models.CharField("предмет договора", max_length=300, blank=True)

    class Meta:
        verbose_name = "договор о взаимодействии"
        verbose_name_plural = "договоры о взаимодействии"
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return f"{self.partner} ({self.get_kind_display()})"


class JointEvent(models.Model):
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="events", verbose_name="договор"
    )
    date = models.DateField("дата")
    title = models.CharField("мероприятие", max_length=300)

    class Meta:
        verbose_name = "совместное мероприятие"
        verbose_name_plural = "совместные мероприятия"
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.title} ({self.date:%d.%m.%Y})"

    @property
    def municipality(self) -> Municipality:
        return self.partnership.municipality


class PracticeQuerySet(models.QuerySet["BestPractice"]):
    def published_in(self, municipality: Municipality) -> PracticeQuerySet:
        """Published practices of the municipality's schools."""
        return self.filter(school__municipality=municipality, status=BestPractice.Status.PUBLISHED)


class BestPractice(models.Model):
    """A practice of teachers or a school working with a difficult student body, reviewed by the method centre."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "На рассмотрении"
        APPROVED = "approved", "Одобрена"
        RETURNED = "returned", "Возвращена на доработку"
        PUBLISHED = "published", "Опубликована"

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="practices", verbose_name="школа"
    )
    title = models.CharField("название", max_length=300)
    authors = models.CharField("авторы (как указать в публикации)", max_length=300)
    authors_public = models.BooleanField(
        "имена авторов можно показывать открыто",
        default=False,
        help_text="Отметьте, только если авторы согласны: тогда их имена увидят и пользователи вне муниципалитета "
        "(например, наблюдатели региона). Без отметки имена видят только школа, координатор и методический центр.",
    )
    description = models.TextField("описание")
    materials_url = models.URLField("ссылка на материалы", blank=True)
    results = models.TextField("результаты", blank=True)
    status = models.CharField("статус", max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    review_comment = models.TextField("комментарий методического центра", blank=True)
    for_atlas = models.BooleanField("рекомендована в РАОП", default=False)
    submitted_at = models.DateTimeField("подана", auto_now_add=True)
    reviewed_at = models.DateTimeField("рассмотрена", null=True, blank=True)

    objects = PracticeQuerySet.as_manager()

    class Meta:
        verbose_name = "практика (банк лучших практик)"
        verbose_name_plural = "банк лучших практик"
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return self.title


class TrainingSite(models.Model):
    """A leader school designated a стажировочная площадка for a subject area, with its offer to ШНОР."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="training_sites", verbose_name="школа-лидер"
    )
    subject_area = models.CharField("предметная область", max_length=200)
    offer = models.TextField("что предлагает ШНОР")
    year = models.PositiveSmallIntegerField("год")

    class Meta:
        verbose_name = "стажировочная площадка"
        verbose_name_plural = "стажировочные площадки"
        ordering = ["-year", "subject_area"]

    def __str__(self) -> str:
        return f"{self.school}: {self.subject_area} ({self.year})"
