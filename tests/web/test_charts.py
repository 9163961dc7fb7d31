"""The server-drawn SVG charts and the figures' formatting, on tables built by hand."""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET

import pytest

from portal.charts import bar_chart, chart_svg, line_chart, nice_scale
from portal.figures import csv_value, display, explanation
from projections.sufficiency.tables import (
    COUNT,
    HIDDEN,
    MONEY,
    NUMBER,
    PERCENT,
    RATE,
    TEXT,
    Chart,
    Column,
    Table,
)

SVG = "{http://www.w3.org/2000/svg}"
NUMERIC_ATTRIBUTES = {"x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height"}


def parse(markup) -> ET.Element:
    text = str(markup)
    assert not re.search(r'="-?(nan|inf)', text, re.IGNORECASE)
    svg = ET.fromstring(text)  # noqa: S314 (the portal's own output, in a test)
    for element in svg.iter():
        for name, value in element.attrib.items():
            if name in NUMERIC_ATTRIBUTES:
                assert math.isfinite(float(value)), (name, value)
    return svg


def table(rows, kind=COUNT, chart=None, label="Placement type") -> Table:
    return Table(
        key="by-type", title="Placements by type", definition="Open placements on the date.",
        columns=[Column("label", label, TEXT), Column("value", "Children", kind),
                 Column("low", "Lower estimate", kind), Column("high", "Upper estimate", kind)],
        rows=rows, chart=chart or Chart(value="value"))


def bars(svg: ET.Element) -> list[ET.Element]:
    return [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "app-chart__bar"]


def texts(svg: ET.Element, cls: str | None = None) -> list[str]:
    return ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")
            if cls is None or t.get("class") == cls]


def test_a_bar_chart_names_itself_and_points_at_its_table():
    svg = parse(bar_chart(table([{"label": "Children's homes", "value": 42}]),
                          "chart-by-type", "table-by-type"))
    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title")
    assert svg.get("aria-labelledby") == title.get("id") == "chart-by-type-title"
    assert svg.get("aria-describedby") == "table-by-type"
    assert "Placements by type" in title.text


def test_bar_lengths_are_proportional_to_the_values_and_each_value_is_printed():
    rows = [{"label": "Foster care", "value": 300}, {"label": "Children's homes", "value": 42},
            {"label": "Supported accommodation", "value": 1_250}]
    svg = parse(bar_chart(table(rows), "c", "t"))
    widths = [float(b.get("width")) for b in bars(svg)]
    ratios = [w / row["value"] for w, row in zip(widths, rows, strict=True)]
    assert max(ratios) - min(ratios) < 0.01
    assert texts(svg, "app-chart__value") == ["300", "42", "1,250"]
    assert {"Foster care", "Children's homes", "Supported accommodation"} <= set(texts(svg))
    assert all(float(b.get("x")) + float(b.get("width")) <= 640 for b in bars(svg))


def test_suppressed_and_unknown_values_are_labelled_gaps_never_bars_of_zero():
    rows = [{"label": "Kent", "value": 12}, {"label": "Dorset", "value": HIDDEN},
            {"label": "Torbay", "value": None}, {"label": "Devon", "value": 0}]
    svg = parse(bar_chart(table(rows), "c", "t"))
    assert [float(b.get("data-value")) for b in bars(svg)] == [12.0, 0.0]
    assert texts(svg, "app-chart__gap") == ["c (hidden)", "unknown"]
    assert texts(svg, "app-chart__value") == ["12", "0"]


@pytest.mark.parametrize("rows", [
    [{"label": "Only", "value": 0}],
    [{"label": "A", "value": 0}, {"label": "B", "value": 0}],
    [{"label": "Only", "value": 7}],
    [{"label": "A", "value": HIDDEN}],
    [],
])
def test_all_zero_single_row_all_suppressed_and_empty_data_draw_finite_charts(rows):
    svg = parse(bar_chart(table(rows), "c", "t"))
    for element in svg.iter():
        for name in ("x", "y", "width", "height", "x1", "x2", "y1", "y2"):
            if element.get(name) is not None:
                assert math.isfinite(float(element.get(name)))
    if rows and rows[0]["value"] == 7:
        assert float(bars(svg)[0].get("width")) > 100


def test_negative_values_draw_left_of_the_zero_line():
    rows = [{"label": "Gap", "value": -51}, {"label": "Spare", "value": 20}]
    svg = parse(bar_chart(table(rows, kind=NUMBER), "c", "t"))
    gap, spare = bars(svg)
    assert float(gap.get("x")) + float(gap.get("width")) == pytest.approx(float(spare.get("x")))
    assert float(gap.get("width")) / 51 == pytest.approx(float(spare.get("width")) / 20,
                                                          rel=0.01)


