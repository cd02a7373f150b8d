"""Numbers in the unit of what they measure: shares as percentages, a case evaluation's points as points."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pytest

from surveyapp.numbers import (
    ASCII_MINUS,
    SHARE_MEASURE,
    Measure,
    format_difference,
    format_estimate,
    format_interval,
    format_interval_of,
    format_number,
    format_scale_top,
    format_tick,
    format_value,
    shown_interval,
)
from surveyapp.questionnaires.loader import read_definition
from surveyapp.scores.measures import case_maximum, measure_of

POINTS = Measure.points(18)
SURVEYS = Path(__file__).resolve().parents[2] / "surveys"


def estimate(value, lower, upper, df=10):
    return SimpleNamespace(estimate=value, lower=lower, upper=upper, df=df)


def test_shares_are_percentages_and_points_are_points_out_of_the_maximum():
    assert format_estimate(0.912, SHARE_MEASURE, "vi") == "91,2%"
    assert format_estimate(0.912, None, "en") == "91.2%"
    assert format_estimate(15.575, POINTS, "vi") == "15,6 / 18 điểm"
    assert format_estimate(15.575, POINTS, "en") == "15.6 / 18 points"
    assert format_value(15.575, POINTS, "vi") == "15,6" and format_value(0.9, SHARE_MEASURE, "vi") == "90,0%"
    assert format_interval(15.12, 16.08, POINTS, "vi") == "15,1–16,1"
    assert format_interval(0.8, 0.85, SHARE_MEASURE, "en", " – ") == "80.0% – 85.0%"
    assert format_scale_top(POINTS, "en") == "18 points" and format_scale_top(Measure.points(16.5), "vi") == "16,5 điểm"
    assert (format_tick(16, POINTS, "vi"), format_tick(16.5, POINTS, "vi"), format_tick(0.9, None, "vi")) == (
        "16",
        "16,5",
        "90%",
    )


def test_differences_in_the_unit_of_the_measure():
    assert format_difference(0.013, SHARE_MEASURE, "vi") == "+1,3 điểm %"
    assert format_difference(-0.0026, SHARE_MEASURE, "en") == "\u22120.3 pp"
    assert format_difference(-0.42, POINTS, "vi") == "\u22120,4 điểm"
    assert format_difference(0.42, POINTS, "en") == "+0.4 points"
    assert format_difference(-0.42, POINTS, "vi", unit=False, minus=ASCII_MINUS) == "-0,4"
    assert format_difference(0.0004, SHARE_MEASURE, "vi") == "±0,0 điểm %"


@pytest.mark.parametrize("missing", [None, math.nan, math.inf])
def test_missing_numbers_are_a_dash(missing):
    for text in (
        format_estimate(missing, POINTS, "vi"),
        format_value(missing, None, "vi"),
        format_number(missing, "en"),
        format_difference(missing, POINTS, "vi"),
        format_interval(missing, 16.0, POINTS, "vi"),
    ):
        assert text == "–"


def test_an_interval_is_shown_only_where_there_is_one():
    assert shown_interval(estimate(15.6, 15.1, 16.1), POINTS) == (15.1, 16.1)
    # a mean from as many responses as strata has a zero-width t interval: none is shown
    assert shown_interval(estimate(14.0, 14.0, 14.0, df=0), POINTS) is None
    assert format_interval_of(estimate(14.0, 14.0, 14.0, df=0), POINTS, "vi") == ""
    # a share from one response keeps its (wide) interval
    assert shown_interval(estimate(1.0, 0.025, 1.0, df=0), SHARE_MEASURE) == (0.025, 1.0)
    # a t interval beyond the scale is cut to it
    assert shown_interval(estimate(11.0, -77.9, 99.9, df=1), POINTS) == (0.0, 18.0)
    assert shown_interval(estimate(math.nan, math.nan, math.nan), POINTS) is None
    assert shown_interval(None) is None


def test_the_maximum_of_points_comes_from_the_questionnaire(tmp_path):
    case = read_definition(SURVEYS / "case-v1.toml", SURVEYS)
    assert case_maximum(case) == 18.0  # nine indicators scored 2/1/0
    assert measure_of(case, "points") == Measure.points(18)
    assert measure_of(case, "very_good") == SHARE_MEASURE
    assert measure_of(read_definition(SURVEYS / "sipas-v1.toml", SURVEYS), "overall") == SHARE_MEASURE
    # a version with eight indicators: its scale ends at 16
    text = (SURVEYS / "case-v1.toml").read_text(encoding="utf-8").replace("version = 1", "version = 2")
    start = text.index('[[questions]]\ncode = "feedback"')
    end = text.index("[[questions]]", start + 10)
    (tmp_path / "case-v2.toml").write_text(text[:start] + text[end:], encoding="utf-8")
    assert case_maximum(read_definition(tmp_path / "case-v2.toml", tmp_path)) == 16.0


@pytest.mark.parametrize(
    ("kind", "maximum", "message"),
    [
        ("points", None, "positive maximum"),
        ("points", 0, "positive maximum"),
        ("share", 5, "no maximum"),
        ("percent", None, "'share' or 'points'"),
    ],
)
def test_bad_measures_are_refused(kind, maximum, message):
    with pytest.raises(ValueError, match=message):
        Measure(kind, maximum)
