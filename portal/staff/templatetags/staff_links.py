"""``{% staff_link school %}``: the link to a school's teachers, shown only to those who may see them."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

from portal.accounts.permissions import has_perm

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_link(context: dict[str, Any], school: Any) -> str:
    request = context.get("request")
    if request is None or not has_perm(request.user, "staff.view", school):
        return ""
    return format_html(
        '<a class="btn" href="{}" data-testid="staff-link">Педагоги и поддержка</a>',
        reverse("staff:school", args=[school.pk]),
    )
