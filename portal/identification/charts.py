"""Inline SVG scatter chart: results index vs context index, the regression line, its confidence band.

Server-rendered, no JavaScript and no CDN; the same SVG prints and can be saved. The programme's schools (ШНОР,
ШНСУ, зона риска) are labelled, the labels placed so that they never overlap each other or a point (a label that
cannot be placed beside its point is moved along a leader line); every other school shows its name on hover and
on keyboard focus. A school with several categories shows each of them: the fill is its first category, each
further one a ring around it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

WIDTH, HEIGHT = 820, 500
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 24, 56

COLOURS = {
    "low_results": "#b3261e",
    "adverse_context": "#c26a00",
    "at_risk": "#a08400",
    "resilient": "#1e7a46",
    "above_expected": "#1f5fa8",
}
#: Which category colours a point when it has several (most important first); the others are rings around it.
PRIORITY = ("low_results", "adverse_context", "at_risk", "resilient", "above_expected")
#: The programme's schools: these are labelled on the chart.
PROGRAMME = {"low_results", "adverse_context", "at_risk"}
#: The legend under the chart: (category code, colour, Russian name).
LEGEND = [
    ("low_results", COLOURS["low_results"], "ШНОР — низкие результаты"),
    ("adverse_context", COLOURS["adverse_context"], "ШНСУ — неблагоприятные условия"),
    ("at_risk", COLOURS["at_risk"], "зона риска"),
    ("resilient", COLOURS["resilient"], "резильентная"),
    ("above_expected", COLOURS["above_expected"], "выше ожидаемых"),
]
FONT = 12
CHAR_W = 7.6  # a generous width of a character at FONT px (Cyrillic, «№»), for placing labels


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    categories: Sequence[str] = ()
    href: str = ""


def _ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    start = math.ceil(lo / step) * step
    return [round(start + i * step, 10) for i in range(int((hi - start) / step) + 1)]


def _fmt(v: float) -> str:
    return f"{v:.1f}".replace(".", ",").replace("-", "−")


def scatter_svg(
    points: Sequence[Point],
    *,
    background: Sequence[tuple[float, float]] = (),
    line: tuple[float, float] | None = None,
    band: Sequence[tuple[float, float, float]] = (),
    title: str = "Результаты и социальный контекст школ",
    x_label: str = "Индекс социального контекста (выше — благополучнее)",
    y_label: str = "Индекс результатов",
) -> str:
    """SVG markup. ``line`` is (intercept, slope); ``band`` is (x, low, high) of the confidence band of the mean."""
    xs = [p.x for p in points] + [x for x, _ in background]
    ys = [p.y for p in points] + [y for _, y in background] + [v for _, lo, hi in band for v in (lo, hi)]
    if not xs:
        return '<p class="muted">Нет школ с рассчитанными индексами.</p>'
    pad_x = (max(xs) - min(xs)) * 0.08 or 1.0
    pad_y = (max(ys) - min(ys)) * 0.08 or 1.0
    x0, x1, y0, y1 = min(xs) - pad_x, max(xs) + pad_x, min(ys) - pad_y, max(ys) + pad_y

    def sx(x: float) -> float:
        return LEFT + (x - x0) / (x1 - x0) * (WIDTH - LEFT - RIGHT)

    def sy(y: float) -> float:
        return HEIGHT - BOTTOM - (y - y0) / (y1 - y0) * (HEIGHT - TOP - BOTTOM)

    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">Точки — школы; линия — регрессия индекса результатов на индекс контекста; '
        f"полоса — доверительный интервал линии. Школ на графике: {len(points)}.</desc>",
        f'<rect x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" height="{HEIGHT - TOP - BOTTOM}" fill="#fff" '
        'stroke="#d9dee5"/>',
    ]
    for t in _ticks(x0, x1):
        out.append(
            f'<line x1="{sx(t):.1f}" x2="{sx(t):.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" stroke="#eef1f5"/>'
        )
        out.append(
            f'<text x="{sx(t):.1f}" y="{HEIGHT - BOTTOM + 18}" font-size="12" text-anchor="middle" '
            f'fill="#5b6776">{_fmt(t)}</text>'
        )
    for t in _ticks(y0, y1):
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" stroke="#eef1f5"/>'
        )
        out.append(
            f'<text x="{LEFT - 8}" y="{sy(t) + 4:.1f}" font-size="12" text-anchor="end" '
            f'fill="#5b6776">{_fmt(t)}</text>'
        )
    out.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 12}" font-size="13" text-anchor="middle" '
        f'fill="#1d2733">{escape(x_label)}</text>'
    )
    out.append(
        f'<text transform="translate(16 {(TOP + HEIGHT - BOTTOM) / 2}) rotate(-90)" font-size="13" '
        f'text-anchor="middle" fill="#1d2733">{escape(y_label)}</text>'
    )
    if band:
        ordered = sorted(band)
        upper = " ".join(f"{sx(x):.1f},{sy(hi):.1f}" for x, _, hi in ordered)
        lower = " ".join(f"{sx(x):.1f},{sy(lo):.1f}" for x, lo, _ in reversed(ordered))
        out.append(
            f'<polygon points="{upper} {lower}" fill="#1f5fa8" fill-opacity="0.12" stroke="none">'
            "<title>Доверительный интервал линии регрессии</title></polygon>"
        )
    for x, y in background:
        out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.4" fill="#9aa5b1" fill-opacity="0.45"/>')
    if line is not None:
        a, b = line
        out.append(
            f'<line x1="{sx(x0):.1f}" y1="{sy(a + b * x0):.1f}" x2="{sx(x1):.1f}" y2="{sy(a + b * x1):.1f}" '
            'stroke="#1f5fa8" stroke-width="2"><title>Ожидаемый результат при данном контексте</title></line>'
        )
    placed = _place_labels(
        [(sx(p.x), sy(p.y), p.label) for p in points if PROGRAMME & set(p.categories)], points, sx, sy
    )
    labels = []
    # Bigger markers (more categories) first, so that a school sitting on another stays visible on top of it.
    for p in sorted(points, key=lambda q: -len(q.categories)):
        cats = [c for c in PRIORITY if c in p.categories]
        cx, cy = sx(p.x), sy(p.y)
        names = ", ".join(_NAMES[c] for c in cats) or "без категорий"
        tip = f"{p.label}: контекст {_fmt(p.x)}, результаты {_fmt(p.y)}; {names}"
        marks = []
        for i, code in enumerate(reversed(cats[1:])):  # outer rings first
            r = 6 + 3 * (len(cats) - 1 - i)
            marks.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r}" fill="{COLOURS[code]}"/>')
        fill = COLOURS[cats[0]] if cats else "#3d4a5a"
        marks.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{6 if cats else 5}" fill="{fill}" stroke="#fff" '
            'stroke-width="1.5"/>'
        )
        spot = placed.get(id(p))
        if spot is not None:
            lx, ly, anchor, leader, box = spot
            if leader:
                labels.append(
                    f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{leader[0]:.1f}" y2="{leader[1]:.1f}" '
                    'stroke="#8a96a3" stroke-width="1"/>'
                )
            labels.append(
                f'<rect x="{box[0]:.1f}" y="{box[1]:.1f}" width="{box[2] - box[0]:.1f}" height="{box[3] - box[1]:.1f}" '
                'rx="3" fill="#fff" fill-opacity="0.85"/>'
            )
            labels.append(
                f'<text class="chart-label" x="{lx:.1f}" y="{ly:.1f}" font-size="{FONT}" text-anchor="{anchor}" '
                f'fill="#1d2733" paint-order="stroke" stroke="#fff" stroke-width="3">{escape(p.label)}</text>'
            )
            hover = ""
        else:
            hover = (
                f'<text class="chart-label chart-label--hover" x="{cx + 9:.1f}" y="{cy - 8:.1f}" font-size="{FONT}" '
                f'fill="#1d2733" paint-order="stroke" stroke="#fff" stroke-width="3">{escape(p.label)}</text>'
            )
        dot = f"<title>{escape(tip)}</title>" + "".join(marks) + hover
        target = f' href="{escape(p.href)}"' if p.href else ""
        out.append(f'<a class="chart-point"{target} tabindex="0" aria-label="{escape(tip)}">{dot}</a>')
    # Labels last: nothing is drawn over them.
    out.append('<g class="chart-labels" aria-hidden="true">' + "".join(labels) + "</g>")
    out.append("</svg>")
    return "".join(out)


_NAMES = {
    "low_results": "ШНОР",
    "adverse_context": "ШНСУ",
    "at_risk": "зона риска",
    "resilient": "резильентная",
    "above_expected": "выше ожидаемых",
}

Box = tuple[float, float, float, float]


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place_labels(
    labels: Sequence[tuple[float, float, str]], points: Sequence[Point], sx: Any, sy: Any
) -> dict[int, tuple[float, float, str, tuple[float, float] | None, Box]]:
    """Positions for the labels of the programme's schools that overlap no other label, no point and stay in the
    plot: (x, y, text-anchor, leader-line end or None), keyed by id() of the point. Candidates are tried beside
    the point first, then further away along a leader line."""
    left, top, right, bottom = LEFT + 2, TOP + 2, WIDTH - RIGHT - 2, HEIGHT - BOTTOM - 2

    def radius(p: Point) -> float:
        return 8.0 + 3.0 * max(0, len([c for c in PRIORITY if c in p.categories]) - 1)

    dots: list[Box] = [
        (sx(p.x) - radius(p), sy(p.y) - radius(p), sx(p.x) + radius(p), sy(p.y) + radius(p)) for p in points
    ]
    taken: list[Box] = []
    out: dict[int, tuple[float, float, str, tuple[float, float] | None, Box]] = {}
    labelled = [p for p in points if PROGRAMME & set(p.categories)]
    # Place the most crowded points first: they have the fewest free spots.
    order = sorted(
        zip(labels, labelled, strict=True),
        key=lambda item: (
            -sum(1 for d in dots if abs(d[0] + 7 - item[0][0]) < 80 and abs(d[1] + 7 - item[0][1]) < 40)
        ),
    )
    for (cx, cy, text), p in order:
        w, h = len(text) * CHAR_W + 4, FONT + 4
        chosen = None
        for dist in (0, 18, 34, 52, 72, 95):
            gap = radius(p) + 1
            for dx, dy in ((1, -1), (1, 1), (-1, -1), (-1, 1), (1, 0), (-1, 0), (0, -1), (0, 1)):
                ox = cx + dx * (gap + dist)
                oy = cy + dy * (gap + dist * 0.6)
                x0 = ox if dx > 0 else (ox - w if dx < 0 else ox - w / 2)
                y0 = oy - h if dy <= 0 else oy
                if dy == 0:
                    y0 = oy - h / 2
                box = (x0, y0, x0 + w, y0 + h)
                if box[0] < left or box[2] > right or box[1] < top or box[3] > bottom:
                    continue
                if any(_overlaps(box, t) for t in taken) or any(_overlaps(box, d) for d in dots):
                    continue
                chosen = box, dist
                break
            if chosen:
                break
        if chosen is None:
            continue  # no room: the name stays on hover and focus (never drawn over another label)
        box, dist = chosen
        taken.append(box)
        anchor_x = box[0] + 2
        leader = None
        if dist:
            nearest_x = min(max(cx, box[0]), box[2])
            nearest_y = min(max(cy, box[1]), box[3])
            leader = (nearest_x, nearest_y)
        out[id(p)] = (anchor_x, box[3] - 4, "start", leader, box)
    return out


def band_from_model(
    model: dict[str, object], xs: Sequence[float], *, steps: int = 40
) -> list[tuple[float, float, float]]:
    """Confidence band of the fitted line from the model's covariance matrix (2×2) and t quantile, if present."""
    cov = model.get("cov_params")
    t = model.get("t_quantile")
    intercept, slope = model.get("intercept"), model.get("slope")
    if not (
        isinstance(cov, list)
        and len(cov) == 2
        and isinstance(t, float | int)
        and isinstance(intercept, float | int)
        and isinstance(slope, float | int)
        and xs
    ):
        return []
    lo, hi = min(xs), max(xs)
    band = []
    for i in range(steps + 1):
        x = lo + (hi - lo) * i / steps
        var = cov[0][0] + 2 * x * cov[0][1] + x * x * cov[1][1]
        half = float(t) * math.sqrt(max(var, 0.0))
        y = float(intercept) + float(slope) * x
        band.append((x, y - half, y + half))
    return band
