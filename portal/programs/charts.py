"""Inline SVG of a risk profile for the pages (the documents use a PNG from portal.lib.documents)."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from opora.constructor import LEVEL_SCORE

COLORS = {"high": "#b23b3b", "medium": "#d9a43b", "low": "#5b8c5a"}
WORDS = {"high": "высокий", "medium": "средний", "low": "низкий"}


def profile_svg(profile: Mapping[str, str], titles: Mapping[str, str], *, width: int = 720) -> SafeString:
    """Horizontal bars, one per factor (1 — низкий … 3 — высокий), with the level written at the bar's end."""
    order = [c for c in titles if c in profile] + [c for c in profile if c not in titles]
    label_w, bar_w, row_h, top = 360, width - 360 - 80, 26, 24
    height = top + row_h * len(order) + 8
    parts = [
        f'<svg class="profile-chart" role="img" aria-label="Рисковый профиль" viewBox="0 0 {width} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg" font-size="12" font-family="inherit">'
    ]
    for i, word in enumerate(("низкий", "средний", "высокий"), start=1):
        x = label_w + bar_w * i / 3
        parts.append(f'<line x1="{x:.0f}" y1="{top - 6}" x2="{x:.0f}" y2="{height - 8}" stroke="#ddd"/>')
        parts.append(f'<text x="{x:.0f}" y="{top - 10}" text-anchor="end" fill="#666">{word}</text>')
    for i, code in enumerate(order):
        level = profile[code]
        y = top + i * row_h
        title = titles.get(code, code)
        short = title if len(title) <= 52 else title[:51] + "…"
        w = bar_w * LEVEL_SCORE.get(level, 0) / 3
        parts.append(
            f"<g><title>{escape(title)}: {WORDS.get(level, level)}</title>"
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">{escape(short)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.0f}" height="{row_h - 8}" fill="{COLORS.get(level, "#999")}"/>'
            f'<text x="{label_w + w + 6:.0f}" y="{y + 16}" fill="#333">{WORDS.get(level, level)}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
