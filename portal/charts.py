"""Accessible charts drawn on the server as SVG: no JavaScript, no chart library.

Every chart stands beside a GOV.UK table holding the same figures: the SVG has ``role="img"``,
is named by its own ``<title>`` and described by that table (``aria-describedby``). Values are
printed on the chart, so colour never carries meaning alone; a suppressed ("c") or unknown
value is drawn as a labelled gap, never as a bar of 0. Every piece of text comes from data and
is escaped. Colours are GOV.UK Frontend's palette.
"""

from __future__ import annotations

import math

from markupsafe import Markup, escape

from portal.figures import HIDDEN_TEXT, display, number, status
from projections.sufficiency.tables import COUNT, MONEY, PERCENT, Table

WIDTH = 640
# A dashboard draws each chart twice, at the width of its column on a wide screen and on a
# phone, and shows the one that fits (app.css), so printed words stay readable at 390 px.
WIDE, NARROW = 960, 360
BLUE = "#1d70b8"  # GOV.UK brand blue: bars and the line
DARK_BLUE = "#0f385c"
BAND = "#d2e2f1"  # blue tint: the band of uncertainty
RED = "#ca3535"  # the target line (also dashed and labelled)
TEXT = "#0b0c0c"
SECONDARY = "#484949"
GRID = "#cecece"
WHITE = "#ffffff"
CHAR = 7.4  # rough width of one character at 14px Arial, for placing printed values


