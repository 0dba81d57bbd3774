"""Inline SVG scatter chart: results index vs context index, the regression line, its confidence band.

Server-rendered, no JavaScript and no CDN; the same SVG prints and can be saved.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 820, 500
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 24, 56

COLOURS = {
    "low_results": "#b3261e",
    "adverse_context": "#c26a00",
    "at_risk": "#a08400",
    "resilient": "#1e7a46",
    "above_expected": "#1f5fa8",
}
#: Which category colours a point when it has several (most important first).
PRIORITY = ("low_results", "at_risk", "adverse_context", "resilient", "above_expected")


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
    for p in points:
        colour = next((COLOURS[c] for c in PRIORITY if c in p.categories), "#3d4a5a")
        cx, cy = sx(p.x), sy(p.y)
        tip = f"{p.label}: контекст {_fmt(p.x)}, результаты {_fmt(p.y)}"
        dot = (
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="6" fill="{colour}" stroke="#fff" stroke-width="1.5">'
            f"<title>{escape(tip)}</title></circle>"
            f'<text x="{cx + 8:.1f}" y="{cy - 7:.1f}" font-size="12" fill="#1d2733">{escape(p.label)}</text>'
        )
        out.append(f'<a href="{escape(p.href)}">{dot}</a>' if p.href else dot)
    out.append("</svg>")
    return "".join(out)


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
