from __future__ import annotations

from django import forms

from portal.schools.models import School
from portal.schools.services import EDITABLE_SCHOOL_FIELDS


class SchoolForm(forms.ModelForm):  # type: ignore[type-arg]
    site_url = forms.URLField(
        label="Сайт", required=False, assume_scheme="https", help_text="Например: https://school.example.ru"
    )

    class Meta:
        model = School
        fields = EDITABLE_SCHOOL_FIELDS
        widgets = {"name": forms.Textarea(attrs={"rows": 2})}