def nice_scale(low: float, high: float, kind: str = COUNT,
               ticks: int = 4) -> tuple[float, float, float]:
    """An axis from ``low`` to ``high`` (both widened to include 0) in round steps: returns
    (start, end, step). Every tick reads exactly as the column shows its figures: whole steps
    for counts and money, steps of 0.1 or more for figures shown to one decimal place. Data
    that is all zero (or all unknown) gets an axis of 0 to 100% or of 0 to 4."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low <= 0:
        return (0.0, 100.0, 25.0) if kind == PERCENT else (0.0, 4.0, 1.0)
    smallest = 1.0 if kind in (COUNT, MONEY) else 0.1
    raw = max((high - low) / ticks, smallest)
    magnitude = 10 ** math.floor(math.log10(raw))
    multiples = (1, 2, 2.5, 5, 10) if magnitude * 2.5 >= smallest * 10 else (1, 2, 5, 10)
    step = next(m * magnitude for m in multiples if m * magnitude >= raw * (1 - 1e-9))
    start = math.floor(low / step + 1e-9) * step
    end = math.ceil(high / step - 1e-9) * step
    return round(start, 6), round(end, 6), round(step, 6)


def _f(value: float) -> str:
    """A coordinate: finite, two decimals at most."""
    if not math.isfinite(value):
        raise ValueError("a chart coordinate must be finite")
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: int = 14,
          fill: str = TEXT, weight: str | None = None, style: str | None = None,
          cls: str | None = None) -> str:
    extra = f' font-weight="{weight}"' if weight else ""
    extra += f' font-style="{style}"' if style else ""
    extra += f' class="{cls}"' if cls else ""
    return (f'<text x="{_f(x)}" y="{_f(y)}" font-size="{size}" fill="{fill}" '
            f'text-anchor="{anchor}"{extra}>{escape(content)}</text>')


def _svg(chart_id: str, table_id: str, height: float, title: str, body: list[str],
         kind: str, width: float = WIDTH, variant: str = "") -> Markup:
    # Every text in ``body`` went through _text (escaped); the rest are numbers and constants.
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart app-chart--{kind}'
        f'{" app-chart--" + variant if variant else ""}" '
        f'id="{escape(chart_id)}" viewBox="0 0 {_f(width)} {_f(height)}" width="{_f(width)}" '
        f'height="{_f(height)}" role="img" focusable="false" '
        f'aria-labelledby="{escape(chart_id)}-title" aria-describedby="{escape(table_id)}" '
        f'font-family="Arial, sans-serif">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        + "".join(body) + "</svg>")


def _gap_label(value) -> str:
    return "c (hidden)" if status(value) == HIDDEN_TEXT else "unknown"


def _axis(start: float, end: float, step: float, scale, top: float, bottom: float,
          kind: str, horizontal: bool) -> list[str]:
    """Grid lines with their values: vertical lines for a bar chart, horizontal for a line."""
    parts = []
    count = round((end - start) / step)
    for i in range(count + 1):
        value = start + i * step
        at = scale(value)
        label = display(value, kind)
        if horizontal:
            parts.append(f'<line x1="{_f(at)}" x2="{_f(at)}" y1="{_f(top)}" y2="{_f(bottom)}" '
                         f'stroke="{GRID}" stroke-width="1"/>')
            anchor = "start" if i == 0 else "end" if i == count else "middle"
            parts.append(_text(at, bottom + 16, label, anchor=anchor, size=12, fill=SECONDARY))
        else:
            parts.append(f'<line x1="{_f(top)}" x2="{_f(bottom)}" y1="{_f(at)}" y2="{_f(at)}" '
                         f'stroke="{GRID}" stroke-width="1"/>')
            parts.append(_text(top - 6, at + 4, label, anchor="end", size=12, fill=SECONDARY))
    return parts


def bar_chart(table: Table, chart_id: str, table_id: str, width: float = WIDTH,
              variant: str = "") -> Markup:
    """Horizontal bars of the charted column, one per row, each labelled above its bar."""
    label_col, value_col = table.columns[0], table.column(table.chart.value)
    target = number(table.chart.target)
    values = [number(row.get(value_col.key)) for row in table.rows]
    known = [v for v in values if v is not None] + ([target] if target is not None else [])
    start, end, step = nice_scale(min(known, default=0.0), max(known, default=0.0),
                                  value_col.kind)
    left, right = 4.0, width - 80.0  # room after the longest bar for its printed value
    top = 30.0 if target is not None else 8.0
    row_height = 48.0

    def x(value: float) -> float:
        return left + (value - start) / (end - start) * (right - left)

    bottom = top + row_height * max(len(table.rows), 1)
    body = _axis(start, end, step, x, top, bottom, value_col.kind, horizontal=True)
    zero = x(0.0)
    for i, (row, value) in enumerate(zip(table.rows, values, strict=True)):
        y = top + i * row_height
        body.append(_text(left, y + 15, display(row.get(label_col.key), label_col.kind),
                          weight="bold"))
        bar_y = y + 21
        if value is None:
            body.append(_text(zero + 4, bar_y + 15, _gap_label(row.get(value_col.key)),
                              style="italic", fill=SECONDARY, cls="app-chart__gap"))
            continue
        x0, x1 = sorted((zero, x(value)))
        body.append(f'<rect class="app-chart__bar" x="{_f(x0)}" y="{_f(bar_y)}" '
                    f'width="{_f(x1 - x0)}" height="20" fill="{BLUE}" '
                    f'data-value="{escape(repr(value))}"/>')
        printed = display(row.get(value_col.key), value_col.kind)
        room = len(printed) * CHAR + 8
        if x1 - x0 > room:  # inside the end of the bar, white on blue
            at, anchor, fill = (x1 - 4, "end", WHITE) if value >= 0 else (x0 + 4, "start", WHITE)
        else:
            at, anchor, fill = (x1 + 4, "start", TEXT) if value >= 0 else (x0 - 4, "end", TEXT)
        body.append(_text(at, bar_y + 15, printed, anchor=anchor, fill=fill,
                          cls="app-chart__value"))
    if not table.rows:
        body.append(_text(left, top + 30, "No figures to show", style="italic", fill=SECONDARY))
    body.append(f'<line x1="{_f(zero)}" x2="{_f(zero)}" y1="{_f(top)}" y2="{_f(bottom)}" '
                f'stroke="{TEXT}" stroke-width="1"/>')
    if target is not None:
        at = x(target)
        body.append(f'<line class="app-chart__target" x1="{_f(at)}" x2="{_f(at)}" '
                    f'y1="{_f(top - 6)}" y2="{_f(bottom)}" stroke="{RED}" stroke-width="2" '
                    f'stroke-dasharray="6 4"/>')
        anchor = "end" if at > width / 2 else "start"
        body.append(_text(at, top - 12, f"Target: {display(target, value_col.kind)}",
                          anchor=anchor, size=13, weight="bold", cls="app-chart__target-label"))
    title = f"{table.title}: bar chart of {value_col.label.lower()} by " \
            f"{label_col.label.lower()}"
    return _svg(chart_id, table_id, bottom + 24, title, body, "bar", width, variant)


def _runs(points: list[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Unbroken stretches of known points: a gap (low or unknown) breaks the line."""
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if run]


