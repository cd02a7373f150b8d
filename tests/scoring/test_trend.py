"""Change between periods and weighted linear trend: R reference, hand-worked values, missing periods."""

import csv
import dataclasses
import doctest
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

import scoring._trend as trend
from scoring._trend import (
    DECREASE,
    INCREASE,
    INSUFFICIENT,
    NO_CHANGE,
    NOT_TESTABLE,
    linear_trend,
    period_change,
)

with (Path(__file__).parent / "reference" / "compare" / "trend_wls.csv").open(newline="") as _handle:
    R_TREND = {row["case"]: {k: float(v) for k, v in row.items() if k != "case"} for row in csv.DictReader(_handle)}

CASES = {
    "yearly": {
        "t": np.arange(6.0),
        "y": np.array([0.812, 0.835, 0.829, 0.861, 0.874, 0.902]),
        "v": np.array([6.1e-4, 4.4e-4, 5.0e-4, 3.2e-4, 2.9e-4, 2.2e-4]),
        "df": np.array([35.0, 52, 47, 80, 95, 120]),
    },
    "gap": {
        "t": np.array([1.0, 2, 3, 5, 6]),
        "y": np.array([0.91, 0.88, 0.90, 0.86, 0.85]),
        "v": np.array([3.0e-4, 2.5e-4, 4.0e-4, 3.5e-4, 2.0e-4]),
        "df": np.array([40.0, 55, 30, 38, 70]),
    },
    "overlap": {
        "t": np.arange(5.0),
        "y": np.array([0.78, 0.80, 0.85, 0.83, 0.88]),
        "v": np.array([5e-4, 4e-4, 4e-4, 3e-4, 3e-4]),
        "df": np.full(5, 60.0),
        "rho": 0.3,
    },
}


def _cov(case):
    v = case["v"]
    cov = np.diag(v)
    rho = case.get("rho", 0.0)
    for i in range(v.size - 1):
        cov[i, i + 1] = cov[i + 1, i] = rho * np.sqrt(v[i] * v[i + 1])
    return cov


@pytest.mark.parametrize("name", sorted(CASES))
def test_trend_matches_r(name):
    case, ref = CASES[name], R_TREND[name]
    tr = linear_trend(case["y"], _cov(case), case["df"], times=case["t"])
    assert tr.testable and tr.status == "Trend estimated."
    for attr, key in [
        ("slope", "slope"),
        ("intercept", "intercept"),
        ("se", "se"),
        ("df", "df"),
        ("p_value", "p"),
        ("lower", "lower"),
        ("upper", "upper"),
        ("lack_of_fit", "q"),
        ("lack_of_fit_p", "q_p"),
    ]:
        assert getattr(tr, attr) == pytest.approx(ref[key], rel=1e-9, abs=1e-13), attr
    assert tr.lack_of_fit_df == case["y"].size - 2


@pytest.mark.parametrize("name", sorted(CASES))
def test_change_between_the_last_two_periods_matches_r(name):
    case, ref = CASES[name], R_TREND[name]
    ch = period_change(case["y"], _cov(case), case["df"])
    assert ch.difference == pytest.approx(ref["change"], abs=1e-14)
    assert ch.se == pytest.approx(ref["change_se"], rel=1e-12)
    assert ch.df == pytest.approx(ref["change_df"], rel=1e-12)
    assert ch.p_value == pytest.approx(ref["change_p"], rel=1e-9)


def test_a_missing_period_is_left_out():
    case, ref = CASES["gap"], R_TREND["gap"]
    y = np.insert(case["y"], 3, np.nan)  # quarter 4 has no estimate
    v = np.insert(case["v"], 3, np.nan)
    df = np.insert(case["df"], 3, np.nan)
    quarters = ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]
    tr = linear_trend(y, v, df, quarters, times=np.arange(1.0, 7.0))
    assert tr.used.tolist() == [True, True, True, False, True, True]
    assert tr.slope == pytest.approx(ref["slope"], rel=1e-10)
    assert tr.se == pytest.approx(ref["se"], rel=1e-10)
    assert np.isfinite(tr.fitted).all()  # the line is drawn at the missing quarter too
    # the default change compares the last two periods that have an estimate
    ch = period_change(y, v, df, quarters)
    assert (ch.period_from, ch.period_to) == ("Q5", "Q6")
    gap = period_change(y, v, df, quarters, between=("Q4", "Q6"))
    assert not gap.testable
    assert gap.direction == NOT_TESTABLE
    assert "no estimate" in gap.status


