"""Holm and Benjamini–Hochberg adjusted p-values: R's p.adjust, hand-worked values and invariants."""

import csv
import doctest
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import scoring._multiplicity as multiplicity
from scoring._multiplicity import adjust_pvalues, benjamini_hochberg, holm, reject

REFERENCE = Path(__file__).parent / "reference" / "compare" / "p_adjust.csv"


def _r_cases() -> dict[str, dict[str, np.ndarray]]:
    cases: dict[str, dict[str, list[float]]] = {}
    with REFERENCE.open(newline="") as handle:
        for row in csv.DictReader(handle):
            case = cases.setdefault(row["case"], {"p": [], "holm": [], "BH": []})
            for key in ("p", "holm", "BH"):
                case[key].append(float("nan") if row[key] == "NA" else float(row[key]))
    return {name: {k: np.array(v) for k, v in case.items()} for name, case in cases.items()}


R_CASES = _r_cases()


@pytest.mark.parametrize("case", sorted(R_CASES))
def test_matches_r_p_adjust(case):
    ref = R_CASES[case]
    assert_allclose(holm(ref["p"]), ref["holm"], rtol=1e-12, atol=1e-15, equal_nan=True)
    assert_allclose(benjamini_hochberg(ref["p"]), ref["BH"], rtol=1e-12, atol=1e-15, equal_nan=True)


def test_reference_file_covers_the_awkward_cases():
    assert {"ties", "with_na", "near_one", "zeros", "single"} <= set(R_CASES)
    assert np.isnan(R_CASES["with_na"]["p"]).sum() == 2


def test_hand_worked_holm_and_bh():
    # sorted: 0.001, 0.01, 0.02, 0.04, 0.30 (m = 5)
    p = [0.04, 0.001, 0.30, 0.02, 0.01]
    # Holm: 5*.001=.005, 4*.01=.04, 3*.02=.06, 2*.04=.08, 1*.3=.3 (already increasing)
    assert_allclose(holm(p), [0.08, 0.005, 0.30, 0.06, 0.04])
    # BH: 5/1*.001=.005, 5/2*.01=.025, 5/3*.02=.0333.., 5/4*.04=.05, 5/5*.3=.3 (already increasing)
    assert_allclose(benjamini_hochberg(p), [0.05, 0.005, 0.30, 0.1 / 3, 0.025])


def test_ties_share_one_adjusted_value():
    p = [0.03, 0.01, 0.03, 0.03]
    assert len(set(holm(p)[[0, 2, 3]])) == 1
    assert len(set(benjamini_hochberg(p)[[0, 2, 3]])) == 1


def test_nan_is_left_out_of_the_family():
    with_nan = holm([0.01, np.nan, 0.04])
    assert np.isnan(with_nan[1])
    assert_allclose(with_nan[[0, 2]], holm([0.01, 0.04]))
    assert_array_equal(reject([0.01, np.nan], 0.05), [True, False])


def test_all_nan_and_empty():
    assert np.isnan(holm([np.nan, np.nan])).all()
    assert benjamini_hochberg([]).shape == (0,)


def test_adjust_pvalues_dispatch():
    p = [0.01, 0.02, 0.2]
    assert_array_equal(adjust_pvalues(p, "holm"), holm(p))
    assert_array_equal(adjust_pvalues(p, "bh"), benjamini_hochberg(p))
    assert_array_equal(adjust_pvalues(p, "none"), p)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: holm([0.1, 1.2]), "between 0 and 1"),
        (lambda: benjamini_hochberg([-0.01]), "between 0 and 1"),
        (lambda: holm([0.1, np.inf]), "between 0 and 1"),
        (lambda: holm([[0.1, 0.2]]), "one-dimensional"),
        (lambda: adjust_pvalues([0.1], "bonferroni"), "'holm', 'bh' or 'none'"),
        (lambda: reject([0.1], alpha=1.0), "strictly between 0 and 1"),
        (lambda: reject([0.1], alpha=0.0), "strictly between 0 and 1"),
    ],
)
def test_bad_input_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_input_is_not_modified():
    p = np.array([0.3, 0.01, 0.2])
    holm(p)
    benjamini_hochberg(p)
    assert_array_equal(p, [0.3, 0.01, 0.2])


pvalues = st.lists(st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 0.01, 0.05, 1.0])), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(pvalues)
def test_adjusted_values_are_valid_and_ordered(values):
    p = np.array(values)
    h, b = holm(p), benjamini_hochberg(p)
    for adj in (h, b):
        assert np.all(adj >= p - 1e-15)
        assert np.all(adj <= 1.0)
        order = np.argsort(p, kind="stable")
        assert np.all(np.diff(adj[order]) >= -1e-15)  # monotone in raw order
    assert np.all(h >= b - 1e-15)  # Holm is never less conservative than BH
    assert np.all(h <= np.minimum(1.0, p.size * p) + 1e-15)  # and never more than Bonferroni


@settings(max_examples=100, deadline=None)
@given(pvalues, st.randoms(use_true_random=False))
def test_permuting_tests_permutes_adjusted_values(values, rnd):
    p = np.array(values)
    perm = np.array(rnd.sample(range(p.size), p.size))
    for method in (holm, benjamini_hochberg):
        assert_allclose(method(p[perm]), method(p)[perm], rtol=0, atol=1e-15)


@settings(max_examples=100, deadline=None)
@given(pvalues, st.floats(0.001, 0.2))
def test_holm_rejections_are_a_subset_of_bh_rejections(values, alpha):
    p = np.array(values)
    assert np.all(reject(holm(p), alpha) <= reject(benjamini_hochberg(p), alpha))


def test_docstring_examples():
    result = doctest.testmod(multiplicity, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
