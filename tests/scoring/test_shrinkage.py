"""Empirical-Bayes beta-binomial shrinkage: R optim reference, hand-worked values, the cap, invariants."""

import csv
import dataclasses
import doctest
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import optimize, stats

import scoring._shrinkage as shrinkage
from scoring._shrinkage import (
    MIN_PRIOR_SIZE,
    beta_binomial_loglik,
    beta_binomial_shrinkage,
    fit_beta_binomial,
)

REF = Path(__file__).parent / "reference" / "compare"


def _datasets() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    with (REF / "beta_binomial_data.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = dict.fromkeys(row["dataset"] for row in rows)
    return {
        name: (
            np.array([float(r["x"]) for r in rows if r["dataset"] == name]),
            np.array([float(r["n"]) for r in rows if r["dataset"] == name]),
        )
        for name in names
    }


def _r_fits() -> dict[tuple[str, str], dict[str, float]]:
    with (REF / "beta_binomial_mle.csv").open(newline="") as handle:
        return {
            (row["dataset"], row["fit"]): {k: float(row[k]) for k in ("a", "b", "loglik", "sum_n")}
            for row in csv.DictReader(handle)
        }


DATA = _datasets()
R_FITS = _r_fits()


def test_log_likelihood_by_hand():
    def lbeta(p, q):
        return math.lgamma(p) + math.lgamma(q) - math.lgamma(p + q)

    x, n, a, b = [45, 80, 7.5], [50, 90, 10.25], 9.0, 1.5
    expected = sum(lbeta(xi + a, ni - xi + b) - lbeta(a, b) for xi, ni in zip(x, n, strict=True))
    assert beta_binomial_loglik(a, b, x, n) == pytest.approx(expected, abs=1e-10)


@pytest.mark.parametrize("name", sorted(DATA))
def test_unconstrained_mle_matches_r_optim(name):
    x, n = DATA[name]
    ref = R_FITS[(name, "mle")]
    fit = fit_beta_binomial(x, n, max_prior_size=1e9)
    assert not fit.capped
    assert fit.converged
    assert fit.a == pytest.approx(ref["a"], rel=1e-5)
    assert fit.b == pytest.approx(ref["b"], rel=1e-5)
    assert fit.loglik == pytest.approx(ref["loglik"], abs=1e-7)
    assert fit.loglik == pytest.approx(beta_binomial_loglik(fit.a, fit.b, x, n), abs=1e-9)


@pytest.mark.parametrize("name", sorted(DATA))
def test_default_cap_is_the_total_sample_and_matches_r_when_it_binds(name):
    x, n = DATA[name]
    fit = fit_beta_binomial(x, n)
    assert fit.max_prior_size == pytest.approx(n.sum())
    mle = R_FITS[(name, "mle")]
    binds = mle["a"] + mle["b"] > mle["sum_n"]
    ref = R_FITS[(name, "cap" if binds else "mle")]
    assert fit.capped == binds
    assert fit.a == pytest.approx(ref["a"], rel=1e-5)
    assert fit.b == pytest.approx(ref["b"], rel=1e-5)
    assert fit.loglik == pytest.approx(ref["loglik"], abs=1e-7)


def test_reference_data_include_a_capped_and_an_uncapped_case():
    binding = [R_FITS[(k, "mle")]["a"] + R_FITS[(k, "mle")]["b"] > R_FITS[(k, "mle")]["sum_n"] for k in DATA]
    assert any(binding)
    assert not all(binding)


@pytest.mark.parametrize("name", sorted(DATA))
def test_fit_is_a_local_maximum(name):
    x, n = DATA[name]
    fit = fit_beta_binomial(x, n, max_prior_size=1e9)
    for da, db in [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1), (1, -1)]:
        step = 1e-3
        moved = beta_binomial_loglik(fit.a * (1 + da * step), fit.b * (1 + db * step), x, n)
        assert moved <= fit.loglik + 1e-9


