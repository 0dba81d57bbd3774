"""Forms of the staff app: teachers and their records, support, partnerships, practices (dates ДД.ММ.ГГГГ)."""

from __future__ import annotations

from typing import Any

from django import forms

from portal.lib.collation import naturally_ordered
from portal.schools.models import School
from portal.staff.models import (
    BestPractice,
    Course,
    DevelopmentRoute,
    Diagnostic,
    EventParticipation,
    JointEvent,
    Partnership,
    PracticeParticipation,
    SupportVisit,
    Teacher,
    TrainingSite,
)

YEAR_MIN, YEAR_MAX = 2000, 2100


class RuDateInput(forms.DateInput):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%d.%m.%Y", attrs={"placeholder": "ДД.ММ.ГГГГ", **kwargs.pop("attrs", {})})


def _date_field(label: str, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
        widget=RuDateInput(),
        error_messages={"invalid": "Введите дату в формате ДД.ММ.ГГГГ."},
    )


def _year_field(label: str = "Год", required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        error_messages={
            "invalid": "Год — целое число, например 2024.",
            "min_value": f"Год не раньше {YEAR_MIN}.",
            "max_value": f"Год не позже {YEAR_MAX}.",
        },
    )


class TeacherForm(forms.ModelForm):
    hired_year = _year_field("Работает с (год)", required=False)
    left_year = _year_field("Работал по (год)", required=False)

    class Meta:
        model = Teacher
        fields = ["name", "subjects", "category", "is_leadership", "hired_year", "left_year"]
        help_texts = {
            "name": "Только ФИО или псевдоним: дату рождения и контакты система не хранит.",
            "subjects": "Через запятую: математика, физика.",
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        hired, left = data.get("hired_year"), data.get("left_year")
        if hired and left and left < hired:
            self.add_error("left_year", "Год окончания работы раньше года начала.")
        return data


class DiagnosticForm(forms.ModelForm):
    date = _date_field("Дата")

    class Meta:
        model = Diagnostic
        fields = ["date", "kind", "result", "deficits"]
        widgets = {"deficits": forms.Textarea(attrs={"rows": 3})}


class RouteForm(forms.ModelForm):
    year = _year_field()
    formed_on = _date_field("Сформирован (дата)", required=False)

    class Meta:
        model = DevelopmentRoute
        fields = ["year", "formed_on", "implemented", "note"]

    def __init__(self, *args: Any, teacher: Teacher | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teacher = teacher

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        teacher = self.teacher or getattr(self.instance, "teacher", None)
        if (
            teacher
            and DevelopmentRoute.objects.filter(teacher=teacher, year=year)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise forms.ValidationError(f"ИОМ на {year} г. у педагога уже есть: измените его.")
        return int(year)


class CourseForm(forms.ModelForm):
    year = _year_field()
    hours = forms.IntegerField(
        label="Часов",
        min_value=1,
        max_value=2000,
        error_messages={"invalid": "Часы — целое число.", "min_value": "Не меньше 1 часа."},
    )

    class Meta:
        model = Course
        fields = ["title", "hours", "registry", "year"]


class PracticeForm(forms.ModelForm):
    year = _year_field()

    class Meta:
        model = PracticeParticipation
        fields = ["kind", "year", "role", "partner", "note"]

    def __init__(self, *args: Any, teacher: Teacher | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        school = teacher.school if teacher else None
        qs = Teacher.objects.filter(school=school) if school else Teacher.objects.none()
        if teacher is not None:
            qs = qs.exclude(pk=teacher.pk)
        self.fields["partner"].queryset = naturally_ordered(qs, "name")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("partner") and data.get("kind") != PracticeParticipation.Kind.MENTORING:
            self.add_error("partner", "Пара указывается только для наставничества.")
        return data


class EventForm(forms.ModelForm):
    date = _date_field("Дата")

    class Meta:
        model = EventParticipation
        fields = ["title", "kind", "level", "date", "as_team"]


RECORD_FORMS: dict[str, tuple[type[forms.ModelForm], str]] = {
    "diagnostic": (DiagnosticForm, "Диагностика / самодиагностика"),
    "route": (RouteForm, "ИОМ"),
    "course": (CourseForm, "Курс повышения квалификации"),
    "practice": (PracticeForm, "Участие в практике"),
    "event": (EventForm, "Участие в мероприятии"),
}


class SupportVisitForm(forms.ModelForm):
    date = _date_field("Дата")

    class Meta:
        model = SupportVisit
        fields = ["school", "date", "kind", "team", "provider_school", "recommendations"]
        widgets = {"recommendations": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schools = School.objects.filter(municipality=municipality)
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]
        self.fields["provider_school"].queryset = schools  # type: ignore[attr-defined]


class PartnershipForm(forms.ModelForm):
    document_url = forms.URLField(label="Ссылка на договор", required=False, assume_scheme="https")
    starts_on = _date_field("Действует с")
    ends_on = _date_field("Действует по", required=False)

    class Meta:
        model = Partnership
        fields = ["partner", "kind", "subject", "starts_on", "ends_on", "document_url"]

    def __init__(self, *args: Any, municipal: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = Partnership.MUNICIPAL_KINDS
        choices = [(k, v) for k, v in Partnership.Kind.choices if (k in kinds) == municipal]
        self.fields["kind"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "Дата окончания раньше даты начала.")
        return data


class JointEventForm(forms.ModelForm):
    date = _date_field("Дата")

    class Meta:
        model = JointEvent
        fields = ["date", "title"]


class PracticeSubmitForm(forms.ModelForm):
    materials_url = forms.URLField(label="Ссылка на материалы", required=False, assume_scheme="https")

    class Meta:
        model = BestPractice
        fields = ["title", "authors", "authors_public", "description", "materials_url", "results"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "results": forms.Textarea(attrs={"rows": 3}),
        }


class PracticeReviewForm(forms.Form):
    status = forms.ChoiceField(
        label="Решение",
        choices=[
            (BestPractice.Status.APPROVED, "Одобрить"),
            (BestPractice.Status.RETURNED, "Вернуть на доработку"),
            (BestPractice.Status.PUBLISHED, "Опубликовать"),
        ],
    )
    comment = forms.CharField(label="Комментарий", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    for_atlas = forms.BooleanField(label="Рекомендовать в РАОП", required=False)


class TrainingSiteForm(forms.ModelForm):
    year = _year_field()

    class Meta:
        model = TrainingSite
        fields = ["school", "subject_area", "offer", "year"]
        widgets = {"offer": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = School.objects.filter(municipality=municipality)  # type: ignore[attr-defined]


class UploadForm(forms.Form):
    file = forms.FileField(label="Файл Excel (.xlsx)")