def test_every_text_from_data_is_escaped():
    evil = '<script>alert("x")</script> & "quotes"'
    t = table([{"label": evil, "value": 3}], label="A & B")
    t.title = "</title><script>"
    markup = str(bar_chart(t, "c", "t"))
    assert "<script>" not in markup
    svg = parse(markup)
    assert evil in texts(svg)
    assert svg.find(f"{SVG}title").text.startswith("</title><script>")


def test_a_target_is_a_dashed_labelled_line_at_its_value():
    rows = [{"label": "Dorset", "value": 42.0}, {"label": "England", "value": 14.0}]
    svg = parse(bar_chart(table(rows, kind=PERCENT, chart=Chart("value", target=30.0)),
                          "c", "t"))
    line = next(e for e in svg.iter(f"{SVG}line") if e.get("class") == "app-chart__target")
    assert line.get("stroke-dasharray")
    dorset = bars(svg)[0]
    per_unit = float(dorset.get("width")) / 42.0
    assert float(line.get("x1")) - float(dorset.get("x")) == pytest.approx(30 * per_unit,
                                                                            rel=0.01)
    assert "Target: 30.0%" in texts(svg)
    assert texts(svg, "app-chart__value") == ["42.0%", "14.0%"]


def forecast(rows, target=None):
    return table(rows, chart=Chart("value", kind="line", low="low", high="high",
                                   target=target), label="Year")


def test_a_line_chart_draws_points_a_band_and_a_target():
    rows = [{"label": "2024", "value": 449, "low": 449, "high": 449},
            {"label": "2025", "value": 470, "low": 440, "high": 500},
            {"label": "2026", "value": 490, "low": 430, "high": 550}]
    svg = parse(line_chart(forecast(rows, target=400), "f", "tf"))
    points = [c for c in svg.iter(f"{SVG}circle") if c.get("class") == "app-chart__point"]
    assert [float(p.get("data-value")) for p in points] == [449, 470, 490]
    ys = [float(p.get("cy")) for p in points]
    assert ys[0] > ys[1] > ys[2]  # higher values sit higher up
    # Equal steps in value are equal steps on the page.
    assert (ys[0] - ys[1]) / 21 == pytest.approx((ys[1] - ys[2]) / 20, rel=0.01)
    band = next(e for e in svg.iter(f"{SVG}polygon") if e.get("class") == "app-chart__band")
    assert len(band.get("points").split()) == 6
    assert "Target: 400" in texts(svg)
    assert "Range: lower estimate to upper estimate" in texts(svg)
    assert texts(svg, "app-chart__value") == ["449", "470", "490"]


def test_a_gap_breaks_the_line_and_is_labelled():
    rows = [{"label": "Q1", "value": 5}, {"label": "Q2", "value": 6},
            {"label": "Q3", "value": HIDDEN}, {"label": "Q4", "value": 8},
            {"label": "Q5", "value": 9}]
    t = table(rows, chart=Chart("value", kind="line"), label="Quarter")
    svg = parse(chart_svg(t, "l", "tl"))
    (path,) = [p for p in svg.iter(f"{SVG}path") if p.get("class") == "app-chart__line"]
    segments = [[float(n) for n in re.findall(r"[\d.]+", part)]
                for part in path.get("d").split("M")[1:]]
    gap_x = float(next(t for t in svg.iter(f"{SVG}text")
                       if t.get("class") == "app-chart__gap").get("x"))
    assert len(segments) == 2  # Q1 to Q2 and Q4 to Q5: nothing is drawn across Q3
    assert all(not (x1 < gap_x < x2) for x1, _, x2, _ in segments)
    assert texts(svg, "app-chart__gap") == ["c (hidden)"]
    assert not list(svg.iter(f"{SVG}polygon"))


def test_a_forecast_is_dashed_and_named_in_the_legend_and_long_series_stay_legible():
    rows = [{"label": f"Month {i:02d}", "value": 400 + i, "low": None, "high": None}
            for i in range(40)]
    rows += [{"label": f"Month {i:02d}", "value": 440 + i, "low": 430 + i, "high": 450 + i}
             for i in range(40, 76)]
    rows[10]["value"] = None
    svg = parse(line_chart(forecast(rows), "f", "tf"))
    counted, projected = sorted((p for p in svg.iter(f"{SVG}path")), key=lambda p: p.get("class"))
    assert projected.get("class").endswith("--projected") and projected.get("stroke-dasharray")
    assert not counted.get("stroke-dasharray")
    assert len(projected.get("d").split("M")) - 1 == 36  # every step into a forecast month
    assert {"Forecast", "Breaks in the line: hidden (c) or unknown"} <= set(texts(svg))
    labels = [t for t in svg.iter(f"{SVG}text") if "".join(t.itertext()).startswith("Month")]
    xs = sorted(float(t.get("x")) for t in labels)
    # Labels never overlap: each is about 8 characters of 6.8 pixels wide, centred on its x.
    assert 2 < len(labels) < 12 and min(b - a for a, b in itertools.pairwise(xs)) > 8 * 6.8
    assert "Month 75" in texts(svg)