def test_two_periods_by_hand():
    tr = linear_trend([0.80, 0.86], [4e-4, 5e-4], np.inf, times=[2024, 2026])
    assert tr.slope == pytest.approx(0.03)
    assert tr.se == pytest.approx(np.sqrt(9e-4) / 2)
    assert tr.p_value == pytest.approx(2 * stats.norm.sf(0.03 / (np.sqrt(9e-4) / 2)))
    assert np.isnan(tr.lack_of_fit) and np.isnan(tr.lack_of_fit_p)
    ch = period_change([0.80, 0.86], [4e-4, 5e-4], np.inf)
    assert ch.statistic == pytest.approx(0.06 / np.sqrt(9e-4))
    half = stats.norm.ppf(0.975) * np.sqrt(9e-4)
    assert (ch.lower, ch.upper) == (pytest.approx(0.06 - half), pytest.approx(0.06 + half))
    assert ch.direction == INCREASE


def test_scalar_df_is_used_as_given():
    ch = period_change([0.9, 0.8], [1e-4, 1e-4], 12)
    assert ch.df == 12
    assert ch.p_value == pytest.approx(2 * stats.t.sf(0.1 / np.sqrt(2e-4), 12))
    assert ch.direction == DECREASE
    assert linear_trend([0.9, 0.85, 0.8], [1e-4] * 3, 12).df == 12


def test_exactly_linear_data_fit_exactly():
    t = np.arange(5.0)
    tr = linear_trend(0.8 + 0.02 * t, [3e-4] * 5, 50)
    assert tr.slope == pytest.approx(0.02)
    assert tr.intercept == pytest.approx(0.8)
    assert tr.lack_of_fit == pytest.approx(0.0, abs=1e-20)
    assert_allclose(tr.fitted, 0.8 + 0.02 * t)
    # equal variances: the slope SE is the OLS one with known variance
    assert tr.se == pytest.approx(np.sqrt(3e-4 / np.sum((t - t.mean()) ** 2)))


@pytest.mark.parametrize("estimates", [[np.nan, np.nan, np.nan], [np.nan, 0.9, np.nan], [0.88]])
def test_fewer_than_two_usable_periods_give_no_trend(estimates):
    variances = [np.nan if np.isnan(e) else 2e-4 for e in estimates]
    tr = linear_trend(estimates, variances, 30)
    assert not tr.testable
    assert tr.status == "No trend: fewer than two periods have an estimate."
    assert tr.direction == NOT_TESTABLE
    assert np.isnan(tr.slope) and np.isnan(tr.p_value)
    assert np.isnan(tr.fitted).all()
    ch = period_change(estimates, variances, 30)
    assert not ch.testable
    assert ch.direction == NOT_TESTABLE
    assert ch.status == "Fewer than two periods have an estimate."


def test_zero_variance_periods():
    # a period at 100 % from a handful of respondents has no variance
    tr = linear_trend([0.9, 1.0, 0.95], [2e-4, 0.0, 3e-4], 20)
    assert not tr.testable
    assert tr.status.startswith("Not testable: the covariance of the usable periods is singular")
    ch = period_change([1.0, 1.0], [0.0, 0.0], 20)
    assert not ch.testable and ch.direction == NOT_TESTABLE
    one_sided = period_change([0.9, 1.0], [2e-4, 0.0], 20)
    assert one_sided.testable
    assert one_sided.se == pytest.approx(np.sqrt(2e-4))


@pytest.mark.parametrize(
    ("df", "short"),
    [([45, 0], "2026-Q4 has"), ([0, 30], "2026-Q3 has"), ([0, 0], "2026-Q3 and 2026-Q4 have"), (0, "2026-Q3 and")],
)
def test_a_period_without_degrees_of_freedom_is_not_enough_to_conclude(df, short):
    # one response in the latest quarter: df = n - strata = 0, and its linearised variance is 0 by construction
    ch = period_change([0.88, 1.0], [3e-4, 0.0], df, ["2026-Q3", "2026-Q4"])
    assert ch.direction == INSUFFICIENT and ch.insufficient
    assert not ch.testable
    assert (ch.period_from, ch.period_to) == ("2026-Q3", "2026-Q4")
    assert (ch.estimate_from, ch.estimate_to, ch.difference) == (0.88, 1.0, pytest.approx(0.12))
    for value in (ch.se, ch.df, ch.statistic, ch.p_value, ch.lower, ch.upper):
        assert np.isnan(value)
    assert ch.status.startswith("Not enough responses") and short in ch.status


