"""Values computed by hand (closed forms) or from textbook formulas, and the errors bad input raises."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from scoring import (
    Design,
    IndexSpec,
    base_weights,
    clopper_pearson,
    decide,
    exact_p_value,
    jeffreys,
    kish,
    poststratify,
    proportion_interval,
    proportions,
    rake,
    score,
    wilson,
)


def test_clopper_pearson_closed_forms():
    # x = n: lower = (alpha/2)^(1/n); x = 0: upper = 1 - (alpha/2)^(1/n);
    # x = n - 1: upper = (1 - alpha/2)^(1/n)
    ci = clopper_pearson([20, 0, 9], [20, 20, 10])
    assert ci.lower[0] == pytest.approx(0.025 ** (1 / 20), rel=1e-12)
    assert ci.upper[0] == 1.0 and ci.lower[1] == 0.0
    assert ci.upper[1] == pytest.approx(1 - 0.025 ** (1 / 20), rel=1e-12)
    assert ci.upper[2] == pytest.approx(0.975 ** (1 / 10), rel=1e-12)
    # x = 1 of n = 2: lower solves 1 - (1 - p)^2 = 0.025
    assert clopper_pearson(1, 2).lower == pytest.approx(1 - math.sqrt(0.975), rel=1e-12)


def test_wilson_by_formula_and_r_prop_test():
    z = stats.norm.ppf(0.975)
    p, n = 0.9, 100
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    ci = wilson(p, n)
    assert (ci.lower, ci.upper) == pytest.approx((centre - half, centre + half), rel=1e-12)
    # R: prop.test(90, 100, correct = FALSE)$conf.int
    assert (ci.lower, ci.upper) == pytest.approx((0.8256343385, 0.9447708629), abs=1e-10)


def test_jeffreys_matches_beta_quantiles():
    ci = jeffreys(0.9, 100)  # R: qbeta(c(.025, .975), 90.5, 10.5)
    assert (ci.lower, ci.upper) == pytest.approx((0.8298761, 0.9474153), abs=1e-7)
    edge = jeffreys([0.0, 1.0], [10, 10])
    assert edge.lower[0] == 0.0 and edge.upper[1] == 1.0


def test_exact_binomial_p_value():
    assert exact_p_value(1, 3, 0.9) == pytest.approx(0.1**3 + 3 * 0.9 * 0.1**2, rel=1e-12)
    assert exact_p_value(85, 100, 0.9) == pytest.approx(0.07257297, abs=1e-8)  # R: pbinom(85, 100, .9)
    assert exact_p_value(10, 10, 0.9) == 1.0


def test_kish_by_hand():
    k = kish([1.0, 1.0, 2.0])
    assert k.n == 3
    assert k.n_eff == pytest.approx(16 / 6, rel=1e-15)
    assert k.deff == pytest.approx(18 / 16, rel=1e-15)
    assert kish([3.0] * 7).n_eff == pytest.approx(7.0)


def test_base_weights_by_hand():
    np.testing.assert_allclose(base_weights([0, 0, 1, 2, 2, 2], [10.0, 3.0, 9.0, 0.0]), [5, 5, 3, 3, 3, 3])


def test_post_stratification_by_hand():
    cal = poststratify([0, 0, 1, 1, 1], [10.0, 30.0], base=[1.0, 3.0, 1.0, 1.0, 2.0])
    np.testing.assert_allclose(cal.weights, [2.5, 7.5, 7.5, 7.5, 15.0])


def test_two_by_two_raking_by_hand():
    # Sample counts n = [[1, 2], [3, 4]], row totals (10, 20), column totals (15, 15). Raking keeps the odds
    # ratio 4/6, so the fitted t = T11 solves t(5 + t) / ((10 - t)(15 - t)) = 2/3: t^2 + 65 t - 300 = 0.
    rows = np.repeat([0, 0, 1, 1], [1, 2, 3, 4])
    cols = np.repeat([0, 1, 0, 1], [1, 2, 3, 4])
    cal = rake([rows, cols], [[10.0, 20.0], [15.0, 15.0]], epsilon=1e-13)
    t = (-65 + math.sqrt(65**2 + 1200)) / 2
    table = np.array([t, 10 - t, 15 - t, 5 + t]) / np.array([1, 2, 3, 4])
    np.testing.assert_allclose(cal.weights, np.repeat(table, [1, 2, 3, 4]), rtol=1e-10)
    assert cal.iterations > 1 and cal.max_change < 1e-13 * 10


def test_decision_follows_the_interval_and_the_p_value():
    r = proportion_interval([0.80, 0.97, 0.90], [0.0004, 0.0001, 0.0004], n=300, df=290, target=0.9)
    assert r.decision.tolist() == ["not_met", "met", "inconclusive"]
    assert r.p_value[0] < 0.025 < r.p_value[2]
    assert decide([np.nan], [np.nan], 0.9).tolist() == ["no_estimate"]


def test_unweighted_clopper_pearson_uses_counts():
    spec = IndexSpec.from_elements({"e": ["a"]})
    codes = np.array([[5]] * 17 + [[2]] * 3, dtype=np.uint8)
    result = score(codes, spec, Design(strata=np.zeros(20, int)), method="clopper-pearson")
    est = result.get("all", 0, "a")
    ci = clopper_pearson(17, 20)
    assert (est.lower, est.upper) == pytest.approx((ci.lower, ci.upper), rel=1e-12)
    assert est.p_value == pytest.approx(stats.binom.cdf(17, 20, 0.9), rel=1e-12)
    with pytest.raises(ValueError, match="ignores weights"):
        score(
            codes,
            spec,
            Design(strata=np.zeros(20, int), weights=np.arange(1.0, 21)),
            method="clopper-pearson",
        )


def test_boundary_estimates_never_collapse():
    spec = IndexSpec.from_elements({"e": ["a", "b"]})
    codes = np.array([[5, 1]] * 12 + [[4, 0]] * 3, dtype=np.uint8)
    result = score(codes, spec, Design(strata=np.zeros(15, int)), {"unit": np.zeros(15, int)})
    a, b, e = (result.get("unit", 0, name) for name in ("a", "b", "e"))
    assert a.estimate == 1.0 and a.se == 0.0 and a.upper == 1.0
    assert a.lower == pytest.approx(0.025 ** (1 / 15), rel=1e-12) and a.reason
    assert b.estimate == 0.0 and b.lower == 0.0 and b.upper == pytest.approx(1 - 0.025 ** (1 / 12), rel=1e-12)
    assert e.estimate == 0.5 and e.se == 0.0 and 0 < e.lower < 0.5 < e.upper < 1 and e.reason


def test_n_of_one_and_no_answers():
    spec = IndexSpec.from_elements({"e": ["a", "b"]})
    codes = np.array([[5, 0], [2, 0], [4, 0]], dtype=np.uint8)
    result = score(codes, spec, Design(strata=[0, 0, 1]), {"unit": [0, 0, 1]})
    one = result.get("unit", 1, "a")
    assert one.n == 1 and one.estimate == 1.0 and one.lower == pytest.approx(0.025) and one.upper == 1.0
    none = result.get("unit", 0, "b")
    assert math.isnan(none.estimate) and none.decision == "no_estimate" and none.n == 0 and "no valid" in none.reason
    element = result.get("unit", 0, "e")  # b has no answers: the element is a alone, coverage one half
    assert element.estimate == pytest.approx(0.5) and element.coverage == pytest.approx(0.5)


def test_composite_rescales_over_available_criteria():
    spec = IndexSpec.from_elements({"e": ["a", "b", "c"]}, item_weights={"a": 2.0})
    codes = np.array([[5, 5, 0], [1, 5, 0], [5, 1, 0], [5, 5, 0]], dtype=np.uint8)
    est = score(codes, spec, Design(strata=np.zeros(4, int)), target=None).get("all", 0, "e")
    assert est.estimate == pytest.approx((2 * 0.75 + 0.75) / 3)
    assert est.coverage == pytest.approx(3 / 4)
    assert est.decision == ""


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: poststratify([0, 0, 2], [3.0, 5.0, 1.0]), "no respondent"),
        (lambda: poststratify([0, 1], [3.0, 0.0]), "population total of 0"),
        (lambda: poststratify([0, 3], [3.0, 1.0]), "unknown"),
        (lambda: poststratify([0, 1], [3.0, 1.0], base=[1.0, -2.0]), "positive"),
        (lambda: poststratify([0, 1], [3.0, float("nan")]), "not finite"),
        (lambda: rake([[0, 1], [0, 1]], [[1.0, 1.0], [1.0, 2.0]]), "disagree in total"),
        (
            lambda: rake(
                [[0, 0, 1, 1], [0, 1, 0, 1]],
                [[5.0, 5.0], [3.0, 7.0]],
                base=[1, 9, 9, 1],
                max_iter=1,
                epsilon=1e-14,
            ),
            "did not converge",
        ),
        (lambda: base_weights([0, 5], [1.0, 2.0]), "unknown"),
        (lambda: Design(strata=[0, 1], weights=[1.0, np.inf]), "not finite"),
        (lambda: Design(strata=[0, 1], weights=[1.0]), "respondents"),
        (lambda: Design(strata=[0, 1], lonely="average"), "lonely"),
        (lambda: Design(strata=[0, -1]), "only codes"),
        (lambda: proportion_interval(0.5, 0.01, 10, 9, confidence=1.5), "strictly between"),
        (lambda: proportion_interval(0.5, 0.01, 10, 9, method="wald"), "Unknown interval method"),
        (lambda: IndexSpec.from_elements({"e": ["a"]}, item_weights={"a": -1.0}), "positive"),
        (lambda: IndexSpec.from_elements({"e": ["e"]}), "distinct"),
        (
            lambda: score(np.zeros((2, 2), np.uint8), IndexSpec.from_elements({"e": ["a"]}), Design(strata=[0, 0])),
            "shape",
        ),
        (
            lambda: score(np.full((2, 1), 7, np.uint8), IndexSpec.from_elements({"e": ["a"]}), Design(strata=[0, 0])),
            "0..5",
        ),
        (lambda: proportions([True, False], Design(strata=[0, 0]), target=1.0), "strictly between"),
    ],
)
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
