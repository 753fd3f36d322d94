"""The SVG charts say the numbers they were given: points and bars are read back from the markup."""

import xml.etree.ElementTree as ET

import pytest

from core.charts import bar_chart, line_chart, nice_top

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg):
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    return root


def _figure(text):
    return float(text.replace(",", "").rstrip("%")) / (100 if text.endswith("%") else 1)


def read_line(svg):
    """The values the polyline draws, found from the y axis' own gridline labels."""
    root = _parse(svg)
    ticks = [(float(t.get("y")), _figure(t.text)) for t in root.iter(f"{SVG}text") if t.get("class") == "chart-tick-y"]
    (y0, v0), (y1, v1) = ticks[0], ticks[-1]
    points = root.find(f"{SVG}polyline").get("points").split()
    xs = [float(p.split(",")[0]) for p in points]
    values = [v0 + (float(p.split(",")[1]) - y0) * (v1 - v0) / (y1 - y0) for p in points]
    return root, xs, values


def test_line_points_match_the_values_on_the_axis():
    values = [0, 12, 5, 40, 40, 7]
    root, xs, drawn = read_line(line_chart(title="Views per day", labels=list("abcdef"), values=values))
    assert drawn == pytest.approx(values, abs=0.05)
    assert xs == sorted(xs) and len(set(xs)) == len(xs)  # one step to the right per day
    assert root.get("aria-label") == "Views per day"
    titles = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")]
    assert titles == ["a: 0", "b: 12", "c: 5", "d: 40", "e: 40", "f: 7"]


def test_percentages_are_drawn_and_labelled_as_percentages():
    values = [0.02, 0.025, 0.0]
    root, _, drawn = read_line(line_chart(title="CTR", labels=["1", "2", "3"], values=values, fmt="{:.1%}".format))
    assert drawn == pytest.approx(values, abs=0.0005)
    assert [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")] == ["1: 2.0%", "2: 2.5%", "3: 0.0%"]


def test_a_flat_zero_line_and_a_single_day_still_draw():
    _, _, drawn = read_line(line_chart(title="Nothing", labels=["1", "2"], values=[0, 0]))
    assert drawn == pytest.approx([0, 0])
    _, xs, drawn = read_line(line_chart(title="One day", labels=["Mar 1"], values=[9]))
    assert drawn == pytest.approx([9], abs=0.05) and len(xs) == 1


def test_long_ranges_label_a_few_days_only():
    labels = [f"Day {n}" for n in range(90)]
    root = _parse(line_chart(title="90 days", labels=labels, values=list(range(90))))
    shown = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-tick-x"]
    assert 2 <= len(shown) <= 6 and shown[0] == "Day 0"
    assert len(list(root.iter(f"{SVG}circle"))) == 90


def test_bars_are_as_long_as_their_values():
    labels, values = ["ATOM in Black", "MOMENT", "FLUX <b>"], [30, 15, 3]
    root = _parse(bar_chart(title="Clicks per product", labels=labels, values=values))
    rects = list(root.iter(f"{SVG}rect"))
    widths = [float(r.get("width")) for r in rects]
    assert [w / widths[0] for w in widths] == pytest.approx([v / values[0] for v in values], abs=0.001)
    texts = [(t.get("class"), t.text) for t in root.iter(f"{SVG}text")]
    assert [t for c, t in texts if c == "chart-label"] == labels  # escaped in the markup, read back whole
    assert [t for c, t in texts if c == "chart-value"] == ["30", "15", "3"]
    assert [r.find(f"{SVG}title").text for r in rects] == ["ATOM in Black: 30", "MOMENT: 15", "FLUX <b>: 3"]
    ys = [float(r.get("y")) for r in rects]
    assert ys == sorted(ys)  # in the order given, top to bottom
    assert "<b>" not in str(bar_chart(title="t", labels=["<b>"], values=[1]))


def test_titles_are_escaped():
    svg = str(line_chart(title='"><script>', labels=["<i>"], values=[1]))
    assert "<script>" not in svg and "<i>" not in svg
    _parse(svg)


@pytest.mark.parametrize(
    "largest, top, step",
    [(0, 1, 0.25), (1, 1, 0.5), (7, 8, 2), (40, 40, 10), (41, 60, 20), (999, 1000, 500), (0.025, 0.03, 0.01)],
)
def test_the_axis_top_is_a_round_number_above_the_largest(largest, top, step):
    assert nice_top(largest) == pytest.approx((top, step))
