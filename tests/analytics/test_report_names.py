"""School and municipality names folded for reconciliation, and fuzzy candidates (opora/readers/names.py)."""

from __future__ import annotations

import pytest

from opora.readers.names import candidates, municipality_key, school_key


@pytest.mark.parametrize(
    "written",
    [
        "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 1»",
        'МБОУ "СОШ № 1"',
        "мбоу сош №1",
        "МАОУ  «СОШ №1»",
        "МОБУ СОШ № 1",
    ],
)
def test_the_ways_a_school_is_written_fold_to_one_key(written: str) -> None:
    assert school_key(written) == "сош 1"


def test_names_drifting_in_case_and_spacing_keep_their_key() -> None:
    assert school_key('МБОУ "СОШ № 11 с.Волочаевка"') == school_key("мбоу  «сош №11  с. Волочаевка»")
    assert school_key("МБОУ «Средняя школа № 5 имени А.С. Пушкина»") == "сш 5 им а с пушкина"
    assert school_key("Гимназия №2") != school_key("Лицей №2")


def test_an_education_authority_folds_to_its_municipality() -> None:
    assert municipality_key('Комитет образования администрации городского округа "Город Чита"') == "чита"
    assert municipality_key("г. Чита") == "чита"
    assert municipality_key(
        "Управление образования администрации муниципального района «Агинский район»"
    ) == ("агинский")
    assert municipality_key("Агинский район") == "агинский"


def test_fuzzy_candidates_never_offer_a_school_with_another_number() -> None:
    choices = ["сош 11", "сош 1 г чита", "лицей 2", "сош 1"]
    found = candidates(school_key("СОШ № 1 г. Читы"), choices)
    assert [c.key for c in found][:1] == ["сош 1 г чита"]
    assert all(c.key != "сош 11" for c in found)
    assert candidates("", choices) == [] and candidates("сош 1", []) == []
