"""Properties that must hold for any data (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import METHODS, Design, IndexSpec, poststratify, proportion_interval, score

SPEC = IndexSpec.from_elements({"e1": ["a", "b"], "e2": ["c"]}, element_weights={"e2": 3.0})
FAST = settings(max_examples=40, deadline=None)


@st.composite
def samples(draw):
    n = draw(st.integers(2, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    codes = rng.choice(6, size=(n, 3), p=[0.15, 0.05, 0.1, 0.1, 0.3, 0.3]).astype(np.uint8)
    strata = rng.integers(0, 3, n)
    unit = rng.integers(-1, 4, n)
    weights = rng.uniform(0.5, 5.0, n)
    return codes, strata, unit, weights


def _score(codes, strata, unit, weights, method="beta"):
    design = Design(strata=strata, weights=weights) if weights is not None else Design(strata=strata)
    return score(codes, SPEC, design, {"unit": unit, "all": np.zeros(len(strata), int)}, method=method)


@FAST
@given(
    p=st.floats(1e-9, 1 - 1e-9) | st.sampled_from([0.0, 1.0]),
    v=st.floats(1e-8, 0.5),
    n=st.integers(1, 500),
    method=st.sampled_from([m for m in METHODS if m != "clopper-pearson"]),
    confidence=st.floats(0.5, 0.999),
)
def test_interval_contains_estimate_and_lies_in_unit_interval(p, v, n, method, confidence):
    r = proportion_interval(p, v, n, max(n - 3, 0), method=method, confidence=confidence, target=0.9)
    assert 0.0 <= r.lower <= p <= r.upper <= 1.0
    assert r.lower < r.upper


@FAST
@given(samples(), st.sampled_from(["beta", "xlogit", "wilson", "jeffreys"]))
def test_scored_intervals_contain_estimates(sample, method):
    result = _score(*sample, method=method)
    for level in result.levels.values():
        ok = ~np.isnan(level.estimate)
        assert np.all(level.lower[ok] <= level.estimate[ok] + 1e-12)
        assert np.all(level.estimate[ok] <= level.upper[ok] + 1e-12)
        assert np.all((level.lower[ok] >= 0) & (level.upper[ok] <= 1))
        assert np.all(np.isnan(level.lower[~ok]))


@FAST
@given(samples(), st.floats(1e-3, 1e4))
def test_scaling_weights_changes_nothing(sample, factor):
    codes, strata, unit, weights = sample
    a = _score(codes, strata, unit, weights)
    b = _score(codes, strata, unit, weights * factor)
    for name in a.levels:
        for field in ("estimate", "se", "lower", "upper", "n_eff", "p_value"):
            np.testing.assert_allclose(getattr(a[name], field), getattr(b[name], field), rtol=1e-7, atol=1e-12)
        np.testing.assert_array_equal(a[name].decision, b[name].decision)


@FAST
@given(samples(), st.integers(0, 2**32 - 1))
def test_permuting_and_relabelling_units_permutes_results(sample, seed):
    codes, strata, unit, weights = sample
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(strata))
    relabel = rng.permutation(4)  # new code of each unit
    new_unit = np.where(unit >= 0, relabel[np.maximum(unit, 0)], -1)
    a = _score(codes, strata, unit, weights)["unit"]
    b = _score(codes[order], strata[order], new_unit[order], weights[order])["unit"]
    for i, code in enumerate(a.domains):
        j = b.row(int(relabel[code]))
        for field in ("estimate", "se", "lower", "upper", "n", "df"):
            np.testing.assert_allclose(getattr(a, field)[i], getattr(b, field)[j], rtol=1e-9, atol=1e-14)


@FAST
@given(samples())
def test_unweighted_equals_weights_all_one(sample):
    codes, strata, unit, _ = sample
    a = _score(codes, strata, unit, None)
    b = _score(codes, strata, unit, np.ones(len(strata)))
    for name in a.levels:
        for field in ("estimate", "se", "lower", "upper", "deff", "p_value"):
            np.testing.assert_array_equal(getattr(a[name], field), getattr(b[name], field))


@FAST
@given(st.integers(1, 60), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_post_stratified_weights_sum_to_cell_totals(n, n_cells, seed):
    rng = np.random.default_rng(seed)
    cells = rng.integers(0, n_cells, n)
    present = np.bincount(cells, minlength=n_cells) > 0
    totals = np.where(present, rng.uniform(1, 1000, n_cells), 0.0)
    cal = poststratify(cells, totals, rng.uniform(0.1, 10, n))
    np.testing.assert_allclose(np.bincount(cells, weights=cal.weights, minlength=n_cells), totals, rtol=1e-12)
