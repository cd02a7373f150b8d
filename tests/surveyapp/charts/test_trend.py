"""The trend chart and the sparkline, read back from their SVG."""

from __future__ import annotations

import pytest

from surveyapp.charts import TrendPoint, sparkline, trend_chart
from surveyapp.numbers import Measure
from tests.surveyapp.charts.svgtools import SVG, by_class, num, parse, path_points, share_scale, text, texts, title

QUARTERS = [
    TrendPoint("2025-Q1", 0.862, 0.83, 0.89, n=300),
    TrendPoint("2025-Q2", 0.874, 0.85, 0.895, n=380),
    TrendPoint("2025-Q3"),
    TrendPoint("2025-Q4", 0.889, 0.865, 0.91, n=410),
    TrendPoint("2026-Q1", 0.901, 0.88, 0.92, n=402),
    TrendPoint("2026-Q2", 0.912, 0.89, 0.931, n=420),
]


def _columns(root):
    """The x of each period, from the estimates' markers and the gaps' bands."""
    xs = {}
    for group in by_class(root, "estimate"):
        xs[title(group).split(":")[0]] = num(group.find(f"{SVG}circle"), "cx")
    for gap in by_class(root, "gap"):
        band = gap.find(f"{SVG}rect")
        xs[title(gap).split(":")[0]] = num(band, "x") + num(band, "width") / 2
    return xs


def test_missing_periods_break_the_line_and_are_marked():
    root = parse(trend_chart(QUARTERS))
    (line,) = by_class(root, "trend-line")
    runs = path_points(line.get("d"))
    assert len(runs) == 2  # 2025-Q1..Q2, then 2025-Q4..2026-Q2: never drawn across 2025-Q3
    xs = _columns(root)
    assert [len(run) for run in runs] == [2, 3]
    assert runs[0][-1][0] == pytest.approx(xs["2025-Q2"], abs=0.1)
    assert runs[1][0][0] == pytest.approx(xs["2025-Q4"], abs=0.1)
    (gap,) = by_class(root, "gap")
    assert title(gap) == "2025-Q3: không có số liệu"
    assert "không có số liệu" in texts(gap)
    assert len(by_class(root, "estimate")) == 5
    pitch = xs["2025-Q2"] - xs["2025-Q1"]
    assert xs["2025-Q3"] == pytest.approx(xs["2025-Q2"] + pitch, abs=0.2)  # periods evenly spaced, gap included


def test_estimates_and_whiskers_at_their_values():
    root = parse(trend_chart(QUARTERS))
    y = share_scale(root, axis="y")
    for group, point in zip(by_class(root, "estimate"), [p for p in QUARTERS if p.estimate], strict=True):
        assert num(group.find(f"{SVG}circle"), "cy") == pytest.approx(y(point.estimate), abs=0.3)
        (whisker,) = by_class(group, "whisker")
        ys = [py for run in path_points(whisker.get("d")) for _, py in run]
        assert min(ys) == pytest.approx(y(point.upper), abs=0.3)
        assert max(ys) == pytest.approx(y(point.lower), abs=0.3)
    (target,) = by_class(root, "target")
    assert num(target, "y1") == num(target, "y2") == pytest.approx(y(0.9), abs=0.3)


def test_values_and_period_labels_in_each_language():
    vi = parse(trend_chart(QUARTERS))
    assert [text(v) for v in by_class(vi, "value")] == ["86,2%", "87,4%", "88,9%", "90,1%", "91,2%"]
    ticks = [text(t) for t in by_class(vi, "x-tick")]
    assert ticks == ["Q1 2025", "Q2", "Q3", "Q4", "Q1 2026", "Q2"]
    assert "Mục tiêu" in texts(vi) and "Mục tiêu 90%" in texts(vi)
    en = parse(trend_chart(QUARTERS, language="en"))
    assert [text(v) for v in by_class(en, "value")][-1] == "91.2%"
    assert "95% confidence interval" in texts(en) and "No data" in texts(en)
    assert title(by_class(en, "estimate")[-1]) == "2026-Q2: 91.2% (95% CI: 89.0%–93.1%; n = 420)"
    months = [TrendPoint(f"2025-{m:02d}", 0.9) for m in range(1, 4)]
    assert [text(t) for t in by_class(parse(trend_chart(months, language="en")), "x-tick")] == [
        "Jan 2025",
        "Feb",
        "Mar",
    ]
    assert next(text(t) for t in by_class(parse(trend_chart(months)), "x-tick")) == "T1 2025"


def test_many_periods_thin_their_labels_but_keep_the_latest():
    points = [TrendPoint(f"Kỳ khảo sát số {i}", 0.9) for i in range(1, 25)]
    root = parse(trend_chart(points))
    labels = [text(t) for t in by_class(root, "x-tick")]
    assert 2 <= len(labels) < 24 and labels[-1] == "Kỳ khảo sát số 24"
    assert len(by_class(root, "value")) == 1  # only the latest value when they do not all fit


