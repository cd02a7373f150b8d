"""The design-effect floor and the reliability rules: what an estimate of a small unit may claim.

Hand-computed values for the floor (criteria: p(1-p)/n; composites: the sample variance of respondents' own
composite scores over n), the NCHS presentation standards rule by rule, and properties (hypothesis) on tiny
units, singleton calibration cells, all-satisfied and all-dissatisfied units and items nobody answered.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import (
    FEW_ANSWERS,
    INSUFFICIENT,
    RELIABLE,
    SMALL_EFFECTIVE_SIZE,
    WIDE_INTERVAL,
    WIDE_RELATIVE_INTERVAL,
    Design,
    IndexSpec,
    ReliabilityRules,
    korn_graubard,
    means,
    poststratify,
    proportions,
    reliability,
    score,
)
from scoring._score import BOUNDARY, ZERO_VARIANCE

SPEC = IndexSpec.from_elements({"e1": ["a", "b"], "e2": ["c"]})
FAST = settings(max_examples=60, deadline=None)


# --- reliability rules, one by one -------------------------------------------------------------------------


def test_each_rule_and_the_order_they_are_checked_in():
    #            few     small eff  wide    relative  reliable  exempt (narrow, p = 1)
    estimate = [0.94, 0.80, 0.50, 0.95, 0.91, 1.0]
    lower = [0.93, 0.70, 0.30, 0.88, 0.86, 0.96]
    upper = [0.95, 0.88, 0.81, 0.99, 0.95, 1.0]
    n = [4, 200, 100, 300, 400, 100]
    n_eff = [3, 20, 100, 300, 380, 100]
    assert reliability(estimate, lower, upper, n, n_eff).tolist() == [
        FEW_ANSWERS,
        SMALL_EFFECTIVE_SIZE,
        WIDE_INTERVAL,
        WIDE_RELATIVE_INTERVAL,  # width 0.11 is 220% of 1 - 0.95
        RELIABLE,  # width 0.09 is 90% of 1 - 0.91
        RELIABLE,  # width 0.04 <= 0.05: exempt from the relative rule although 1 - p = 0
    ]


def test_boundary_estimate_with_an_interval_wider_than_five_points_is_not_reliable():
    # 50 of 50 satisfied: Clopper-Pearson lower bound 0.025^(1/50) = 0.929, width 0.071 > 0.05.
    lower = 0.025 ** (1 / 50)
    assert reliability(1.0, lower, 1.0, 50, 50).tolist() == WIDE_RELATIVE_INTERVAL
    # 80 of 80: width 0.045, reliable.
    assert reliability(1.0, 0.025 ** (1 / 80), 1.0, 80, 80).tolist() == RELIABLE


def test_rules_are_configurable_and_checked():
    loose = ReliabilityRules(min_n=5, min_effective=5, max_width=0.5, max_relative_width=None)
    assert reliability(0.95, 0.70, 0.99, 10, 10, loose).tolist() == RELIABLE
    assert reliability(0.95, 0.70, 0.99, 10, 10).tolist() == FEW_ANSWERS
    for bad in (
        {"min_n": 0},
        {"min_n": 2.5},
        {"min_effective": -1},
        {"max_width": 0},
        {"max_relative_width": 0},
        {"exempt_width": 0.4},
    ):
        with pytest.raises(ValueError):
            ReliabilityRules(**bad)


def test_means_are_checked_on_numbers_of_answers_only():
    assert reliability(15.6, 10.0, 18.0, 40, 40, proportion=False).tolist() == RELIABLE
    assert reliability(15.6, 15.5, 15.7, 12, 12, proportion=False).tolist() == FEW_ANSWERS


# --- the design-effect floor, by hand --------------------------------------------------------------------


def _singleton_cells(n: int = 4):
    """``n`` respondents, each alone in a post-stratum with a large population: R's variance collapses."""
    codes = np.array([[5, 4, 2], [4, 5, 5], [5, 2, 4], [1, 5, 5]], dtype=np.uint8)[:n]
    cal = poststratify(np.arange(n), np.full(n, 500.0))
    return codes, Design(strata=np.zeros(n, dtype=int), calibration=cal)


