"""Reproduce R ``survey`` 4.1-1 (outputs committed in ``reference/r_*.csv``, script ``make_reference.R``).

Tolerance: 1e-9 relative (1e-12 absolute) for estimates, standard errors, covariances, design effects and
intervals, unless a test says otherwise.

Where R gives no answer or a misleading one, the tests state what ``scoring`` returns instead:

* estimate exactly 1 or 0 (agency 2 is 100% satisfied; the lonely agency 0): R's ``svyciprop`` returns
  NaN bounds (``beta``: n* = 0/0; ``xlogit``: logit(1) = inf), or, where its weighted mean rounds to
  0.9999999999999999, an interval collapsed onto it. ``scoring`` returns Clopper–Pearson bounds
  on Kish's effective size, marks the reason, and never an interval 1 ± 0.
* ``svyciprop(method = "beta")`` on a subset of a calibrated design takes ``nrow(design)``, the whole
  sample, as the n in :math:`t_{n-1}`. ``scoring`` uses the unit's own number of valid answers, which is
  what R does for uncalibrated designs (subsetting drops rows there). The reference script computes that
  own-n interval in R; a separate test shows that :func:`scoring.korn_graubard` given R's n reproduces
  R's ``svyciprop`` exactly.
* ``deff_raw`` (R's ``deff``) at an estimate of exactly 0 or 1: R divides two rounding errors (giving e.g. 7e30 or NaN);
  ``scoring`` gives nan and a standard error of exactly 0.
* ``deff = TRUE`` with unit weights: R divides by a zero SRS variance (:math:`\\hat N = n`) and reports
  ``Inf``; ``scoring`` reports nan.
* the lonely stratum (agency 0, one respondent) is run with ``survey.lonely.psu = "adjust"`` (the default
  policy of ``scoring``) and ``"certainty"``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import number, read_csv, scored

from scoring import clopper_pearson, korn_graubard

RTOL, ATOL = 1e-9, 1e-12
ITEMS = ("q1", "q2", "q3", "q4", "q5", "q6")


def close(actual: float, expected: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    if math.isnan(expected):
        return math.isnan(actual)
    return abs(actual - expected) <= atol + rtol * abs(expected)


def test_weights_match_r(reference):
    rows = read_csv("r_weights.csv")
    for name in ("base", "post", "rake"):
        expected = np.array([float(r[name]) for r in rows])
        np.testing.assert_allclose(reference.design(name).respondent_weights(), expected, rtol=RTOL)


def test_post_stratified_weights_add_up_to_cell_totals(reference):
    weights = reference.design("post").respondent_weights()
    sums = np.bincount(reference.cell, weights=weights, minlength=reference.cell_totals.size)
    np.testing.assert_allclose(sums, reference.cell_totals, rtol=1e-12)


CRITERIA = read_csv("r_criteria.csv")


@pytest.mark.parametrize(
    ("design", "lonely"),
    [
        ("unweighted", "adjust"),
        ("base", "adjust"),
        ("post", "adjust"),
        ("rake", "adjust"),
        ("base", "certainty"),
        ("post", "certainty"),
        ("rake", "certainty"),
    ],
)
def test_criteria_by_domain_match_svymean(design, lonely):
    rows = [r for r in CRITERIA if r["design"] == design and r["lonely"] == lonely]
    assert rows
    result = scored(design, lonely)
    for r in rows:
        est = result.get(r["level"], int(r["domain"]), r["item"])
        where = f"{design}/{lonely} {r['level']}={r['domain']} {r['item']}"
        assert est.n == int(r["n"]), where
        assert est.df == int(r["df"]), where
        assert close(est.estimate, number(r["mean"])), where
        assert close(est.se, number(r["se"])), where
        r_deff = number(r["deff"])
        if _degenerate(r):  # R: rounding noise over rounding noise (e.g. 7e30); scoring: nan
            assert math.isnan(est.deff_raw) and est.se == 0.0, where
        elif math.isfinite(r_deff):
            assert close(est.deff_raw, r_deff, rtol=1e-8), where
        else:  # R: Inf (unit weights) or NaN (zero variance); scoring: nan
            assert math.isnan(est.deff_raw), where


def _degenerate(r: dict[str, str]) -> bool:
    """All answers satisfied, or none. R's weighted mean can be 0.9999999999999999 there (and its
    intervals then collapse to [0.9999999999999999, 1]); scoring decides this on integer counts."""
    mean = number(r["mean"])
    return mean < 1e-12 or mean > 1 - 1e-12


@pytest.mark.parametrize("design", ["unweighted", "base", "post", "rake"])
def test_korn_graubard_matches_svyciprop_beta(design):
    result = scored(design)
    for r in (r for r in CRITERIA if r["design"] == design and r["lonely"] == "adjust"):
        est = result.get(r["level"], int(r["domain"]), r["item"])
        where = f"{design} {r['level']}={r['domain']} {r['item']}"
        if _degenerate(r):
            # R gives no interval at 0% or 100%, or a collapsed one when its mean rounds below 1
            assert math.isnan(number(r["beta_lower"])) or number(r["beta_lower"]) > 1 - 1e-12, where
            ci = clopper_pearson(est.estimate * est.n_kish, est.n_kish)
            assert (est.lower, est.upper) == pytest.approx((ci.lower, ci.upper), rel=1e-12), where
            assert est.upper - est.lower > 0 and est.reason, where
            continue
        # scoring uses the unit's own n; for uncalibrated designs that is R's nrow(design) too.
        assert close(est.lower, number(r["beta_own_lower"])), where
        assert close(est.upper, number(r["beta_own_upper"])), where
        if r["calibrated"] == "FALSE":
            assert close(est.lower, number(r["beta_lower"])), where
            assert close(est.upper, number(r["beta_upper"])), where
        else:  # R's own svyciprop, reproduced by giving korn_graubard R's n = nrow(design)
            var = est.se**2
            ci = korn_graubard(est.estimate, var, n=int(r["nrow_design"]), df=est.df)
            assert close(ci.lower, number(r["beta_lower"])), where
            assert close(ci.upper, number(r["beta_upper"])), where


@pytest.mark.parametrize("design", ["unweighted", "base", "post", "rake"])
def test_logit_interval_matches_svyciprop_xlogit(design):
    result = scored(design, method="xlogit")
    for r in (r for r in CRITERIA if r["design"] == design and r["lonely"] == "adjust"):
        est = result.get(r["level"], int(r["domain"]), r["item"])
        where = f"{design} {r['level']}={r['domain']} {r['item']}"
        if _degenerate(r):
            assert math.isnan(number(r["xlogit_lower"])) or number(r["xlogit_lower"]) > 1 - 1e-12, where
            assert not math.isnan(est.lower) and est.upper > est.lower, where
            continue
        assert close(est.lower, number(r["xlogit_lower"])), where
        assert close(est.upper, number(r["xlogit_upper"])), where


def test_svyby_on_post_stratified_design_matches_district_estimates():
    result = scored("post")["district"]
    for r in read_csv("r_svyby.csv"):
        i = result.row(int(r["district"]))
        assert close(result.estimate[i, 0], number(r["mean"]))
        assert close(result.se[i, 0], number(r["se"]))


@pytest.mark.parametrize("design", ["base", "post", "rake"])
def test_element_and_overall_match_svycontrast(design):
    result = scored(design)
    rows = [r for r in read_csv("r_contrasts.csv") if r["design"] == design]
    assert rows
    for r in rows:
        est = result.get(r["level"], int(r["domain"]), r["estimate"])
        where = f"{design} {r['level']}={r['domain']} {r['estimate']}"
        assert close(est.estimate, number(r["value"])), where
        assert close(est.se, number(r["se"])), where


@pytest.mark.parametrize("design", ["base", "post", "rake"])
def test_criterion_covariance_matches_svyratio_covmat(design):
    result = scored(design)
    for r in (r for r in read_csv("r_criterion_cov.csv") if r["design"] == design):
        level = result[r["level"]]
        i = level.row(int(r["domain"]))
        a, b = level.column(r["item_a"]), level.column(r["item_b"])
        assert close(level.covariance[i, a, b], number(r["cov"]), atol=1e-15), r


@pytest.mark.parametrize("design", ["base", "post", "rake"])
def test_difference_of_two_districts_matches_svycontrast(design):
    result = scored(design)
    names = result.names
    cross = result.cross_covariance("district", 0, "district", 1)
    for r in (r for r in read_csv("r_district_cross_cov.csv") if r["design"] == design):
        got = cross[names.index(r["item_a"]), names.index(r["item_b"])]
        assert close(got, number(r["cov"]), atol=1e-15), r
    district = result["district"]
    for r in (r for r in read_csv("r_district_difference.csv") if r["design"] == design):
        j = district.column(r["estimate"])
        diff = district.estimate[0, j] - district.estimate[1, j]
        var = district.covariance[0, j, j] + district.covariance[1, j, j] - 2 * cross[j, j]
        assert close(diff, number(r["difference"])), r
        assert close(math.sqrt(var), number(r["se"])), r
        joint = result.joint_covariance("district", r["estimate"], [0, 1])
        assert close(joint[0, 1], cross[j, j], atol=1e-15)
    if design == "rake":  # the field margin crosses districts: their estimates are correlated
        assert np.abs(cross).max() > 0
    else:  # disjoint strata, post-strata nested in strata: districts are independent
        np.testing.assert_array_equal(cross, 0.0)
