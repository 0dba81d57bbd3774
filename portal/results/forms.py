from __future__ import annotations

from django import forms

from portal.results.models import ImportBatch, Procedure

MAX_UPLOAD_MB = 50
ALLOWED_EXTENSIONS = (".csv", ".xlsx")  # the portal takes only these (portal/lib/uploads.py, issue #8)


def _check_file(f: forms.Field | object) -> None:
    name = getattr(f, "name", "") or ""
    if not name.lower().endswith(ALLOWED_EXTENSIONS):
        raise forms.ValidationError(
            f"Файл «{name}»: поддерживаются только таблицы CSV и Excel ({', '.join(ALLOWED_EXTENSIONS)})."
        )
    if getattr(f, "size", 0) > MAX_UPLOAD_MB * 1024 * 1024:
        raise forms.ValidationError(f"Файл «{name}» больше {MAX_UPLOAD_MB} МБ.")


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="Что загружаем",
        choices=[(k.value, k.label) for k in ImportBatch.Kind if k != ImportBatch.Kind.REFERENCE],
    )
    file = forms.FileField(
        label="Файл",
        help_text=(
            "CSV (UTF-8 или Windows-1251, разделитель «,» или «;») или Excel: шаблон, таблица ФИС ОКО или отчёт "
            "министерства/ЦОКО, где школы названы по строкам. Если файл заменяет уже загруженные данные, сначала "
            "будет показано, что изменится."
        ),
    )
    procedure = forms.ChoiceField(
        label="Процедура (если её нет в файле)", choices=[("", "—"), *Procedure.choices], required=False
    )
    subject = forms.CharField(label="Предмет (если его нет в файле)", required=False, max_length=60)
    grade = forms.IntegerField(
        label="Класс (если его нет в файле)", required=False, min_value=1, max_value=11
    )
    year = forms.IntegerField(
        label="Год (если его нет в файле)", required=False, min_value=2015, max_value=2035
    )

    def clean_file(self) -> object:
        f = self.cleaned_data["file"]
        _check_file(f)
        return f

    def defaults(self) -> dict[str, object]:
        return {
            k: self.cleaned_data[k]
            for k in ("procedure", "subject", "grade", "year")
            if self.cleaned_data.get(k)
        }


class ReferenceForm(forms.Form):
    name = forms.CharField(label="Название набора", max_length=200, initial="Региональный набор школ")
    results_file = forms.FileField(label="Результаты школ региона (канонический формат)")
    context_file = forms.FileField(label="Контекстные данные школ региона")

    def clean_results_file(self) -> object:
        f = self.cleaned_data["results_file"]
        _check_file(f)
        return f

    def clean_context_file(self) -> object:
        f = self.cleaned_data["context_file"]
        _check_file(f)
        return f


class ReportUploadForm(forms.Form):
    """The region's upload: a report of the region's schools (named, not coded)."""

    file = forms.FileField(
        label="Файл",
        help_text="Отчёт министерства, ЦОКО или РЦОИ по школам региона (XLSX или CSV), как он есть.",
    )
    procedure = forms.ChoiceField(
        label="Процедура (если её нет в файле)", choices=[("", "—"), *Procedure.choices], required=False
    )
    year = forms.IntegerField(
        label="Год (если его нет в файле)", required=False, min_value=2015, max_value=2035
    )

    def clean_file(self) -> object:
        f = self.cleaned_data["file"]
        _check_file(f)
        return f

    def defaults(self) -> dict[str, object]:
        return {k: self.cleaned_data[k] for k in ("procedure", "year") if self.cleaned_data.get(k)}