def _legend(items: list[tuple[str, str]], y: float,
            width: float = WIDTH) -> tuple[list[str], float]:
    """Swatches with their words, in rows that fit the width; returns them and the y below."""
    parts, at = [], 0.0
    for swatch, label in items:
        room = 30 + len(label) * 6.8
        if at and at + room > width:
            at, y = 0.0, y + 22
        parts.append(swatch.format(x=_f(at), x2=_f(at + 24), y=_f(y), y0=_f(y - 6)))
        parts.append(_text(at + 30, y + 5, label, size=13))
        at += room + 24
    return parts, y + 16


def line_chart(table: Table, chart_id: str, table_id: str, width: float = WIDTH,
               variant: str = "") -> Markup:
    """A line over the rows (periods, in order) with an optional band of uncertainty between
    the chart's ``low`` and ``high`` columns and an optional target line."""
    chart = table.chart
    label_col, value_col = table.columns[0], table.column(chart.value)
    low_col = table.column(chart.low) if chart.low else None
    high_col = table.column(chart.high) if chart.high else None
    target = number(chart.target)
    values = [number(row.get(value_col.key)) for row in table.rows]
    lows = [number(row.get(low_col.key)) if low_col else None for row in table.rows]
    highs = [number(row.get(high_col.key)) if high_col else None for row in table.rows]
    known = [v for v in (*values, *lows, *highs, target) if v is not None]
    start, end, step = nice_scale(min(known, default=0.0), max(known, default=0.0),
                                  value_col.kind)
    left, right, top, bottom = 64.0, width - 24.0, 44.0, 264.0
    count = len(table.rows)

    def x(i: int) -> float:
        if count <= 1:
            return (left + right) / 2
        return left + 16 + i * (right - left - 32) / (count - 1)

    def y(value: float) -> float:
        return bottom - (value - start) / (end - start) * (bottom - top)

    body = _axis(start, end, step, y, left, right, value_col.kind, horizontal=False)
    legend = [('<line x1="{x}" x2="{x2}" y1="{y}" y2="{y}" stroke="' + BLUE
               + '" stroke-width="3"/>', value_col.label)]
    if low_col and high_col:
        band_points = [(i, lo, hi) for i, (lo, hi) in enumerate(zip(lows, highs, strict=True))]
        for run in _runs([(i, 0.0) if lo is not None and hi is not None else None
                          for i, lo, hi in band_points]):
            upper = [f"{_f(x(i))},{_f(y(highs[int(i)]))}" for i, _ in run]
            lower = [f"{_f(x(i))},{_f(y(lows[int(i)]))}" for i, _ in reversed(run)]
            body.append(f'<polygon class="app-chart__band" points="{" ".join(upper + lower)}" '
                        f'fill="{BAND}" stroke="{BLUE}" stroke-width="1" '
                        f'stroke-dasharray="2 3"/>')
        legend.append(('<rect x="{x}" y="{y0}" width="24" height="12" fill="' + BAND
                       + '" stroke="' + BLUE + '" stroke-dasharray="2 3"/>',
                       f"Range: {low_col.label.lower()} to {high_col.label.lower()}"))
    banded = [lo is not None and hi is not None for lo, hi in zip(lows, highs, strict=True)]
    counted, projected = [], []  # a segment leading to a point with a band is a forecast
    for i in range(1, count):
        if values[i - 1] is not None and values[i] is not None:
            segment = f"M{_f(x(i - 1))} {_f(y(values[i - 1]))} L{_f(x(i))} {_f(y(values[i]))}"
            (projected if banded[i] else counted).append(segment)
    if counted:
        body.append(f'<path class="app-chart__line" d="{" ".join(counted)}" fill="none" '
                    f'stroke="{BLUE}" stroke-width="3"/>')
    if projected:
        body.append(f'<path class="app-chart__line app-chart__line--projected" '
                    f'd="{" ".join(projected)}" fill="none" stroke="{DARK_BLUE}" '
                    f'stroke-width="3" stroke-dasharray="8 5"/>')
        legend.insert(1, ('<line x1="{x}" x2="{x2}" y1="{y}" y2="{y}" stroke="' + DARK_BLUE
                          + '" stroke-width="3" stroke-dasharray="8 5"/>', "Forecast"))
    # As many labels along the bottom as fit side by side, always the first and the last.
    labels = [display(row.get(label_col.key), label_col.kind) for row in table.rows]
    room = max((len(label) for label in labels), default=1) * 6.8 + 16
    every = max(1, math.ceil(count / max(1, int((right - left) // room))))
    crowded = count > 24
    for i, value in enumerate(values):
        if (i % every == 0 and count - 1 - i >= every) or i == count - 1:
            half = len(labels[i]) * 3.4
            anchor = "end" if x(i) + half > width else "start" if x(i) - half < 0 else "middle"
            at = width - 2 if anchor == "end" else 2 if anchor == "start" else x(i)
            body.append(_text(at, bottom + 18, labels[i], anchor=anchor, size=12))
        if value is None:
            if not crowded:
                body.append(_text(x(i), bottom - 8, _gap_label(table.rows[i].get(value_col.key)),
                                  anchor="middle", size=12, style="italic", fill=SECONDARY,
                                  cls="app-chart__gap"))
            continue
        if not crowded:
            body.append(f'<circle class="app-chart__point" cx="{_f(x(i))}" '
                        f'cy="{_f(y(value))}" r="4" fill="{WHITE}" stroke="{DARK_BLUE}" '
                        f'stroke-width="2" data-value="{escape(repr(value))}"/>')
        if count <= 12:
            body.append(_text(x(i), y(value) - 9, display(table.rows[i].get(value_col.key),
                                                          value_col.kind),
                              anchor="middle", size=12, weight="bold", cls="app-chart__value"))
    if crowded and any(v is None for v in values):
        legend.append(('<line x1="{x}" x2="{x2}" y1="{y}" y2="{y}" stroke="' + GRID
                       + '" stroke-width="1"/>', "Breaks in the line: hidden (c) or unknown"))
    if not table.rows:
        body.append(_text(left + 8, (top + bottom) / 2, "No figures to show", style="italic",
                          fill=SECONDARY))
    if target is not None:
        at = y(target)
        body.append(f'<line class="app-chart__target" x1="{_f(left)}" x2="{_f(right)}" '
                    f'y1="{_f(at)}" y2="{_f(at)}" stroke="{RED}" stroke-width="2" '
                    f'stroke-dasharray="6 4"/>')
        legend.append(('<line x1="{x}" x2="{x2}" y1="{y}" y2="{y}" stroke="' + RED
                       + '" stroke-width="2" stroke-dasharray="6 4"/>',
                       f"Target: {display(target, value_col.kind)}"))
    key, below = _legend(legend, 14.0, width)
    shift = max(0.0, below - 30.0)  # the plot moves down when the legend takes two rows
    plot = [f'<g transform="translate(0 {_f(shift)})">', *body, "</g>"] if shift else body
    title = f"{table.title}: line chart of {value_col.label.lower()} by " \
            f"{label_col.label.lower()}"
    return _svg(chart_id, table_id, bottom + 30 + shift, title, key + plot, "line", width,
                variant)


def chart_svg(table: Table, chart_id: str, table_id: str) -> Markup | None:
    """The table's chart, or None when it has none or has no rows to draw."""
    if table.chart is None or not table.rows:
        return None
    draw = line_chart if table.chart.kind == "line" else bar_chart
    return draw(table, chart_id, table_id)


def responsive_chart(table: Table, chart_id: str, table_id: str) -> Markup | None:
    """The table's chart drawn for a wide column and for a phone's (``chart_id`` and
    ``chart_id``-narrow); the page's style sheet shows the one that fits the screen."""
    if table.chart is None or not table.rows:
        return None
    draw = line_chart if table.chart.kind == "line" else bar_chart
    return (draw(table, chart_id, table_id, WIDE, "wide")
            + draw(table, f"{chart_id}-narrow", table_id, NARROW, "narrow"))
