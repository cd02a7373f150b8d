"""Pairwise comparisons of units: R survey reference after raking, hand-worked values, edge cases."""

import csv
import dataclasses
import doctest
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

import scoring._compare as compare
from scoring._compare import (
    HIGHER,
    LOWER,
    NO_EVIDENCE,
    NOT_TESTABLE,
    compare_pairs,
    compare_to_reference,
    compare_to_value,
    satterthwaite_df,
)

REF = Path(__file__).parent / "reference" / "compare"


def _read_csv(name: str) -> list[dict[str, str]]:
    with (REF / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def _column(rows: list[dict[str, str]], key: str) -> np.ndarray:
    return np.array([float(row[key]) for row in rows])


UNITS = [row["unit"] for row in _read_csv("pairwise_raked_estimates.csv")]
EST = _column(_read_csv("pairwise_raked_estimates.csv"), "estimate")
with (REF / "pairwise_raked_vcov.csv").open(newline="") as _handle:
    VCOV = np.array([[float(v) for v in row] for row in list(csv.reader(_handle))[1:]])
R_PAIRS = _read_csv("pairwise_raked_pairs.csv")
R_VS_PROVINCE = _read_csv("pairwise_raked_vs_province.csv")
R_DF = float(R_PAIRS[0]["df"])


def _check_against_r(res, rows):
    assert res.label_a.tolist() == [row["a"] for row in rows]
    assert res.label_b.tolist() == [row["b"] for row in rows]
    for ours, theirs in [
        (res.difference, "difference"),
        (res.se, "se"),
        (res.statistic, "t"),
        (res.p_value, "p"),
        (res.lower, "lower"),
        (res.upper, "upper"),
    ]:
        assert_allclose(ours, _column(rows, theirs), rtol=1e-10, atol=1e-14)


def test_all_district_pairs_match_r_survey_after_raking():
    districts = UNITS[:6]
    res = compare_pairs(EST[:6], VCOV[:6, :6], R_DF, districts, adjust="holm")
    _check_against_r(res, R_PAIRS)
    assert_allclose(res.p_adjusted, _column(R_PAIRS, "p_holm"), rtol=1e-10)
    bh = compare_pairs(EST[:6], VCOV[:6, :6], R_DF, districts, adjust="bh")
    assert_allclose(bh.p_adjusted, _column(R_PAIRS, "p_bh"), rtol=1e-10)


def test_districts_against_the_province_that_contains_them_match_r():
    res = compare_to_reference(EST, VCOV, R_DF, UNITS, reference="province")
    _check_against_r(res, R_VS_PROVINCE)
    assert_allclose(res.p_adjusted, _column(R_VS_PROVINCE, "p_holm"), rtol=1e-10)


def test_the_covariance_is_used_not_just_the_variances():
    with_cov = compare_to_reference(EST, VCOV, R_DF, UNITS, reference="province")
    variances_only = compare_to_reference(EST, np.diag(VCOV), R_DF, UNITS, reference="province")
    # a district is part of the province: the positive covariance shrinks the SE of the difference
    assert np.all(with_cov.se < variances_only.se * 0.95)


def test_hand_worked_pair():
    # V_a = .0004, V_b = .0009, C = .0001: V(a-b) = .0011; d = .07; t = .07 / .033166 = 2.1106
    res = compare_pairs([0.92, 0.85], [[4e-4, 1e-4], [1e-4, 9e-4]], 60, ["A", "B"], adjust="none")
    assert_allclose(res.se, [np.sqrt(0.0011)])
    assert_allclose(res.statistic, [0.07 / np.sqrt(0.0011)])
    assert_allclose(res.p_value, [2 * stats.t.sf(0.07 / np.sqrt(0.0011), 60)])
    half = stats.t.ppf(0.975, 60) * np.sqrt(0.0011)
    assert_allclose([res.lower[0], res.upper[0]], [0.07 - half, 0.07 + half])
    assert res.decision.tolist() == [HIGHER]


def test_decisions_follow_the_adjusted_p_values_and_the_sign():
    est = [0.95, 0.80, 0.94, 0.945]
    res = compare_pairs(est, [1e-4, 1e-4, 1e-4, 1e-4], np.inf, list("ABCD"))
    by_pair = {(a, b): d for a, b, d in zip(res.label_a, res.label_b, res.decision, strict=True)}
    assert by_pair[("A", "B")] == HIGHER
    assert by_pair[("B", "C")] == LOWER
    assert by_pair[("C", "D")] == NO_EVIDENCE
    assert_array_equal(res.decision != NO_EVIDENCE, res.p_adjusted <= 0.05)


def test_infinite_df_gives_normal_p_values():
    res = compare_pairs([0.9, 0.86], [2e-4, 3e-4], np.inf, adjust="none")
    z = 0.04 / np.sqrt(5e-4)
    assert_allclose(res.p_value, [2 * stats.norm.sf(z)])
    assert_allclose(res.upper - res.difference, [stats.norm.ppf(0.975) * np.sqrt(5e-4)])


def test_default_pairs_are_in_upper_triangle_order():
    res = compare_pairs([0.9, 0.8, 0.7, 0.6], [1e-3] * 4, 30, list("abcd"))
    assert list(zip(res.label_a, res.label_b, strict=True)) == [
        ("a", "b"),
        ("a", "c"),
        ("a", "d"),
        ("b", "c"),
        ("b", "d"),
        ("c", "d"),
    ]


def test_chosen_pairs_by_label_or_position_and_per_pair_df():
    res = compare_pairs([0.9, 0.8, 0.7], [1e-3] * 3, [10, 20], list("abc"), pairs=[("c", "a"), (1, 2)])
    assert res.label_a.tolist() == ["c", "b"]
    assert res.label_b.tolist() == ["a", "c"]
    assert_allclose(res.difference, [-0.2, 0.1])
    assert_array_equal(res.df, [10, 20])


def test_per_unit_df_are_combined_by_welch_satterthwaite():
    var = np.array([4e-4, 1e-4, 2e-4])
    unit_df = np.array([40.0, 20.0, np.inf])
    res = compare_pairs([0.9, 0.85, 0.8], var, unit_df, df_per="unit")
    expected_ab = (5e-4) ** 2 / ((4e-4) ** 2 / 40 + (1e-4) ** 2 / 20)
    expected_ac = (6e-4) ** 2 / ((4e-4) ** 2 / 40)
    expected_bc = (3e-4) ** 2 / ((1e-4) ** 2 / 20)
    assert_allclose(res.df, [expected_ab, expected_ac, expected_bc])
    missing_df = compare_pairs([0.9, 0.85, 0.8], var, [40.0, np.nan, 30.0], df_per="unit")
    assert missing_df.testable.tolist() == [False, True, False]
    assert np.isnan(missing_df.df[[0, 2]]).all()


def test_satterthwaite_df_hand_values_and_bounds():
    assert_allclose(satterthwaite_df([1, -1], [4e-4, 1e-4], [40, 20]), [0.25e-6 / 4.5e-9])
    assert_allclose(satterthwaite_df([1, -1], [1e-4, 1e-4], [30, 30]), [60.0])
    assert_array_equal(satterthwaite_df([1, -1], [1e-4, 1e-4], [np.inf, np.inf]), [np.inf])
    assert np.isnan(satterthwaite_df([1, -1], [0.0, 0.0], [5, 5])[0])
    rng = np.random.default_rng(3)
    coef = rng.normal(size=(50, 4))
    var = rng.uniform(1e-5, 1e-3, 4)
    df = rng.uniform(2, 200, 4)
    nu = satterthwaite_df(coef, var, df)
    assert np.all(nu >= df.min() - 1e-9)
    assert np.all(nu <= df.sum() + 1e-9)


def test_missing_estimate_is_not_testable_and_left_out_of_the_family():
    cov = np.diag([1e-4, 2e-4, np.nan, 1e-4])
    res = compare_pairs([0.95, 0.85, np.nan, 0.90], cov, 100, list("ABCD"))
    missing = (res.label_a == "C") | (res.label_b == "C")
    assert_array_equal(res.testable, ~missing)
    assert set(res.decision[missing]) == {NOT_TESTABLE}
    assert np.all(np.isnan(res.p_value[missing]) & np.isnan(res.p_adjusted[missing]))
    complete = compare_pairs([0.95, 0.85, 0.90], np.diag([1e-4, 2e-4, 1e-4]), 100, list("ABD"))
    assert_allclose(res.p_adjusted[~missing], complete.p_adjusted)


def test_zero_variance_difference_is_not_testable_even_when_estimates_differ():
    # two small agencies both at 100% (V = 0), and a pair perfectly correlated with equal variances
    cov = np.array([[0.0, 0, 0, 0], [0, 0.0, 0, 0], [0, 0, 1e-4, 1e-4], [0, 0, 1e-4, 1e-4]])
    pairs = [("A", "B"), ("C", "D"), ("A", "C")]
    res = compare_pairs([1.0, 1.0, 0.8, 0.9], cov, 50, list("ABCD"), pairs=pairs)
    assert res.decision.tolist() == [NOT_TESTABLE, NOT_TESTABLE, HIGHER]
    assert np.isnan(res.statistic[:2]).all()


def test_compare_to_value_hand_worked():
    res = compare_to_value([0.95, 0.80, np.nan], [1e-4, 4e-4, np.nan], [30, 40, 10], 0.9, list("ABC"))
    assert res.label_b.tolist() == ["reference"] * 3
    assert_allclose(res.statistic[:2], [5.0, -5.0])
    assert_allclose(res.p_value[:2], [2 * stats.t.sf(5, 30), 2 * stats.t.sf(5, 40)])
    assert res.decision.tolist() == [HIGHER, LOWER, NOT_TESTABLE]


def test_rows_give_plain_python_values():
    rows = list(compare_pairs([0.9, 0.8], [1e-3, 1e-3], 20, ["x", "y"]).rows())
    assert len(rows) == 1
    assert rows[0]["label_a"] == "x"
    assert type(rows[0]["p_value"]) is float
    assert type(rows[0]["testable"]) is bool
    assert type(rows[0]["decision"]) is str


def test_result_is_frozen_and_read_only():
    res = compare_pairs([0.9, 0.8], [1e-3, 1e-3], 20)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.level = 0.9
    with pytest.raises(ValueError, match="read-only"):
        res.p_value[0] = 0.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"estimates": [0.9, 0.8], "cov": [1e-3]}, "2 estimates but 1 variances"),
        ({"cov": [[1e-3, 1e-4], [2e-4, 1e-3]]}, "symmetric"),
        ({"cov": [[1e-3, 2e-3], [2e-3, 1e-3]]}, "positive semi-definite"),
        ({"cov": [[-1e-3, 0], [0, 1e-3]]}, "non-negative"),
        ({"cov": [[np.nan, 0], [0, 1e-3]]}, "finite for every unit"),
        ({"estimates": [0.9, np.inf]}, "finite"),
        ({"df": 0}, "positive"),
        ({"df": [5, 6, 7]}, "one per comparison"),
        ({"labels": ["a", "a"]}, "unique"),
        ({"labels": ["a"]}, "2 estimates but 1 labels"),
        ({"pairs": [("a", "a")], "labels": ["a", "b"]}, "itself"),
        ({"pairs": [("a", "z")], "labels": ["a", "b"]}, "no unit labelled 'z'"),
        ({"pairs": [(0, 5)]}, "outside"),
        ({"pairs": [(0, 1), (1, 0)]}, "only once"),
        ({"level": 1.0}, "strictly between 0 and 1"),
        ({"adjust": "sidak"}, "'holm', 'bh' or 'none'"),
        ({"df_per": "both"}, "df_per"),
    ],
)
def test_bad_input_is_refused(kwargs, message):
    args = {"estimates": [0.9, 0.8], "cov": [[1e-3, 0.0], [0.0, 1e-3]], "df": 10}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        compare_pairs(**args)