def test_a_long_legend_wraps_inside_the_chart_and_moves_the_plot_down():
    t = forecast([{"label": "November 2029", "value": 2473, "low": 2383, "high": 2563}],
                 target=2000)
    t.columns[2] = Column("low", "Lower end of the 95% range", COUNT)
    t.columns[3] = Column("high", "Upper end of the 95% range", COUNT)
    svg = parse(line_chart(t, "f", "tf"))
    for element in svg.iter(f"{SVG}text"):
        text = "".join(element.itertext())
        x = float(element.get("x"))
        width = len(text) * 6.8
        left = {"start": x, "middle": x - width / 2, "end": x - width}[element.get("text-anchor")]
        assert left >= 0 and left + width <= 640 + 1, text
    group = svg.find(f"{SVG}g")
    assert group is not None and group.get("transform") == "translate(0 22)"
    assert float(svg.get("height")) == pytest.approx(264 + 30 + 22)


@pytest.mark.parametrize("rows", [[], [{"label": "2026", "value": 0}],
                                  [{"label": "2026", "value": None}]])
def test_line_charts_of_little_data_stay_finite(rows):
    svg = parse(line_chart(forecast(rows), "f", "tf"))
    for element in svg.iter():
        for name in ("cx", "cy", "x", "y"):
            if element.get(name) is not None:
                assert math.isfinite(float(element.get(name)))


def test_a_table_without_a_chart_or_without_rows_draws_none():
    t = table([{"label": "A", "value": 1}])
    assert chart_svg(t, "c", "t") is not None
    t.chart = None
    assert chart_svg(t, "c", "t") is None
    assert chart_svg(table([]), "c", "t") is None


@pytest.mark.parametrize(("low", "high", "kind", "expected"), [
    (0, 0, COUNT, (0, 4, 1)), (0, 0, PERCENT, (0, 100, 25)), (0, 42, COUNT, (0, 60, 20)),
    (0, 1250, MONEY, (0, 1500, 500)), (-51, 20, NUMBER, (-60, 20, 20)),
    (0, 0.4, PERCENT, (0, 0.4, 0.1)), (0, 0.4, COUNT, (0, 1, 1)), (0, 3, COUNT, (0, 3, 1)),
    (0, 9, RATE, (0, 10, 2.5)), (0, 0.7, RATE, (0, 0.8, 0.2)),
])
def test_scales_are_round_include_zero_and_tick_as_the_column_reads(low, high, kind,
                                                                    expected):
    start, end, step = nice_scale(low, high, kind)
    assert start <= min(low, 0) and end >= high
    assert (start, end, step) == pytest.approx(expected)
    ticks = [start + i * step for i in range(round((end - start) / step) + 1)]
    # Every tick label is a different figure, exactly as the column would show it.
    assert len({display(t, kind) for t in ticks}) == len(ticks)


@pytest.mark.parametrize(("value", "kind", "shown", "in_csv"), [
    (1234, COUNT, "1,234", "1234"),
    (42.04, PERCENT, "42.0%", "42.0"),
    (41.95, PERCENT, "42.0%", "42.0"),
    (4556.5, MONEY, "£4,557", "4557"),
    (-1200, MONEY, "-£1,200", "-1200"),
    (71.04, RATE, "71.0", "71.0"),
    (HIDDEN, COUNT, "c", "c"),
    # "low" is what official statistics mean by it: not 0, but 0 at the precision shown.
    (0.04, PERCENT, "low", "low"),
    (-0.04, RATE, "low", "low"),
    (0.4, MONEY, "low", "low"),
    (0.0, PERCENT, "0.0%", "0.0"),
    (0.05, PERCENT, "0.1%", "0.1"),
    (None, MONEY, "unknown", "unknown"),
    (float("nan"), PERCENT, "unknown", "unknown"),
    (2.5, NUMBER, "2.5", "2.5"),
    (3, NUMBER, "3", "3"),
])
def test_figures_read_the_same_on_the_page_and_in_a_csv(value, kind, shown, in_csv):
    assert display(value, kind) == shown
    assert csv_value(value, kind) == in_csv


def test_hidden_low_and_unknown_carry_a_hidden_explanation():
    assert "confidential" in explanation(HIDDEN, COUNT)
    assert "hidden to protect children's privacy" in explanation(HIDDEN, PERCENT)
    assert "more than 0" in explanation(0.01, PERCENT)
    assert explanation(0, PERCENT) is None
    assert "cannot be worked out" in explanation(None, PERCENT)
    assert explanation(5, COUNT) is None
    assert explanation(None, TEXT) is None


@pytest.mark.parametrize("text", ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx"])
def test_text_a_spreadsheet_would_run_gets_a_leading_apostrophe(text):
    assert csv_value(text, TEXT) == "'" + text
    assert csv_value("Kent", TEXT) == "Kent"
