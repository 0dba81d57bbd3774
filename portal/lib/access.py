"""View helpers that apply the permission map: refusals are 404, never a hint that an object exists."""

from __future__ import annotations

from typing import Any, TypeVar

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from portal.accounts.permissions import has_perm

T = TypeVar("T")


def get_for(request: HttpRequest, model: type[T], perm: str, **lookup: Any) -> T:
    """The object, if the user holds ``perm`` on it; otherwise 404."""
    obj = get_object_or_404(model, **lookup)  # type: ignore[arg-type]
    if not has_perm(request.user, perm, obj):  # type: ignore[arg-type]
        raise Http404("Нет доступа или объект не найден.")
    return obj