def test_bad_reference_input_is_refused():
    with pytest.raises(ValueError, match="finite number"):
        compare_to_value([0.9], [1e-3], 10, float("nan"))
    with pytest.raises(ValueError, match="non-negative variance"):
        compare_to_value([0.9], [-1e-3], 10, 0.9)
    with pytest.raises(ValueError, match="no unit labelled"):
        compare_to_reference([0.9, 0.8], [1e-3, 1e-3], 10, ["a", "b"], reference="province")


@st.composite
def families(draw):
    k = draw(st.integers(2, 7))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    est = rng.uniform(0.6, 1.0, k)
    a = rng.normal(scale=0.02, size=(k, k))
    cov = a @ a.T + np.diag(rng.uniform(1e-5, 1e-3, k))
    perm = rng.permutation(k)
    df = draw(st.sampled_from([np.inf, 15.0, 120.0]))
    return est, cov, perm, df


@settings(max_examples=60, deadline=None)
@given(families(), st.sampled_from(["holm", "bh"]))
def test_permuting_units_permutes_the_comparisons(family, adjust):
    est, cov, perm, df = family
    labels = [f"u{i}" for i in range(est.size)]
    res = compare_pairs(est, cov, df, labels, adjust=adjust)
    permuted = compare_pairs(est[perm], cov[np.ix_(perm, perm)], df, [labels[i] for i in perm], adjust=adjust)
    mirror = {HIGHER: LOWER, LOWER: HIGHER, NO_EVIDENCE: NO_EVIDENCE}
    lookup = {(r["label_a"], r["label_b"]): r for r in permuted.rows()}
    for row in res.rows():
        key = (row["label_a"], row["label_b"])
        other = lookup.get(key) or lookup[key[::-1]]
        sign = 1.0 if key in lookup else -1.0
        assert other["difference"] == pytest.approx(sign * row["difference"], abs=1e-12)
        assert other["se"] == pytest.approx(row["se"], rel=1e-9)
        assert other["p_adjusted"] == pytest.approx(row["p_adjusted"], rel=1e-9, abs=1e-12)
        assert other["decision"] == (row["decision"] if sign > 0 else mirror[row["decision"]])


