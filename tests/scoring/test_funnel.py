"""Funnel plot limits and over-dispersion: hand-worked binomial quantiles, R reference, invariants."""

import csv
import dataclasses
import doctest
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats
from scipy.stats import mstats

import scoring._funnel as funnel
from scoring._funnel import (
    ABOVE,
    BELOW,
    INSIDE,
    classify_funnel,
    exact_limit,
    funnel_curve,
    funnel_limits,
    overdispersion,
)

REFERENCE = Path(__file__).parent / "reference" / "compare" / "funnel_limits.csv"


def _exact_cdf(r: int, n: int, p0: Fraction) -> Fraction:
    """Binomial distribution function in exact rational arithmetic."""
    return sum((math.comb(n, k) * p0**k * (1 - p0) ** (n - k) for k in range(r + 1)), Fraction(0))


@pytest.mark.parametrize(("n", "prob"), [(10, 0.025), (10, 0.975), (10, 0.999), (37, 0.001), (37, 0.975)])
def test_interpolated_quantile_by_hand_in_exact_arithmetic(n, prob):
    p0 = Fraction(9, 10)
    p = Fraction(prob)
    r = next(r for r in range(n + 1) if _exact_cdf(r, n, p0) >= p)  # smallest r with F(r) >= p
    f_r = _exact_cdf(r, n, p0)
    f_before = _exact_cdf(r - 1, n, p0) if r > 0 else Fraction(0)
    alpha = (f_r - p) / (f_r - f_before)
    expected = max(0.0, float((r - alpha) / n))
    assert exact_limit([n], prob, 0.9)[0] == pytest.approx(expected, abs=1e-13)


def test_worked_example_n10_lower_95():
    # Binomial(10, 0.9): F(6) = 0.012795..., F(7) = 0.070191... so r_p = 7 for p = 0.025;
    # alpha = (0.0701908 - 0.025) / (0.0701908 - 0.0127951) = 0.787357; limit = (7 - 0.787357) / 10
    f6, f7 = stats.binom.cdf(6, 10, 0.9), stats.binom.cdf(7, 10, 0.9)
    assert (f6, f7) == (pytest.approx(0.0127951, abs=1e-7), pytest.approx(0.0701908, abs=1e-7))
    alpha = (f7 - 0.025) / (f7 - f6)
    assert alpha == pytest.approx(0.787357, abs=1e-6)
    assert exact_limit([10], 0.025)[0] == pytest.approx((7 - alpha) / 10, abs=1e-14)
    assert exact_limit([10], 0.025)[0] == pytest.approx(0.6212643, abs=1e-6)


@pytest.mark.parametrize("n", [20, 57, 333])
@pytest.mark.parametrize("prob", [0.001, 0.025, 0.975, 0.999])
def test_against_scipy_binomial_quantile(n, prob):
    r = stats.binom.ppf(prob, n, 0.9)
    f_r, f_before = stats.binom.cdf(r, n, 0.9), stats.binom.cdf(r - 1, n, 0.9)
    expected = (r - (f_r - prob) / (f_r - f_before)) / n
    assert exact_limit([n], prob)[0] == pytest.approx(max(expected, 0.0), abs=1e-12)


def test_matches_independent_r_implementation():
    with REFERENCE.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) > 100
    for row in rows:
        ours = exact_limit([float(row["n"])], float(row["p"]), float(row["target"]))[0]
        assert ours == pytest.approx(float(row["limit"]), abs=1e-12), row


@pytest.mark.parametrize("n", [1e4, 12345.6, 1e5, 1e6])
@pytest.mark.parametrize("prob", [0.001, 0.025, 0.975, 0.999])
def test_large_n_approaches_the_normal_approximation(n, prob):
    p0 = 0.9
    z = stats.norm.ppf(prob)
    normal = p0 + z * np.sqrt(p0 * (1 - p0) / n)
    limit = exact_limit([n], prob, p0)[0]
    assert abs(limit - normal) < 2.0 / n  # discreteness: O(1/n)
    sigma = np.sqrt(n * p0 * (1 - p0))
    cornish_fisher = p0 + (z * sigma + (z**2 - 1) * (1 - 2 * p0) / 6 - 0.5) / n
    assert abs(limit - cornish_fisher) < 0.02 / n  # with skewness and continuity corrections


def test_non_integer_sizes_interpolate_between_whole_numbers():
    whole = exact_limit([20, 21], 0.025)
    assert exact_limit([20.25], 0.025)[0] == pytest.approx(0.75 * whole[0] + 0.25 * whole[1], abs=1e-15)
    near = exact_limit([20 - 1e-9, 20, 20 + 1e-9], 0.975)
    assert np.ptp(near) < 1e-9  # continuous at whole numbers


