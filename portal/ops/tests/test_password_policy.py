"""Password policy: length (configurable), similarity, common, digits-only, letters-and-digits — in Russian."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from portal.accounts.models import User
from portal.accounts.validators import LettersAndDigitsValidator


def _messages(password: str, user: Any = None) -> list[str]:
    with translation.override("ru"):
        try:
            validate_password(password, user)
        except ValidationError as error:
            return list(error.messages)
    return []


def test_a_strong_password_passes() -> None:
    assert _messages("Надёжный7пароль") == []
    assert _messages("tundra-Lake-42x") == []


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Кот7", "как минимум 10 символов"),  # 4 characters < 10
        ("98123765409871", "состоит только из цифр"),
        ("password123", "слишком широко распространён"),
        ("абвгдежзийклм", "и буквы, и цифры"),  # letters only
        ("!!!---???***7", "и буквы, и цифры"),  # no letter
    ],
)
def test_weak_passwords_are_refused_in_russian(password: str, expected: str) -> None:
    messages = _messages(password)
    assert any(expected in m for m in messages), messages


@pytest.mark.django_db
def test_a_password_like_the_login_is_refused() -> None:
    user = User(username="ivanov.petr", first_name="Пётр", email="ivanov.petr@example.org")
    assert any("слишком похож" in m for m in _messages("ivanov.petr1", user))


def test_the_minimum_length_comes_from_the_environment() -> None:
    from django.conf import settings

    validators = {v["NAME"].rsplit(".", 1)[-1]: v for v in settings.AUTH_PASSWORD_VALIDATORS}
    assert validators["MinimumLengthValidator"]["OPTIONS"]["min_length"] == settings.OPORA_PASSWORD_MIN_LENGTH
    assert settings.OPORA_PASSWORD_MIN_LENGTH == 10  # the default without OPORA_PASSWORD_MIN_LENGTH
    assert "LettersAndDigitsValidator" in validators


def test_the_help_text_is_russian() -> None:
    with translation.override("ru"):
        texts = password_validators_help_texts()
    assert LettersAndDigitsValidator().get_help_text() in texts
    assert any("10" in t for t in texts)