def test_no_overdispersion_hits_the_cap_and_says_so():
    n = np.array([40.0, 120, 300, 75, 210, 55])
    x = 0.88 * n  # identical proportions: no variation between units at all
    fit = fit_beta_binomial(x, n)
    assert fit.capped
    assert fit.prior_size == pytest.approx(n.sum())
    # at the cap, the prior mean maximises the likelihood over the mean alone (close to, not exactly, 0.88)
    s = n.sum()
    best = optimize.minimize_scalar(
        lambda m: -beta_binomial_loglik(m * s, (1 - m) * s, x, n),
        bounds=(0.5, 0.99),
        method="bounded",
        options={"xatol": 1e-10},
    )
    assert fit.prior_mean == pytest.approx(best.x, abs=1e-6)
    assert fit.prior_mean == pytest.approx(0.88, abs=1e-3)
    res = beta_binomial_shrinkage(x, n)
    assert res.fit.capped
    assert_allclose(res.mean, 0.88, atol=1e-3)
    # a smaller cap is honoured too
    assert fit_beta_binomial(x, n, max_prior_size=100).prior_size == pytest.approx(100)


def test_plain_binomial_data_are_pooled_almost_fully():
    rng = np.random.default_rng(12)
    n = rng.integers(50, 400, 12).astype(float)
    x = rng.binomial(n.astype(int), 0.9).astype(float)  # every unit truly at 90 %
    res = beta_binomial_shrinkage(x, n)
    assert res.fit.capped
    assert np.all(res.weight_prior > 0.85)
    assert np.ptp(res.mean) < 0.2 * np.ptp(x / n)


def test_posterior_by_hand():
    x = np.array([95.0, 40, 180, 28, 60, 110])
    n = np.array([100.0, 50, 200, 40, 61, 130])
    res = beta_binomial_shrinkage(x, n, target=0.9, level=0.9)
    a, b = res.fit.a, res.fit.b
    assert_allclose(res.posterior_a, a + x)
    assert_allclose(res.posterior_b, b + n - x)
    assert_allclose(res.mean, (a + x) / (a + b + n))
    assert_allclose(res.prob_below, stats.beta.cdf(0.9, a + x, b + n - x))
    assert_allclose(res.lower, stats.beta.ppf(0.05, a + x, b + n - x))
    assert_allclose(res.upper, stats.beta.ppf(0.95, a + x, b + n - x))
    weight = (a + b) / (a + b + n)
    assert_allclose(res.weight_prior, weight)
    assert_allclose(res.mean, (1 - weight) * x / n + weight * res.fit.prior_mean)


def test_effective_non_integer_counts_are_accepted():
    x, n = DATA["communes"]
    assert np.any(x != np.round(x))
    res = beta_binomial_shrinkage(x, n)
    assert np.all(np.isfinite(res.mean))


@st.composite
def unit_sets(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 20))
    n = np.round(np.exp(rng.uniform(np.log(3), np.log(800), k)), 1)
    theta = rng.beta(draw(st.floats(2, 60)), draw(st.floats(0.5, 8)), k)
    x = np.minimum(np.round(n * rng.binomial(1000, theta, k) / 1000, 1), n)
    x[0] = min(x[0], n[0] - 1)  # not every unit at 100 %
    return x, n, rng.permutation(k)


@settings(max_examples=50, deadline=None)
@given(unit_sets())
def test_shrinkage_invariants(units):
    x, n, _ = units
    res = beta_binomial_shrinkage(x, n)
    mu = res.fit.prior_mean
    raw = x / n
    lo, hi = np.minimum(raw, mu), np.maximum(raw, mu)
    assert np.all((res.mean >= lo - 1e-12) & (res.mean <= hi + 1e-12))  # between raw and the prior mean
    assert np.all((res.lower <= res.mean) & (res.mean <= res.upper))
    assert np.all((res.prob_below >= 0) & (res.prob_below <= 1))
    assert np.all(np.diff(res.weight_prior[np.argsort(n)]) <= 1e-15)  # more data, less shrinkage
    assert 0 < res.fit.prior_size <= n.sum() * (1 + 1e-12)