def test_only_the_compared_periods_need_degrees_of_freedom():
    y, v = [0.80, 0.85, 0.90], [2e-4, 2e-4, 2e-4]
    ch = period_change(y, v, [0, 40, 40], ["2024", "2025", "2026"])
    assert ch.testable and ch.df == pytest.approx(80) and ch.direction in (INCREASE, NO_CHANGE)
    early = period_change(y, v, [0, 40, 40], ["2024", "2025", "2026"], between=("2024", "2026"))
    assert early.direction == INSUFFICIENT
    # a compared period without an estimate stays "not testable", whatever its df
    missing = period_change([0.8, np.nan], [2e-4, np.nan], [40, 0])
    assert missing.direction == NOT_TESTABLE and not missing.insufficient


def test_between_by_label_or_position_and_sign():
    y, v = [0.80, 0.85, 0.90], [2e-4, 2e-4, 2e-4]
    forward = period_change(y, v, 40, ["2024", "2025", "2026"], between=("2024", "2026"))
    backward = period_change(y, v, 40, ["2024", "2025", "2026"], between=(2, 0))
    assert forward.difference == pytest.approx(0.10)
    assert backward.difference == pytest.approx(-0.10)
    assert forward.p_value == pytest.approx(backward.p_value)
    assert (forward.direction, backward.direction) == (INCREASE, DECREASE)
    assert period_change([0.85, 0.86], v[:2], 40).direction == NO_CHANGE


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.6, 1.0), min_size=3, max_size=8),
    st.floats(-0.05, 0.05),
    st.floats(-0.2, 0.2),
    st.integers(0, 2**32 - 1),
)
def test_adding_a_line_shifts_slope_and_intercept_only(values, slope, shift, seed):
    y = np.array(values)
    rng = np.random.default_rng(seed)
    v = rng.uniform(1e-4, 1e-3, y.size)
    t = np.cumsum(rng.uniform(0.5, 2.0, y.size))
    base = linear_trend(y, v, 50, times=t)
    moved = linear_trend(y + shift + slope * t, v, 50, times=t)
    assert moved.slope == pytest.approx(base.slope + slope, abs=1e-10)
    assert moved.intercept == pytest.approx(base.intercept + shift, abs=1e-9)
    assert moved.se == pytest.approx(base.se, rel=1e-9)
    assert moved.lack_of_fit == pytest.approx(base.lack_of_fit, rel=1e-6, abs=1e-9)
    reversed_time = linear_trend(y[::-1], v[::-1], 50, times=-t[::-1])
    assert reversed_time.slope == pytest.approx(-base.slope, abs=1e-10)


def test_results_frozen_and_read_only():
    tr = linear_trend([0.8, 0.85, 0.9], [1e-4] * 3, 30)
    with pytest.raises(dataclasses.FrozenInstanceError):
        tr.slope = 0.0
    with pytest.raises(ValueError, match="read-only"):
        tr.fitted[0] = 0.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: linear_trend([0.8, 0.9], [1e-4, 1e-4], 10, times=[1, 1]), "strictly increasing"),
        (lambda: linear_trend([0.8, 0.9], [1e-4, 1e-4], 10, times=[1, 2, 3]), "2 estimates but 3 times"),
        (lambda: linear_trend([0.8, 0.9], [1e-4], 10), "2 estimates but 1 variances"),
        (lambda: linear_trend([0.8, 0.9], [1e-4, 1e-4], [10, 10, 10]), "one per period"),
        (lambda: linear_trend([0.8, 0.9], [1e-4, 1e-4], 10, level=0), "level"),
        (lambda: linear_trend([0.8, 0.9], [[1e-4, 2e-4], [2e-4, 1e-4]], 10), "positive semi-definite"),
        (lambda: period_change([0.8, 0.9], [1e-4, 1e-4], 10, between=(1, 1)), "itself"),
        (lambda: period_change([0.8, 0.9], [1e-4, 1e-4], 10, ["a", "b"], between=("a", "c")), "labelled 'c'"),
        (lambda: period_change([0.8, 0.9], [1e-4, np.nan], 10), "finite for every unit"),
        (lambda: period_change([0.8, 0.9], [1e-4, 1e-4], -1), "positive"),
    ],
)
def test_bad_input_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_docstring_examples():
    result = doctest.testmod(trend, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