def test_a_period_given_twice_is_refused():
    with pytest.raises(ValueError, match="given twice"):
        trend_chart([TrendPoint("2026-Q1", 0.9), TrendPoint("2026-Q1", 0.8)])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"period": "2026-Q1", "estimate": 0.9, "lower": 0.8}, "both ends"),
        ({"period": "2026-Q1", "estimate": 0.9, "lower": 0.95, "upper": 0.97}, "above its estimate"),
        ({"period": "2026-Q1", "estimate": -0.1}, "between 0 and 1"),
        ({"period": "2026-Q1", "estimate": 0.9, "n": -3}, "above 0"),
        ({"period": "", "estimate": 0.9}, "non-empty text"),
    ],
)
def test_bad_points_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrendPoint(**kwargs)


def test_description_summarises_first_latest_and_gaps():
    description = parse(trend_chart(QUARTERS)).find(f"{SVG}desc").text
    assert "qua 6 kỳ, từ 2025-Q1 đến 2026-Q2" in description
    assert "(2025-Q1): 86,2%" in description and "(2026-Q2): 91,2%" in description
    assert "Không có số liệu: 2025-Q3." in description


def test_no_periods_give_a_no_data_chart_and_all_missing_still_shows_the_periods():
    assert texts(parse(trend_chart([]))) == ["Không có số liệu"]
    root = parse(trend_chart([TrendPoint("2026-Q1"), TrendPoint("2026-Q2")]))
    assert len(by_class(root, "gap")) == 2 and not by_class(root, "trend-line")


def test_sparkline_is_small_textless_and_breaks_at_gaps():
    svg = sparkline(QUARTERS)
    root = parse(svg)
    assert root.get("width") == "80" and root.get("height") == "20"
    assert root.get("role") == "img"
    assert not list(root.iter(f"{SVG}text"))
    (line,) = by_class(root, "trend-line")
    assert len(path_points(line.get("d"))) == 2
    description = root.find(f"{SVG}desc").text
    assert description.startswith("2025-Q1: 86,2%; 2025-Q2: 87,4%; 2025-Q3: không có số liệu;")
    assert sparkline(QUARTERS) == svg


def test_sparkline_domain_is_lowered_rather_than_cutting_a_value():
    low = [TrendPoint("2026-Q1", 0.55), TrendPoint("2026-Q2", 0.9)]
    root = parse(sparkline(low, domain=(0.7, 1.0)))
    (line,) = by_class(root, "trend-line")
    ys = [py for run in path_points(line.get("d")) for _, py in run]
    assert max(ys) <= 20 and min(ys) >= 0
    with pytest.raises(ValueError, match="from a lower to a higher share"):
        sparkline(low, domain=(0.9, 0.8))
    with pytest.raises(ValueError, match="between 8 and 400 pixels"):
        sparkline(low, width=2)


POINTS = Measure.points(18)
MEAN_POINTS = [
    TrendPoint("2026-Q1", 15.2, 14.6, 15.8, n=300, measure=POINTS),
    TrendPoint("2026-Q2", measure=POINTS),
    TrendPoint("2026-Q3", 15.6, 15.1, 16.1, n=200, measure=POINTS),
    TrendPoint("2026-Q4", 14.0, n=1, measure=POINTS),  # one case file: no interval
]


def test_a_trend_of_points_has_a_points_axis_ending_at_the_maximum_and_no_target():
    root = parse(trend_chart(MEAN_POINTS, target=None, language="vi"))
    ticks = [text(tick) for tick in by_class(root, "y-tick")]
    assert ticks[-1] == "18" and not any(label.endswith("%") for label in ticks)
    assert float(ticks[0].replace(",", ".")) <= 14.0 - 0.025 * 18
    assert by_class(root, "target") == [] and by_class(root, "target-label") == []
    assert text(by_class(root, "y-title")[0]) == "Điểm trung bình (thang 18 điểm)"
    assert [text(v) for v in by_class(root, "value")] == ["15,2", "15,6", "14,0"]
    titles = [title(group) for group in by_class(root, "estimate")]
    assert "2026-Q3: 15,6 / 18 điểm (KTC 95%: 15,1–16,1; n = 200)" in titles
    assert "2026-Q4: 14,0 / 18 điểm (n = 1)" in titles
    assert len(by_class(root, "whisker")) == 2
    english = parse(trend_chart(MEAN_POINTS, target=None, language="en")).find(f"{SVG}desc").text
    assert english.startswith("Line chart of the mean points (out of 18 points) over 4 periods")
    assert "latest (2026-Q4): 14.0 / 18 points" in english and "target" not in english


def test_a_trend_of_points_takes_no_target():
    with pytest.raises(ValueError, match="a trend of points takes none"):
        trend_chart(MEAN_POINTS)
    with pytest.raises(ValueError, match="one scale"):
        trend_chart([*MEAN_POINTS[:1], TrendPoint("2026-Q2", 0.9)], target=None)
    assert "15,0 / 18 điểm" in sparkline([TrendPoint("a", 15.0, measure=POINTS)], target=None)
