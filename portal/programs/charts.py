"""The risk profile as inline SVG: for the pages, and in the document font for the PDF (the DOCX gets a PNG)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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


def _lines(text: str, width: int) -> list[str]:
    """``text`` broken at spaces into lines of at most ``width`` characters (a longer word stays whole)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def profile_svg_document(rows: Sequence[tuple[str, str]]) -> SafeString:
    """The risk profile for the PDF: the same bars as the DOCX's picture, drawn as vectors in the document font.

    ``rows`` are (factor title, level) in the profile's order. The titles are wrapped, never cut: a printed
    document must name each factor in full. Units are points at 100 % width of a 165 mm text column.
    """
    width, label_w, line_h, gap, top = 468, 230, 10.5, 7, 6
    bar_x, bar_w = label_w + 8, width - label_w - 8 - 50
    wrapped = [_lines(title, 48) for title, _ in rows]
    heights = [max(len(lines) * line_h, 12) + gap for lines in wrapped]
    axis_y = top + sum(heights)
    height = axis_y + 16
    font = "'Times New Roman', 'Liberation Serif', 'DejaVu Serif', serif"
    parts = [
        f'<svg class="profile-chart" role="img" aria-label="Рисковый профиль школы" viewBox="0 0 {width} {height:.0f}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg" font-size="9" font-family="{font}">'
    ]
    for i, word in enumerate(("низкий", "средний", "высокий"), start=1):
        x = bar_x + bar_w * i / 3
        parts.append(
            f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{axis_y:.1f}" stroke="#cccccc" stroke-width="0.5"/>'
        )
        parts.append(f'<text x="{x:.1f}" y="{axis_y + 11:.1f}" text-anchor="middle">{word}</text>')
    parts.append(
        f'<line x1="{bar_x}" y1="{top}" x2="{bar_x}" y2="{axis_y:.1f}" stroke="#000000" stroke-width="0.6"/>'
    )
    y = float(top)
    for (_title, level), lines, h in zip(rows, wrapped, heights, strict=True):
        block = len(lines) * line_h
        first = y + (h - gap - block) / 2 + line_h - 2.5
        spans = "".join(
            f'<tspan x="{label_w}" y="{first + k * line_h:.1f}">{escape(line)}</tspan>'
            for k, line in enumerate(lines)
        )
        parts.append(f'<text text-anchor="end">{spans}</text>')
        w = bar_w * LEVEL_SCORE.get(level, 0) / 3
        bar_h = min(h - gap, 14)
        parts.append(
            f'<rect x="{bar_x}" y="{y + (h - gap - bar_h) / 2:.1f}" width="{w:.1f}" height="{bar_h:.1f}" '
            f'fill="{COLORS.get(level, "#999999")}"/>'
        )
        y += h
    parts.append("</svg>")
    return mark_safe("".join(parts))
