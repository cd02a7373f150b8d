"""What every chart owes its readers: a name and a description, readable text, safe colours, compact numbers."""

from __future__ import annotations

import re

import pytest

from scoring._funnel import classify_funnel, funnel_curve
from surveyapp.charts import (
    FunnelLimitLines,
    IndexItem,
    TrendPoint,
    funnel_plot,
    funnel_points,
    index_bar_chart,
    sparkline,
    trend_chart,
)
from tests.surveyapp.charts.svgtools import SVG, by_class, contrast, inherited, parse

WHITE = "#ffffff"


def _charts(width: float | None = None) -> dict[str, str]:
    size = {} if width is None else {"width": width}
    items = [
        IndexItem("Tiếp cận dịch vụ", 0.912, 0.884, 0.936, n=412),
        IndexItem("Thủ tục hành chính", 0.861, 0.826, 0.891, n=409, highlight=True),
        IndexItem("Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị", no_estimate=True),
    ]
    units = classify_funnel([0.93, 0.81, 0.9, 0.97], [120, 300, 800, 600], labels=["A", "B", "C", "D"])
    limits = FunnelLimitLines.from_limits(funnel_curve(50, 1500, num=60))
    periods = [TrendPoint("2026-Q1", 0.874, 0.85, 0.895, n=380), TrendPoint("2026-Q2"), TrendPoint("2026-Q3", 0.91)]
    return {
        "bars": index_bar_chart(items, **size),
        "funnel": funnel_plot(funnel_points(units), limits, **size),
        "trend": trend_chart(periods, **size),
        "empty": index_bar_chart([], **size),
    }


@pytest.fixture(scope="module")
def charts() -> dict[str, str]:
    return _charts() | {"sparkline": sparkline([TrendPoint("2026-Q1", 0.874), TrendPoint("2026-Q2", 0.91)])}


def test_every_chart_is_an_image_with_a_name_and_a_description(charts):
    for svg in charts.values():
        root = parse(svg)
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        assert re.fullmatch(r"0 0 \d+(\.\d)? \d+(\.\d)?", root.get("viewBox"))
        title, desc = root[0], root[1]
        assert title.tag == f"{SVG}title" and title.text
        assert desc.tag == f"{SVG}desc" and desc.text.endswith(".") and len(desc.text) > 10
        assert root.get("aria-labelledby") == title.get("id")
        assert root.get("aria-describedby") == desc.get("id")
    ids = [parse(svg)[0].get("id") for svg in charts.values()]
    assert len(set(ids)) == len(ids)


def test_charts_fill_their_container_and_sparklines_keep_their_size(charts):
    for name, svg in charts.items():
        root = parse(svg)
        if name == "sparkline":
            assert root.get("width") == "80" and root.get("height") == "20"
        else:
            assert root.get("width") == "100%" and root.get("height") is None


def test_fonts_are_noto_then_dejavu_then_any_sans(charts):
    for svg in charts.values():
        family = parse(svg).get("font-family")
        assert family.index("Noto Sans") < family.index("DejaVu Sans") < family.index("sans-serif")


def test_text_contrast_is_at_least_4_5_to_1(charts):
    for svg in charts.values():
        root = parse(svg)
        for element in root.iter(f"{SVG}text"):
            assert contrast(inherited(root, element, "fill"), WHITE) >= 4.5
        # Data marks (bars, markers, lines) stand out from the white background by at least 3:1.
        for element in by_class(root, "bar"):
            assert contrast(element.get("fill"), WHITE) >= 3


@pytest.mark.parametrize("width", [None, 360])
def test_smallest_text_is_readable_on_a_phone(width):
    # Scaled to a 360 px wide phone screen, no text of a chart of the default (or a phone's) width is smaller
    # than 10 px. Wider charts are for laptops and print.
    for svg in _charts(width).values():
        root = parse(svg)
        view_width = float(root.get("viewBox").split()[2])
        sizes = [float(inherited(root, element, "font-size")) for element in root.iter(f"{SVG}text")]
        assert min(sizes) * 360 / view_width >= 10


def test_coordinates_have_at_most_one_decimal(charts):
    for svg in charts.values():
        for number in re.findall(r'="(-?\d+\.\d+)"', svg):
            assert len(number.split(".")[1]) == 1, number
        for path in re.findall(r' d="([^"]+)"', svg):
            assert not re.search(r"\d\.\d\d", path), path


def test_same_input_same_output():
    assert _charts() == _charts()
