"""Charts drawn on the server as SVG: a line over days and horizontal bars. No script, nothing from a CDN.

Each chart is an `<svg role="img">` named by its title; its points carry their
figure in a `<title>` (a tooltip). The page puts the same numbers in a
`<table>` beside it, for screen readers and for copying. Colours come from the
stylesheet (classes `chart-line`, `chart-bar`...), sizes from the viewBox, so
a chart shrinks to a phone's width.
"""

import math
from collections.abc import Callable, Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# The drawing area inside the viewBox, in its units.
LINE_WIDTH, LINE_HEIGHT = 400, 200
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 28
BAR_WIDTH, BAR_ROW, BAR_THICKNESS = 400, 44, 16
MAX_X_LABELS = 6


def nice_top(largest: float, ticks: int = 4) -> tuple[float, float]:
    """(top, step) of an axis from 0 that holds `largest`: step is 1, 2 or 5 times a power of ten."""
    if largest <= 0:
        return 1.0, 0.25
    raw = largest / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return step * math.ceil(largest / step - 1e-9), step


def _number(value: float) -> str:
    """A coordinate with at most two decimals: small, stable markup."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def line_chart(
    *, title: str, labels: Sequence[str], values: Sequence[float], fmt: Callable[[float], str] = "{:,.0f}".format
) -> SafeString:
    """One line through `values` (one per label, e.g. a day), on an axis from 0 with gridlines and their figures."""
    plot_w, plot_h = LINE_WIDTH - LEFT - RIGHT, LINE_HEIGHT - TOP - BOTTOM
    top, step = nice_top(max(values, default=0))

    def y(value):
        return TOP + plot_h * (1 - value / top)

    def x(index):
        return LEFT + (plot_w * index / (len(values) - 1) if len(values) > 1 else plot_w / 2)

    ticks = [step * n for n in range(round(top / step) + 1)]
    grid = format_html_join(
        "",
        '<line class="chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
        '<text class="chart-tick-y" x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>',
        ((LEFT, LEFT + plot_w, _number(y(t)), _number(y(t)), LEFT - 6, _number(y(t)), fmt(t)) for t in ticks),
    )
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    shown = [i for i in range(len(labels)) if i % every == 0]
    x_labels = format_html_join(
        "",
        '<text class="chart-tick-x" x="{}" y="{}" text-anchor="middle">{}</text>',
        ((_number(x(i)), LINE_HEIGHT - 8, labels[i]) for i in shown),
    )
    points = " ".join(f"{_number(x(i))},{_number(y(v))}" for i, v in enumerate(values))
    dots = format_html_join(
        "",
        '<circle class="chart-point" cx="{}" cy="{}" r="3"><title>{}: {}</title></circle>',
        ((_number(x(i)), _number(y(v)), labels[i], fmt(v)) for i, v in enumerate(values)),
    )
    return format_html(
        '<svg class="chart chart-line-chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg">{}{}<polyline class="chart-line" fill="none" points="{}"/>{}</svg>',
        LINE_WIDTH,
        LINE_HEIGHT,
        title,
        grid,
        x_labels,
        points,
        dots,
    )


def bar_chart(
    *, title: str, labels: Sequence[str], values: Sequence[float], fmt: Callable[[float], str] = "{:,.0f}".format
) -> SafeString:
    """One horizontal bar per label, longest for the largest value; each label above its bar, its figure after it."""
    plot_w = BAR_WIDTH - 72  # room for the figure after the longest bar
    largest = max(values, default=0) or 1
    rows = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        top = index * BAR_ROW
        length = plot_w * value / largest
        rows.append(
            (
                top + 14,
                label if len(label) <= 56 else label[:55] + "…",
                _number(top + 20),
                _number(length),
                BAR_THICKNESS,
                label,
                fmt(value),
                _number(length + 6),
                _number(top + 20 + BAR_THICKNESS / 2),
                fmt(value),
            )
        )
    bars = format_html_join(
        "",
        '<text class="chart-label" x="0" y="{}">{}</text>'
        '<rect class="chart-bar" x="0" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>'
        '<text class="chart-value" x="{}" y="{}" dominant-baseline="middle">{}</text>',
        rows,
    )
    return format_html(
        '<svg class="chart chart-bar-chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg">{}</svg>',
        BAR_WIDTH,
        max(len(rows), 1) * BAR_ROW,
        title,
        bars,
    )
