"""System checks of our own: production settings that Django's deploy check does not know about."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_secret_key_is_set(app_configs: Any, **kwargs: Any) -> list[Error]:
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY не задан: используется ключ для разработки.",
                hint="Задайте переменную окружения SECRET_KEY (не менее 50 случайных символов).",
                id="opora.E001",
            )
        ]
    return []
