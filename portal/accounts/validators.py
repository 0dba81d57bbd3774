"""Password rules of our own, beside Django's validators (settings.AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class LettersAndDigitsValidator:
    """A password must contain at least one letter (any alphabet) and at least one digit."""

    def validate(self, password: str, user: Any = None) -> None:
        has_letter = any(ch.isalpha() for ch in password)
        has_digit = any(ch.isdigit() for ch in password)
        if not (has_letter and has_digit):
            raise ValidationError(
                "Пароль должен содержать и буквы, и цифры.", code="password_needs_letters_and_digits"
            )

    def get_help_text(self) -> str:
        return "Пароль должен содержать хотя бы одну букву и хотя бы одну цифру."
