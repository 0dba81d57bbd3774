"""The risk profile: HTML bars for the pages, an HTML table of bars in the document font for the document's PDF and
preview (the DOCX gets a PNG)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from opora.constructor import LEVEL_SCORE

COLORS = {"high": "#b23b3b", "medium": "#d9a43b", "low": "#5b8c5a"}
WORDS = {"high": "высокий", "medium": "средний", "low": "низкий"}


def profile_chart(profile: Mapping[str, str], titles: Mapping[str, str]) -> SafeString:
    """The risk profile on pages: one bar per factor over the three-step scale (низкий, средний, высокий).

    HTML, not SVG: the factor's title is text that wraps in its column (and goes above its bar on a phone), so a
    label is never cut or clipped whatever its length and the width of the screen; the level is written in words
    at the bar's end, so the chart does not rely on colour. Styles: ``.risk-bars`` in ``opora.css``.
    """
    order = [c for c in titles if c in profile] + [c for c in profile if c not in titles]
    rows = []
    for code in order:
        level = profile[code]
        steps = max(0, min(3, LEVEL_SCORE.get(level, 0)))
        rows.append(
            '<li class="risk-bars__row">'
            f'<span class="risk-bars__label">{escape(titles.get(code, code))}</span>'
            f'<span class="risk-bars__track"><span class="risk-bars__bar" style="width:{steps * 100 / 3:.2f}%;'
            f'background:{COLORS.get(level, "#999")}"></span></span>'
            f'<span class="risk-bars__level">{WORDS.get(level, "не оценён")}</span></li>'
        )
    scale = "".join(f"<span>{w}</span>" for w in ("низкий", "средний", "высокий"))
    return mark_safe(
        '<figure class="risk-bars" data-testid="profile-chart" aria-label="Рисковый профиль">'
        f'<div class="risk-bars__scale" aria-hidden="true"><span></span><span class="risk-bars__steps">{scale}'
        f'</span><span></span></div><ul class="risk-bars__rows">{"".join(rows)}</ul></figure>'
    )


#: The document chart's look, shipped with the chart (the PDF and the preview page both show it as it is).
_DOCUMENT_CHART_CSS = (
    "<style>"
    "table.profile-chart { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 9pt; "
    "line-height: 1.1; margin: 0 0 0.3em; }"
    "table.profile-chart th, table.profile-chart td { border: 0; padding: 2.5pt 0; vertical-align: middle; "
    "background: none; }"
    "table.profile-chart th { font-weight: normal; text-align: right; padding-right: 6pt; }"
    "table.profile-chart td.s { border-right: 0.5pt solid #cccccc; }"
    "table.profile-chart td.a { border-left: 0.6pt solid #000000; }"
    "table.profile-chart td div { height: 10pt; }"
    "table.profile-chart tr.scale td { text-align: center; padding-top: 3pt; border-right: 0; border-left: 0; }"
    "</style>"
)


def profile_chart_document(rows: Sequence[tuple[str, str]]) -> SafeString:
    """The risk profile for the document (PDF and preview): one bar per factor over a three-step scale
    (низкий, средний, высокий), drawn as a table in the document font.

    ``rows`` are (factor title, level) in the profile's order. A bar of level n spans the first n steps; the light
    lines between the steps are the scale's grid. Titles wrap in their column and are never cut: a printed
    document names each factor in full. A table, not SVG: WeasyPrint lays out SVG text letter by letter, and the
    SVG figure cost twice the CPU of this table (70 ms against 36 ms).
    """
    head = (
        f'{_DOCUMENT_CHART_CSS}<table class="profile-chart" role="img" aria-label="Рисковый профиль школы">'
        '<colgroup><col style="width:47%"><col style="width:14%"><col style="width:14%"><col style="width:14%">'
        '<col style="width:11%"></colgroup><tbody>'
    )
    body = []
    for title, level in rows:
        steps = max(0, min(3, LEVEL_SCORE.get(level, 0)))
        if steps:
            first = (
                f'<td class="a s" colspan="{steps}" title="{WORDS.get(level, level)}">'
                f'<div style="background:{COLORS.get(level, "#999999")}"></div></td>'
            )
        else:  # a level outside the scale: no bar
            first, steps = '<td class="a s"></td>', 1
        cells = [first] + ['<td class="s"></td>'] * (3 - steps)
        body.append(f'<tr><th scope="row">{escape(title)}</th>{"".join(cells)}<td></td></tr>')
    scale = "".join(f"<td>{word}</td>" for word in ("низкий", "средний", "высокий"))
    return mark_safe(f'{head}{"".join(body)}<tr class="scale"><td></td>{scale}<td></td></tr></tbody></table>')