def test_singleton_cells_collapse_the_raw_variance_but_not_the_floored_one():
    codes, design = _singleton_cells()
    raw = score(codes, SPEC, design, floor=False, rules=None)["all"]
    floored = score(codes, SPEC, design, rules=None)["all"]
    a = floored.column("a")
    # Criterion a: 3 of 4 satisfied. Each respondent alone in a cell: residuals 0, raw variance 0.
    assert raw.estimate[0, a] == 0.75 and raw.se[0, a] == 0.0
    assert floored.se_raw[0, a] == 0.0
    assert floored.se[0, a] == pytest.approx(math.sqrt(0.75 * 0.25 / 4), rel=1e-12)
    assert floored.n_eff[0, a] == pytest.approx(4.0, rel=1e-12)
    assert floored.deff[0, a] == pytest.approx(1.0, rel=1e-12)
    # Korn-Graubard on n* = min(n, p(1-p)/V) = 4 with df = 3
    kg = korn_graubard(0.75, 0.75 * 0.25 / 4, 4, 3)
    assert (floored.lower[0, a], floored.upper[0, a]) == pytest.approx((kg.lower, kg.upper), rel=1e-12)
    assert np.all(floored.n_eff[0] <= floored.n[0] * (1 + 1e-12))
    assert np.all(floored.deff[0] >= 1 - 1e-12)


def test_composite_floor_is_the_sample_variance_of_composite_scores_over_n():
    codes, design = _singleton_cells()
    floored = score(codes, SPEC, design, rules=None)["all"]
    # Equal weights, no skipped answer: each respondent's overall score is the mean of its elements,
    # e1 = mean(a, b satisfied), e2 = c satisfied.
    sat = (codes >= 4).astype(float)
    e1 = sat[:, :2].mean(axis=1)
    overall = (e1 + sat[:, 2]) / 2
    for name, scores in (("e1", e1), ("e2", sat[:, 2]), ("overall", overall)):
        j = floored.column(name)
        assert floored.estimate[0, j] == pytest.approx(scores.mean(), rel=1e-12)
        # e2 has a single criterion, but as an element it is a mean of 0/1 scores: s^2/n as well
        expected = scores.var(ddof=1) / 4
        assert floored.se[0, j] ** 2 == pytest.approx(expected, rel=1e-12), name
        assert floored.n_eff[0, j] == pytest.approx(4.0, rel=1e-12), name


def test_the_floor_does_not_touch_a_variance_above_it():
    rng = np.random.default_rng(7)
    n = 400
    codes = rng.choice([1, 2, 3, 4, 5], size=(n, 3), p=[0.1, 0.1, 0.1, 0.3, 0.4]).astype(np.uint8)
    weights = rng.choice([1.0, 9.0], size=n)  # unequal weights: deff well above 1
    design = Design(strata=np.zeros(n, dtype=int), weights=weights)
    raw = score(codes, SPEC, design, floor=False, rules=None)["all"]
    floored = score(codes, SPEC, design, rules=None)["all"]
    np.testing.assert_allclose(floored.se, raw.se, rtol=1e-12)
    np.testing.assert_allclose(floored.lower, raw.lower, rtol=1e-12)
    np.testing.assert_allclose(floored.n_eff[0, :3], raw.n_eff[0, :3], rtol=1e-9)
    assert np.all(floored.deff > 1)


def test_composite_of_flat_criteria_is_labelled_zero_variance_not_boundary():
    # a: everyone satisfied; b: nobody; c: everyone. e1 = 0.5 exactly, with zero variance.
    codes = np.tile(np.array([[5, 1, 4]], dtype=np.uint8), (40, 1))
    result = score(codes, SPEC, Design(strata=np.zeros(40, dtype=int)))["all"]
    e1 = result.get(0, "e1")
    assert e1.estimate == 0.5 and e1.se == 0.0
    assert e1.reason == ZERO_VARIANCE
    assert result.get(0, "a").reason == BOUNDARY and result.get(0, "a").estimate == 1.0
    assert 0.0 <= e1.lower <= 0.5 <= e1.upper <= 1.0


