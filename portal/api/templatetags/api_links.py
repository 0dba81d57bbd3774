"""``{% api_tokens_link municipality %}``: the link to the municipality's API tokens, for those who manage them."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

from portal.accounts.permissions import has_perm

register = template.Library()


@register.simple_tag(takes_context=True)
def api_tokens_link(context: dict[str, Any], municipality: Any) -> str:
    request = context.get("request")
    if request is None or not has_perm(request.user, "api.manage", municipality):
        return ""
    return format_html(
        '<p class="small"><a href="{}" data-testid="api-tokens">Токены API</a> '
        '<span class="muted">(доступ внешних систем к данным муниципалитета)</span></p>',
        reverse("api:tokens", args=[municipality.pk]),
    )
