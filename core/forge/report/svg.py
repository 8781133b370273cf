"""Small inline-SVG charts written directly in Python (no plotting dependency).

Each function returns one ``<svg>`` element as a string that scales to its container's
width. Every piece of text is escaped here, so callers may pass untrusted labels.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from html import escape

W, H = 480, 260
"""The viewBox every chart draws in; the page scales it."""
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 38, 40
PAD = 8
"""Inner horizontal padding of line charts, so points on the first/last x are not clipped."""
AXIS = "#9aa3ae"
GRID = "#e6e9ee"
INK = "#3d4451"


@dataclass(frozen=True)
class Series:
    """One named line or bar series: its points, colour and stroke."""

    name: str
    points: Sequence[tuple[float, float]]
    color: str
    width: float = 2.0
    opacity: float = 1.0
    dash: str = ""
    legend: bool = True


def _svg(body: list[str], label: str) -> str:
    """Wrap chart elements in a responsive ``<svg>`` with an accessible label."""
    return (
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(label)}" '
        'preserveAspectRatio="xMidYMid meet">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def _text(
    x: float, y: float, text: str, anchor: str = "middle", size: int = 11, **attrs: str
) -> str:
    """Return an escaped ``<text>`` element."""
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{INK}"{extra}>{escape(text)}</text>'
    )


def empty(label: str, message: str) -> str:
    """Return a placeholder chart that says why there is nothing to plot."""
    box = (
        f'<rect x="1" y="1" width="{W - 2}" height="{H - 2}" rx="8" fill="#f7f8fa" '
        f'stroke="{GRID}"/>'
    )
    return _svg([box, _text(W / 2, H / 2 + 4, message, size=13, fill_opacity="0.7")], label)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Return round tick values covering ``[lo, hi]`` (about ``count`` of them)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        hi = lo + 1.0 if math.isfinite(lo) else 1.0
        lo = lo if math.isfinite(lo) else 0.0
    raw = (hi - lo) / max(1, count - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    value = start
    while value < hi + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _y_axis(
    ticks: Sequence[float], scale: Callable[[float], float], fmt: Callable[[float], str]
) -> list[str]:
    """Return horizontal grid lines with tick labels on the left."""
    out = []
    for t in ticks:
        y = scale(t)
        out.append(
            f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        out.append(_text(LEFT - 6, y + 4, fmt(t), anchor="end", size=10))
    return out


def _legend(items: Sequence[tuple[str, str]]) -> list[str]:
    """Return a one-row legend (colour swatch + name) along the top edge."""
    out, x = [], float(LEFT)
    for name, color in items:
        out.append(f'<rect x="{x:.1f}" y="9" width="10" height="10" rx="2" fill="{color}"/>')
        out.append(_text(x + 14, 18, name, anchor="start", size=11))
        x += 24 + 6.5 * len(name)
    return out


def grouped_bars(
    label: str,
    groups: Sequence[str],
    series: Sequence[tuple[str, str]],
    values: Sequence[Sequence[float | None]],
    notes: Sequence[Sequence[str]],
) -> str:
    """Return a grouped bar chart of fractions (0..1) shown as percentages.

    ``values[s][g]`` is series ``s`` in group ``g`` (None = not run, drawn as a dash);
    ``notes[s][g]`` is the small label above the bar, e.g. ``"3/5"``.
    """
    plot_h = H - TOP - BOTTOM
    scale = lambda v: TOP + plot_h * (1 - v)  # noqa: E731
    body = _y_axis([0, 0.25, 0.5, 0.75, 1.0], scale, lambda t: f"{t * 100:.0f}%")
    slot = (W - LEFT - RIGHT) / max(1, len(groups))
    bar_w = min(34.0, slot * 0.75 / max(1, len(series)))
    for g, group in enumerate(groups):
        x0 = LEFT + slot * g + (slot - bar_w * len(series)) / 2
        for s, (_, color) in enumerate(series):
            x, v = x0 + s * bar_w, values[s][g]
            if v is None:
                body.append(_text(x + bar_w / 2, scale(0) - 4, "–", size=12, fill_opacity="0.5"))
                continue
            y = scale(max(0.0, min(1.0, v)))
            body.append(
                f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" '
                f'height="{scale(0) - y:.1f}" rx="2" fill="{color}"><title>'
                f"{escape(f'{series[s][0]} · {group}: {notes[s][g]}')}</title></rect>"
            )
            body.append(_text(x + bar_w / 2, y - 4, notes[s][g], size=9))
        body.append(_text(LEFT + slot * (g + 0.5), H - BOTTOM + 16, group, size=11))
    body.append(
        f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{scale(0)}" y2="{scale(0)}" stroke="{AXIS}"/>'
    )
    return _svg(body + _legend(series), label)


def line_chart(
    label: str,
    series: Sequence[Series],
    x_label: str,
    y_range: tuple[float, float] | None = None,
    y_fmt: Callable[[float], str] = lambda v: f"{v:g}",
) -> str:
    """Return a line chart; ``y_range`` fixes the y axis, else it fits the data."""
    finite = lambda p: math.isfinite(p[0]) and math.isfinite(p[1])  # noqa: E731
    series = [replace(s, points=[p for p in s.points if finite(p)]) for s in series]
    pts = [p for s in series for p in s.points]
    if not pts:
        return empty(label, "no data")
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    lo, hi = y_range or (min(ys), max(ys))
    yticks = nice_ticks(lo, hi)
    lo, hi = min(yticks[0], lo), max(yticks[-1], hi)
    x_lo = min(xs)
    x_hi = max(xs) if max(xs) > x_lo else x_lo + 1
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    sx = lambda x: LEFT + PAD + (plot_w - 2 * PAD) * (x - x_lo) / (x_hi - x_lo)  # noqa: E731
    sy = lambda y: TOP + plot_h * (1 - (y - lo) / (hi - lo))  # noqa: E731
    body = _y_axis(yticks, sy, y_fmt)
    for t in nice_ticks(x_lo, x_hi, 6):
        if x_lo <= t <= x_hi and (t == int(t)):
            body.append(_text(sx(t), H - BOTTOM + 14, f"{t:g}", size=10))
    body.append(_text(LEFT + plot_w / 2, H - 6, x_label, size=10, fill_opacity="0.8"))
    for s in series:
        body.append(_polyline(s, sx, sy))
    body.append(
        f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{sy(lo):.1f}" y2="{sy(lo):.1f}" stroke="{AXIS}"/>'
    )
    return _svg(body + _legend([(s.name, s.color) for s in series if s.legend]), label)


def _polyline(s: Series, sx: Callable[[float], float], sy: Callable[[float], float]) -> str:
    """Return one series as a polyline (a dot when it has a single point)."""
    title = f"<title>{escape(s.name)}</title>"
    if len(s.points) == 1:
        x, y = s.points[0]
        return (
            f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{s.color}" '
            f'fill-opacity="{s.opacity}">{title}</circle>'
        )
    coords = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in s.points)
    dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
    return (
        f'<polyline points="{coords}" fill="none" stroke="{s.color}" stroke-width="{s.width}" '
        f'stroke-opacity="{s.opacity}" stroke-linejoin="round" stroke-linecap="round"{dash}>'
        f"{title}</polyline>"
    )


def hbars(label: str, items: Sequence[tuple[str, float, str]], fmt: Callable[[float], str]) -> str:
    """Return horizontal bars for ``(name, value, colour)`` rows, each labelled ``fmt(value)``."""
    if not items:
        return empty(label, "no timings")
    left, top = 96, 14
    row_h = min(34.0, (H - top - 10) / len(items))
    biggest = max(v for _, v, _ in items) or 1.0
    width = W - left - 70
    body = []
    for i, (name, value, color) in enumerate(items):
        y = top + i * row_h
        bar_h = min(22.0, row_h * 0.7)
        w = max(1.0, width * value / biggest)
        body.append(_text(left - 8, y + row_h / 2 + 4, name, anchor="end", size=11))
        body.append(
            f'<rect x="{left}" y="{y + (row_h - bar_h) / 2:.1f}" width="{w:.1f}" '
            f'height="{bar_h:.1f}" rx="3" fill="{color}"/>'
        )
        body.append(_text(left + w + 6, y + row_h / 2 + 4, fmt(value), anchor="start", size=10))
    return _svg(body, label)


def stacked_bars(
    label: str,
    groups: Sequence[str],
    categories: Sequence[tuple[str, str]],
    counts: Sequence[Sequence[int]],
) -> str:
    """Return 100%-stacked bars: ``counts[g][c]`` items of category ``c`` in group ``g``.

    Each bar is labelled with its group's total; empty groups show a dash. The legend
    lists only categories that occur.
    """
    if not any(sum(row) for row in counts):
        return empty(label, "no candidates")
    plot_h = H - TOP - BOTTOM
    scale = lambda v: TOP + plot_h * (1 - v)  # noqa: E731
    body = _y_axis([0, 0.25, 0.5, 0.75, 1.0], scale, lambda t: f"{t * 100:.0f}%")
    slot = (W - LEFT - RIGHT) / max(1, len(groups))
    bar_w = min(48.0, slot * 0.6)
    for g, group in enumerate(groups):
        x, total, acc = LEFT + slot * g + (slot - bar_w) / 2, sum(counts[g]), 0
        body.append(_text(LEFT + slot * (g + 0.5), H - BOTTOM + 16, group, size=11))
        if not total:
            body.append(_text(x + bar_w / 2, scale(0) - 4, "–", size=12, fill_opacity="0.5"))
            continue
        for c, (name, color) in enumerate(categories):
            n = counts[g][c]
            if not n:
                continue
            y0, y1 = scale(acc / total), scale((acc + n) / total)
            acc += n
            tip = escape(f"{group} · {name}: {n} of {total}")
            body.append(
                f'<rect x="{x:.1f}" y="{y1:.1f}" width="{bar_w:.1f}" height="{y0 - y1:.1f}" '
                f'fill="{color}"><title>{tip}</title></rect>'
            )
        body.append(_text(LEFT + slot * (g + 0.5), H - BOTTOM + 29, f"n={total}", size=9))
    used = [cat for c, cat in enumerate(categories) if any(row[c] for row in counts)]
    return _svg(body + _legend(used), label)


Estimate = tuple[float, float, float]
"""``(mean, lo, hi)``: a point estimate with its interval."""


def interval_bars(
    label: str,
    groups: Sequence[str],
    series: Sequence[tuple[str, str]],
    values: Sequence[Sequence[Estimate | None]],
    signed: bool = False,
) -> str:
    """Return grouped bars of fractions with error bars (the interval), shown in percent.

    ``values[s][g]`` is series ``s`` in group ``g`` (None = not measured, drawn as a dash).
    ``signed`` draws differences: the axis spans the largest interval end either side of
    a marked zero line, and bars grow up or down from it.
    """
    ends = [abs(x) for row in values for v in row if v for x in v]
    if signed:
        top = nice_ticks(0, max(ends, default=0.01) or 0.01, 3)[-1]
        lo_v, hi_v = -top, top
    else:
        lo_v, hi_v = 0.0, 1.0
    plot_h = H - TOP - BOTTOM
    scale = lambda v: TOP + plot_h * (hi_v - max(lo_v, min(hi_v, v))) / (hi_v - lo_v)  # noqa: E731
    ticks = [lo_v, lo_v / 2, 0.0, hi_v / 2, hi_v] if signed else [0, 0.25, 0.5, 0.75, 1.0]
    body = _y_axis(ticks, scale, lambda t: _tick(t, signed))
    slot = (W - LEFT - RIGHT) / max(1, len(groups))
    bar_w = min(30.0, slot * 0.8 / max(1, len(series)))
    zero = scale(0.0)
    for g, group in enumerate(groups):
        x0 = LEFT + slot * g + (slot - bar_w * len(series)) / 2
        for s, (name, color) in enumerate(series):
            v = values[s][g]
            bar = _interval_bar(x0 + s * bar_w, bar_w, v, color, scale, zero, signed)
            tip = f"{name} · {group}" + (
                f": {100 * v[0]:.1f} [{100 * v[1]:.1f}, {100 * v[2]:.1f}]" if v else ": not run"
            )
            body.append(f"<g><title>{escape(tip)}</title>{''.join(bar)}</g>")
        body.append(_text(LEFT + slot * (g + 0.5), H - BOTTOM + 16, group, size=11))
    stroke = INK if signed else AXIS
    body.append(
        f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{zero:.1f}" y2="{zero:.1f}" stroke="{stroke}"/>'
    )
    return _svg(body + _legend(series), label)


def _interval_bar(
    x: float,
    w: float,
    value: Estimate | None,
    color: str,
    scale: Callable[[float], float],
    zero: float,
    signed: bool,
) -> list[str]:
    """Return one bar (from zero to the mean) with its whisker from ``lo`` to ``hi``."""
    if value is None:
        return [_text(x + w / 2, zero - 4, "–", size=12, fill_opacity="0.5")]
    mean, lo, hi = value
    y, top = scale(mean), min(scale(mean), zero)
    height = max(abs(zero - y), 0.5)
    mid, y_lo, y_hi = x + w / 2, scale(lo), scale(hi)
    label = f"{100 * mean:+.1f}" if signed else f"{100 * mean:.0f}"
    return [
        f'<rect x="{x + 2:.1f}" y="{top:.1f}" width="{w - 4:.1f}" height="{height:.1f}" '
        f'rx="2" fill="{color}" fill-opacity="0.85"/>',
        f'<line x1="{mid:.1f}" x2="{mid:.1f}" y1="{y_lo:.1f}" y2="{y_hi:.1f}" stroke="{INK}" '
        'stroke-width="1.4"/>',
        f'<line x1="{mid - 4:.1f}" x2="{mid + 4:.1f}" y1="{y_lo:.1f}" y2="{y_lo:.1f}" '
        f'stroke="{INK}" stroke-width="1.4"/>',
        f'<line x1="{mid - 4:.1f}" x2="{mid + 4:.1f}" y1="{y_hi:.1f}" y2="{y_hi:.1f}" '
        f'stroke="{INK}" stroke-width="1.4"/>',
        _text(mid, min(y_hi, y) - 4, label, size=9),
    ]


def _tick(value: float, signed: bool) -> str:
    """Return an axis label: ``25%`` for fractions, ``+10``/``0``/``-10`` points for differences."""
    if not signed:
        return f"{value * 100:.0f}%"
    return "0" if abs(value) < 1e-12 else f"{value * 100:+.0f}"