@settings(max_examples=60, deadline=None)
@given(families())
def test_adjusted_p_values_are_at_least_the_raw_ones(family):
    est, cov, _, df = family
    res = compare_pairs(est, cov, df)
    assert np.all(res.p_adjusted >= res.p_value - 1e-15)
    assert np.all((res.lower <= res.difference) & (res.difference <= res.upper))
    unadjusted = compare_pairs(est, cov, df, adjust="none")
    assert_array_equal(unadjusted.p_adjusted, unadjusted.p_value)
    # the marginal interval excludes 0 exactly when the unadjusted test rejects
    excludes = (unadjusted.lower > 0) | (unadjusted.upper < 0)
    close = np.isclose(unadjusted.p_value, 0.05, rtol=1e-9)
    assert_array_equal(excludes[~close], (unadjusted.p_value < 0.05)[~close])


def test_docstring_examples():
    result = doctest.testmod(compare, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def test_rounding_below_zero_on_the_diagonal_counts_as_zero_variance():
    from scoring._compare import compare_pairs as pairs

    cov = np.array([[4e-4, 0.0], [0.0, -1e-21]])
    result = pairs([0.85, 1.0], cov, 100, ["a", "b"])
    assert result.se[0] == pytest.approx(0.02)
    with pytest.raises(ValueError, match="non-negative"):
        pairs([0.85, 1.0], np.array([[4e-4, 0.0], [0.0, -1e-5]]), 100, ["a", "b"])


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 12), st.integers(0, 2**32 - 1), st.sampled_from(["holm", "bh", "none"]))
def test_adjusted_intervals_agree_with_the_adjusted_decisions(k, seed, adjust):
    rng = np.random.default_rng(seed)
    est = rng.uniform(0.7, 1.0, k)
    var = rng.uniform(1e-5, 4e-3, k)
    res = compare_pairs(est, var, df=rng.integers(5, 200, k).astype(float), adjust=adjust, df_per="unit")
    excludes_zero = (res.adjusted_lower > 0) | (res.adjusted_upper < 0)
    called = np.isin(res.decision, ["higher", "lower"])
    np.testing.assert_array_equal(excludes_zero[res.testable], called[res.testable])
    # adjusted intervals contain the marginal ones; with no adjustment they are the marginal ones
    assert np.all(res.adjusted_lower[res.testable] <= res.lower[res.testable] + 1e-15)
    assert np.all(res.adjusted_upper[res.testable] >= res.upper[res.testable] - 1e-15)
    if adjust == "none":
        np.testing.assert_allclose(res.adjusted_lower, res.lower)


def test_bonferroni_width_for_the_smallest_holm_p_value():
    # Holm tests the smallest p-value at alpha/m: its interval is the Bonferroni interval.
    est = [0.95, 0.80, 0.90]
    res = compare_pairs(est, [1e-4, 1e-4, 1e-4], df=np.inf, adjust="holm")
    first = int(np.nanargmin(res.p_value))
    half = stats.norm.ppf(1 - 0.05 / 3 / 2) * res.se[first]
    assert res.adjusted_upper[first] - res.difference[first] == pytest.approx(half, rel=1e-9)