def test_default_levels_are_95_and_99_8_and_nest():
    lim = funnel_limits([10, 50, 200, 1000])
    assert_array_equal(lim.levels, [0.95, 0.998])
    assert_allclose(lim.lower[0], exact_limit([10, 50, 200, 1000], 0.025))
    assert_allclose(lim.upper[1], exact_limit([10, 50, 200, 1000], 0.999))
    assert np.all(lim.lower[1] <= lim.lower[0])
    assert np.all(lim.upper[1] >= lim.upper[0])
    assert lim.adjustment == "none"
    assert (lim.phi, lim.tau2) == (1.0, 0.0)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.5, 0.95), st.floats(1.0, 2000.0), st.floats(1.0, 3.0))
def test_limits_contain_the_target_and_widen_as_n_falls(target, n, factor):
    small, large = n, n * factor
    lim = funnel_limits([small, large], target)
    assert np.all(lim.lower <= target)
    assert np.all(lim.upper >= target)
    assert np.all(lim.lower[:, 0] <= lim.lower[:, 1] + 1e-12)  # lower limits rise with n
    if small >= 10:
        # the upper limits fall with n, up to the small wiggle of the interpolated quantile
        assert np.all(lim.upper[:, 0] >= lim.upper[:, 1] - 1e-3)


def test_funnel_curve_is_the_limits_on_a_geometric_grid():
    curve = funnel_curve(5, 5000, num=31)
    assert_allclose(curve.n, np.geomspace(5, 5000, 31))
    assert_allclose(curve.lower, funnel_limits(np.geomspace(5, 5000, 31)).lower)
    rows = list(curve.rows())
    assert len(rows) == 31
    assert set(rows[0]) == {"n", "lower_95", "upper_95", "lower_99.8", "upper_99.8"}


# Ten districts: effective sizes and proportions satisfied.
N10 = np.array([420.0, 95.0, 310.0, 150.0, 60.0, 800.0, 230.0, 45.0, 510.0, 120.5])
Y10 = np.array([0.93, 0.78, 0.91, 0.86, 0.95, 0.88, 0.97, 0.71, 0.90, 0.84])


def test_overdispersion_by_hand():
    p0 = 0.9
    s2 = p0 * (1 - p0) / N10
    z = (Y10 - p0) / np.sqrt(s2)
    # 10 % winsorising of 10 units: the smallest z takes the second smallest value, the largest the
    # second largest
    order = np.argsort(z)
    z_w = z.copy()
    z_w[order[0]] = z[order[1]]
    z_w[order[-1]] = z[order[-2]]
    assert_allclose(np.asarray(mstats.winsorize(z, limits=(0.1, 0.1))), z_w)
    phi = np.mean(z_w**2)
    w = 1 / s2
    tau2 = max(0.0, (10 * phi - 9) / (w.sum() - (w**2).sum() / w.sum()))

    od = overdispersion(Y10, N10, p0)
    assert_allclose(od.z, z)
    assert_allclose(od.z_winsorised, z_w)
    assert od.phi == pytest.approx(phi)
    assert od.statistic == pytest.approx(10 * phi)
    assert od.df == 9
    assert od.p_value == pytest.approx(stats.chi2.sf(10 * phi, 9))
    assert od.tau2 == pytest.approx(tau2)
    assert od.overdispersed
    assert phi > 3  # these districts are clearly over-dispersed


def test_winsorising_limits_the_pull_of_one_extreme_unit():
    y = np.append(Y10, 0.40)
    n = np.append(N10, 300.0)
    assert overdispersion(y, n, winsor=0.1).phi < overdispersion(y, n, winsor=0.0).phi / 2


def test_no_overdispersion_leaves_the_exact_limits():
    y = np.full(6, 0.9) + np.array([0.01, -0.01, 0.005, -0.005, 0.0, 0.002])
    n = np.array([100.0, 120, 90, 200, 150, 80])
    od = overdispersion(y, n)
    assert od.phi < 1
    assert not od.overdispersed
    assert od.tau2 == 0.0
    plain = funnel_limits(n)
    for adjustment in ("multiplicative", "additive"):
        adjusted = funnel_limits(n, dispersion=od, adjustment=adjustment)
        assert adjusted.adjustment == "none"
        assert_array_equal(adjusted.lower, plain.lower)