def test_small_units_get_no_decision_and_large_ones_keep_theirs():
    rng = np.random.default_rng(3)
    n_big, n_small = 600, 6
    codes = np.concatenate(
        [
            rng.choice([2, 5], size=(n_big, 3), p=[0.03, 0.97]),
            np.full((n_small, 3), 5),
        ]
    ).astype(np.uint8)
    unit = np.r_[np.zeros(n_big, int), np.ones(n_small, int)]
    result = score(codes, SPEC, Design(strata=unit), {"unit": unit})["unit"]
    big, small = result.get(0, "overall"), result.get(1, "overall")
    assert big.decision == "met" and big.reliable
    assert small.decision == INSUFFICIENT and small.reliability == FEW_ANSWERS and not small.reliable
    # Without rules the small unit would be called: that is what the rules are for.
    bare = score(codes, SPEC, Design(strata=unit), {"unit": unit}, rules=None)["unit"]
    assert bare.get(1, "overall").decision in ("met", "inconclusive")


def test_proportions_and_means_take_the_floor_and_the_rules():
    y = np.array([True, True, True, False, True])
    p = proportions(y, Design(strata=np.zeros(5, dtype=int)), target=0.9)["all"].get(0, "y0")
    # One stratum: the linearisation variance is p(1-p)/(n-1), above the floor p(1-p)/n; n_eff = 4.
    assert p.se == p.se_raw == pytest.approx(math.sqrt(0.8 * 0.2 / 4), rel=1e-12)
    assert p.n_eff == pytest.approx(4.0, rel=1e-12) and p.decision == INSUFFICIENT
    m = means([16.0, 18.0, 12.0, 14.0], Design(strata=np.zeros(4, dtype=int)))["all"].get(0, "y0")
    assert m.se == pytest.approx(math.sqrt(np.var([16.0, 18.0, 12.0, 14.0], ddof=1) / 4), rel=1e-12)
    assert m.reliability == FEW_ANSWERS and m.n_eff == pytest.approx(4.0)


# --- properties ------------------------------------------------------------------------------------------


@st.composite
def small_units(draw):
    """Tiny units, singleton calibration cells, all-satisfied / all-dissatisfied units, unanswered items."""
    n = draw(st.integers(1, 60))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["mixed", "all5", "all1", "unanswered"]))
    if kind == "all5":
        codes = np.full((n, 3), 5)
    elif kind == "all1":
        codes = np.full((n, 3), 1)
    else:
        codes = rng.choice(6, size=(n, 3), p=[0.1, 0.05, 0.05, 0.1, 0.3, 0.4])
    if kind == "unanswered":
        codes[:, draw(st.integers(0, 2))] = 0
    unit = rng.integers(0, 4, n)
    strata = rng.integers(0, 2, n)
    singleton = draw(st.booleans())
    cells = np.arange(n) if singleton else rng.integers(0, 3, n)
    _, cells = np.unique(cells, return_inverse=True)
    totals = rng.uniform(50, 5000, int(cells.max()) + 1)
    design = Design(strata=strata, calibration=poststratify(cells, totals))
    return codes.astype(np.uint8), design, unit


@FAST
@given(small_units(), st.sampled_from(["beta", "xlogit", "wilson", "jeffreys"]))
def test_no_unit_claims_more_than_its_answers(sample, method):
    codes, design, unit = sample
    result = score(codes, SPEC, design, {"unit": unit, "all": np.zeros(len(unit), int)}, method=method)
    for level in result.levels.values():
        has = ~np.isnan(level.estimate)
        assert np.all(level.n_eff[has] <= level.n[has] * (1 + 1e-9))
        assert np.all(level.deff[has] >= 1 - 1e-9)
        assert np.all(level.se[has] >= np.nan_to_num(level.se_raw[has]) * (1 - 1e-9))
        assert np.all((level.lower[has] <= level.estimate[has]) & (level.estimate[has] <= level.upper[has]))
        called = np.isin(level.decision, ["met", "not_met", "inconclusive"])
        assert not np.any(called & (level.n < 30))
        assert np.all(level.decision[~has] == "no_estimate")
        assert np.all(level.reliability[~has] == FEW_ANSWERS)


@FAST
@given(small_units())
def test_only_reliable_estimates_carry_decisions(sample):
    codes, design, unit = sample
    level = score(codes, SPEC, design, {"unit": unit})["unit"]
    has = ~np.isnan(level.estimate)
    reliable = level.reliability == RELIABLE
    assert np.all(np.isin(level.decision[has & reliable], ["met", "not_met", "inconclusive"]))
    assert np.all(level.decision[has & ~reliable] == INSUFFICIENT)