@settings(max_examples=30, deadline=None)
@given(unit_sets())
def test_units_with_more_data_shrink_less(units):
    x, n, _ = units
    fit = beta_binomial_shrinkage(x, n).fit
    # add two units with the same raw proportion, one with ten times the data
    p = 0.75
    x2 = np.append(x, [p * 20, p * 200])
    n2 = np.append(n, [20.0, 200.0])
    res = beta_binomial_shrinkage(x2, n2, max_prior_size=fit.max_prior_size)
    pull_small = abs(res.mean[-2] - p)
    pull_large = abs(res.mean[-1] - p)
    assert pull_large <= pull_small + 1e-12


@settings(max_examples=30, deadline=None)
@given(unit_sets())
def test_permuting_units_permutes_results(units):
    x, n, perm = units
    res = beta_binomial_shrinkage(x, n)
    permuted = beta_binomial_shrinkage(x[perm], n[perm])
    assert permuted.fit.a == pytest.approx(res.fit.a, rel=1e-4)
    assert_allclose(permuted.mean, res.mean[perm], rtol=1e-5)
    assert_allclose(permuted.prob_below, res.prob_below[perm], atol=1e-4)


def test_prob_below_falls_as_the_unit_does_better():
    n = np.array([100.0] * 5)
    x = np.array([70.0, 80, 88, 92, 97])
    res = beta_binomial_shrinkage(x, n)
    assert np.all(np.diff(res.prob_below) < 0)
    assert res.prob_below[0] > 0.99


def test_rows_results_frozen_and_read_only():
    res = beta_binomial_shrinkage([90, 40, 170], [100, 50, 200], labels=["a", "b", "c"])
    rows = list(res.rows())
    assert rows[1]["label"] == "b"
    assert type(rows[1]["prob_below"]) is float
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.target = 0.8
    with pytest.raises(ValueError, match="read-only"):
        res.mean[0] = 0.5


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: fit_beta_binomial([5, 11], [10, 10]), "between 0 and its size"),
        (lambda: fit_beta_binomial([-1, 5], [10, 10]), "between 0 and its size"),
        (lambda: fit_beta_binomial([5, 5], [10, 0]), "positive"),
        (lambda: fit_beta_binomial([5, 5], [10]), "2 counts but 1 sizes"),
        (lambda: fit_beta_binomial([5], [10]), "At least 2 units"),
        (lambda: fit_beta_binomial([0, 0], [10, 20]), "not estimable"),
        (lambda: fit_beta_binomial([10, 20], [10, 20]), "not estimable"),
        (lambda: fit_beta_binomial([5, np.nan], [10, 10]), "nan"),
        (lambda: fit_beta_binomial([5, 6], [10, 10], max_prior_size=MIN_PRIOR_SIZE / 2), "cap"),
        (lambda: fit_beta_binomial([5, 6], [10, 10], max_prior_size=np.inf), "cap"),
        (lambda: beta_binomial_shrinkage([5, 6], [10, 10], target=0.0), "target"),
        (lambda: beta_binomial_shrinkage([5, 6], [10, 10], level=1.5), "level"),
        (lambda: beta_binomial_shrinkage([5, 6], [10, 10], labels=["a"]), "labels"),
        (lambda: beta_binomial_loglik(0.0, 1.0, [5], [10]), "positive"),
    ],
)
def test_bad_input_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_all_units_at_one_extreme_but_one():
    # all-satisfied units are fine as long as not every unit is
    res = beta_binomial_shrinkage([12, 30, 8, 45], [12, 30, 8, 50])
    assert np.all(res.mean < 1)
    assert_array_equal(res.raw[:3], 1.0)


def test_docstring_examples():
    result = doctest.testmod(shrinkage, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