def test_multiplicative_and_additive_limits_by_formula():
    od = overdispersion(Y10, N10)
    sizes = np.array([30.0, 300.0, 3000.0])
    z = stats.norm.ppf([0.975, 0.999])[:, None]
    s2 = 0.09 / sizes
    mult = funnel_limits(sizes, dispersion=od, adjustment="multiplicative")
    assert mult.adjustment == "multiplicative"
    assert mult.phi == od.phi
    assert_allclose(mult.upper, np.minimum(1, 0.9 + z * np.sqrt(od.phi * s2)))
    assert_allclose(mult.lower, 0.9 - z * np.sqrt(od.phi * s2))
    add = funnel_limits(sizes, dispersion=od, adjustment="additive")
    assert add.tau2 == od.tau2
    assert_allclose(add.lower, 0.9 - z * np.sqrt(s2 + od.tau2))
    # additive limits do not close to a point as n grows; multiplicative ones do
    assert add.upper[0, -1] - add.lower[0, -1] > 2 * 1.9 * np.sqrt(od.tau2)
    assert mult.upper[0, -1] - mult.lower[0, -1] < add.upper[0, -1] - add.lower[0, -1]
    ignored = funnel_limits(sizes, dispersion=od, adjustment="none")
    assert ignored.adjustment == "none"
    assert_array_equal(ignored.upper, funnel_limits(sizes).upper)


def test_classification_by_hand():
    res = classify_funnel(Y10, N10, labels=[f"d{i}" for i in range(10)])
    lower, upper = funnel_limits(N10).lower, funnel_limits(N10).upper
    expected = np.where(lower > Y10, BELOW, np.where(upper < Y10, ABOVE, INSIDE))
    assert_array_equal(res.status, expected)
    # d7 (71 % of 45) is below even the 99.8 % limit; d6 (97 % of 230) above the 95 % one
    assert res.status[:, 7].tolist() == [BELOW, BELOW]
    assert res.status[0, 6] == ABOVE
    assert res.dispersion is not None and res.dispersion.overdispersed
    assert_allclose(res.z, res.dispersion.z)
    row = next(res.rows())
    assert row["label"] == "d0"
    assert {"status_95", "status_99.8", "lower_95", "upper_99.8"} <= set(row)


def test_adjusting_for_overdispersion_brings_units_inside():
    plain = classify_funnel(Y10, N10)
    adjusted = classify_funnel(Y10, N10, adjustment="additive")
    assert adjusted.limits.adjustment == "additive"
    assert (adjusted.status == INSIDE).sum() > (plain.status == INSIDE).sum()
    assert np.all((plain.status == INSIDE) <= (adjusted.status == INSIDE))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["none", "multiplicative", "additive"]))
def test_permuting_units_permutes_the_classification(seed, adjustment):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 25))
    n = rng.uniform(5, 800, k)
    y = np.clip(rng.normal(0.88, 0.05, k), 0, 1)
    perm = rng.permutation(k)
    res = classify_funnel(y, n, adjustment=adjustment)
    permuted = classify_funnel(y[perm], n[perm], adjustment=adjustment)
    assert_array_equal(permuted.status, res.status[:, perm])
    assert_allclose(permuted.limits.upper, res.limits.upper[:, perm])
    assert permuted.dispersion.phi == pytest.approx(res.dispersion.phi)


def test_results_are_frozen_and_read_only():
    res = classify_funnel(Y10, N10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.dispersion = None
    for arr in (res.status, res.limits.lower, res.dispersion.z, res.y):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = arr[1]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: exact_limit([0.5], 0.025), "at least 1"),
        (lambda: exact_limit([0], 0.025), "positive"),
        (lambda: exact_limit([np.nan], 0.025), "nan"),
        (lambda: exact_limit([10], 1.0), "tail probability"),
        (lambda: exact_limit([10], 0.025, target=1.0), "target"),
        (lambda: funnel_limits([10], levels=(0.95, 1.2)), "confidence level"),
        (lambda: funnel_limits([10], levels=()), "At least one level"),
        (lambda: funnel_limits([10], adjustment="both"), "adjustment"),
        (lambda: funnel_limits([10], 0.8, dispersion=overdispersion(Y10, N10, 0.9)), "assessed around"),
        (lambda: funnel_curve(100, 10), "n_min < n_max"),
        (lambda: funnel_curve(1, 10, num=1), "two points"),
        (lambda: overdispersion([0.9], [10]), "at least two units"),
        (lambda: overdispersion([0.9, 1.1], [10, 10]), "between 0 and 1"),
        (lambda: overdispersion([0.9, 0.8], [10, 10, 10]), "2 proportions but 3"),
        (lambda: overdispersion([0.9, 0.8], [10, 10], winsor=0.5), "winsorised share"),
        (lambda: overdispersion([0.9, 0.8], [10, 10], test_level=0), "test level"),
        (lambda: classify_funnel([0.9], [10], adjustment="additive"), "at least two units"),
        (lambda: classify_funnel([0.9, 0.8], [10, 10], adjustment="yes"), "adjustment"),
        (lambda: classify_funnel([0.9, 0.8], [10, 10], labels=["a", "a"]), "unique"),
    ],
)
def test_bad_input_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_docstring_examples():
    result = doctest.testmod(funnel, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
