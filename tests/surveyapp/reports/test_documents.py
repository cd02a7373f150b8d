"""Pieces of the report documents that need no database: long bar charts split into pages on one axis."""

from __future__ import annotations

import re
from types import SimpleNamespace

import scoring
from surveyapp.reports.documents import BARS_PER_CHART, Row, _bar_pages
from surveyapp.scores.settings import Settings


def estimate(value: float, half: float) -> scoring.Estimate:
    return scoring.Estimate(
        "agency", 1, "overall", value, half / 2, value - half, min(1.0, value + half), 100, 100.0, 100.0, 1.0, 1.0,
        99, 0.5, "inconclusive", "", 1.0,
    )  # fmt: skip


def test_many_units_are_drawn_on_several_charts_with_one_axis():
    rows = [Row(f"Cơ quan {i}", estimate(0.95 - i * 0.004, 0.03), None) for i in range(2 * BARS_PER_CHART + 5)]
    report = SimpleNamespace(settings=Settings())
    charts = _bar_pages(rows, report, "vi", "Các cơ quan")
    assert len(charts) == 3
    assert [len(re.findall(r"Cơ quan \d+<", str(chart))) for chart in charts] == [BARS_PER_CHART, BARS_PER_CHART, 5]
    starts = {re.search(r"Trục bắt đầu từ (\d+)%", str(chart)).group(1) for chart in charts}
    assert starts == {"50"}  # the lowest interval (0.694 – 0.03) starts the axis of every chart at 50%
    lower = [Row("Thấp", estimate(0.45, 0.05), None), *rows]
    assert {re.search(r"Trục bắt đầu từ (\d+)%", str(c)).group(1) for c in _bar_pages(lower, report, "vi", "x")} == {
        "40"
    }
    assert len(_bar_pages(rows[:BARS_PER_CHART], report, "vi", "x")) == 1
