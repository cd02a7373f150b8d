"""A new unit's estimate reconstructed from its predecessors: hand-worked values, edge cases, and the stratified
estimator computed directly."""

import dataclasses
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from scoring import (
    FEW_ANSWERS,
    INSUFFICIENT,
    RECONSTRUCTED,
    Combined,
    Design,
    Estimate,
    combine,
    korn_graubard,
    means,
    proportions,
)
from scoring._score import BOUNDARY, NO_ANSWERS

NAN = float("nan")
NUMBERS = [f.name for f in dataclasses.fields(Estimate) if f.type in ("float", "int")]


def part(estimate, se, n, df, *, deff=1.0, n_kish=None, se_raw=None, coverage=1.0, name="overall", domain=0):
    """An estimate as the scorer would give it, written out by hand."""
    return Estimate(
        level="commune",
        domain=domain,
        name=name,
        estimate=estimate,
        se=se,
        lower=NAN,
        upper=NAN,
        n=n,
        n_eff=n / deff,
        n_kish=float(n) if n_kish is None else n_kish,
        deff=deff,
        deff_kish=1.0,
        df=df,
        p_value=NAN,
        decision="",
        reason="",
        coverage=coverage,
        se_raw=se if se_raw is None else se_raw,
        n_eff_raw=NAN,
        deff_raw=NAN,
    )


def empty(domain=9):
    return part(NAN, NAN, 0, 0, domain=domain)


def scored(p_satisfied, n, *, seed=0, target=0.75):
    """Real estimates from the scorer: one commune per entry, ``round(p * n)`` of ``n`` satisfied."""
    rng = np.random.default_rng(seed)
    satisfied = np.concatenate(
        [rng.permutation(np.arange(m) < round(p * m)) for p, m in zip(p_satisfied, n, strict=True)]
    )
    commune = np.repeat(np.arange(len(n)), n)
    result = proportions(satisfied, Design(strata=commune), {"commune": commune}, names=["overall"], target=target)
    return [result.get("commune", c, "overall") for c in range(len(n))]


A = part(0.80, 0.04, 100, 98)  # se^2 = 0.0016 = 0.8 * 0.2 / 100: deff 1
B = part(0.90, 0.03, 100, 99)  # se^2 = 0.0009 = 0.9 * 0.1 / 100: deff 1


def test_two_parts_by_hand():
    got = combine([A, B], [3.0, 1.0], target=0.75)
    assert isinstance(got, Combined)
    assert (got.covered, got.parts) == (1.0, 2)
    e = got.estimate
    # a = (3/4, 1/4); theta = 0.75 * 0.8 + 0.25 * 0.9 = 0.825
    assert e.estimate == pytest.approx(0.825, rel=1e-15)
    # V = 0.5625 * 0.0016 + 0.0625 * 0.0009 = 0.0009 + 0.00005625 = 0.00095625
    assert e.se**2 == pytest.approx(0.00095625, rel=1e-12)
    assert e.se_raw**2 == pytest.approx(0.00095625, rel=1e-12)
    # df = V^2 / (0.0009^2 / 98 + 0.00005625^2 / 99) = 9.144140625e-7 / 8.29726635e-9 = 110.2067 -> 110
    assert e.df == 110
    # n = 200; n_eff = min(200, 0.825 * 0.175 / V) = 0.144375 / 0.00095625 = 150.98; deff = 200 / 150.98 = 1.3247
    assert e.n == 200
    assert e.n_eff == pytest.approx(0.144375 / 0.00095625, rel=1e-12)
    assert e.deff == pytest.approx(200 * 0.00095625 / 0.144375, rel=1e-12)
    assert e.n_eff_raw == pytest.approx(0.144375 / 0.00095625, rel=1e-12)
    # Kish: 1 / (0.5625 / 100 + 0.0625 / 100) = 160, so deff_kish = 200 / 160 = 1.25
    assert e.n_kish == pytest.approx(160.0, rel=1e-12)
    assert e.deff_kish == pytest.approx(1.25, rel=1e-12)
    assert e.coverage == pytest.approx(1.0)
    # The interval is Korn-Graubard's from V, n and the rounded df.
    ci = korn_graubard(0.825, 0.00095625, 200, 110)
    assert (e.lower, e.upper) == pytest.approx((ci.lower, ci.upper), rel=1e-12)
    assert e.lower > 0.75
    assert e.decision == "met"
    assert 0.975 < e.p_value <= 1  # one-sided for p < 0.75: far from it
    assert (e.reliability, e.reason) == ("", "")
    assert (e.level, e.domain, e.name) == (RECONSTRUCTED, -1, "overall")


def test_composite_parts_use_their_own_srs_variance():
    # Composites: each part's SRS variance is se^2 / deff (here 0.0016 / 2 and 0.0009 / 1.5), so
    # s_k^2 = n_k v_k = 0.08 and 0.06, and V_srs = (0.75 (0.08 + 0.025^2) + 0.25 (0.06 + 0.075^2)) / 200.
    parts = [part(0.8, 0.04, 100, 98, deff=2.0), part(0.9, 0.03, 100, 99, deff=1.5)]
    e = combine(parts, [3.0, 1.0]).estimate
    v_srs = (0.75 * (0.08 + 0.025**2) + 0.25 * (0.06 + 0.075**2)) / 200
    assert e.deff == pytest.approx(0.00095625 / v_srs, rel=1e-12)
    assert e.n_eff == pytest.approx(200 * v_srs / 0.00095625, rel=1e-12)
    assert e.n_eff < 0.144375 / 0.00095625  # below the yes/no share's size, as the scorer's composite floor


def test_single_part_is_returned_unchanged():
    one = scored([0.85], [60])[0]
    expected = dataclasses.replace(one, level="new", domain=7, name="overall")
    got = combine([one], [5.0], level="new", domain=7)
    assert got == Combined(estimate=expected, covered=1.0, parts=1)
    # Zero weights and parts without answers leave one part: the same numbers.
    assert combine([one, A], [2.0, 0.0], level="new", domain=7).estimate == expected
    got = combine([empty(), one], [1.0, 3.0], level="new", domain=7)
    assert got.estimate == expected
    assert (got.covered, got.parts) == (0.75, 1)


@pytest.mark.parametrize("scale", [7.3, 1e-6, 1e6])
def test_only_the_ratios_of_the_weights_matter(scale):
    parts = scored([0.8, 0.9, 0.7], [80, 120, 40])
    weights = np.array([120.0, 35.0, 60.0])
    base = combine(parts, weights, target=0.8).estimate
    other = combine(parts, weights * scale, target=0.8).estimate
    for name in NUMBERS:
        assert_allclose(getattr(other, name), getattr(base, name), rtol=1e-12, err_msg=name)
    assert (other.df, other.decision, other.reliability) == (base.df, base.decision, base.reliability)


def test_parts_without_answers_are_dropped_and_the_covered_share_reported():
    a, b = scored([0.8, 0.9], [80, 120])
    got = combine([a, empty(), b], [3.0, 2.0, 5.0], target=0.8)
    assert got.parts == 2
    assert got.covered == pytest.approx(0.8)  # (3 + 5) / (3 + 2 + 5)
    assert got.estimate == combine([a, b], [3.0, 5.0], target=0.8).estimate
    assert got.estimate.estimate == pytest.approx((3 * a.estimate + 5 * b.estimate) / 8)


def test_no_part_with_answers_gives_no_estimate():
    got = combine([empty(), empty(), A], [1.0, 2.0, 0.0], target=0.9)
    assert (got.covered, got.parts) == (0.0, 0)
    e = got.estimate
    assert math.isnan(e.estimate) and math.isnan(e.lower) and math.isnan(e.upper)
    assert (e.n, e.df, e.decision, e.reason, e.reliability) == (0, 0, "no_estimate", NO_ANSWERS, FEW_ANSWERS)
    assert not e.reliable


def test_small_parts_are_insufficient_and_large_ones_decided():
    small = combine(scored([0.9, 0.95], [12, 12]), [1.0, 1.0], target=0.8).estimate
    assert small.n == 24
    assert (small.reliability, small.decision) == (FEW_ANSWERS, INSUFFICIENT)
    large = combine(scored([0.9, 0.95], [200, 200]), [1.0, 1.0], target=0.8).estimate
    assert large.reliability == ""
    assert large.decision == "met"
    assert combine(scored([0.9, 0.95], [12, 12]), [1.0, 1.0], target=0.8, rules=None).estimate.decision != INSUFFICIENT


@pytest.mark.parametrize(
    ("p", "n", "w"),
    [([0.8, 0.9], [40, 60], [1, 1]), ([0.98, 1.0], [30, 50], [5, 1]), ([0.02, 0.1], [100, 35], [1, 4])],
)
def test_interval_contains_the_estimate_and_stays_in_the_unit_interval(p, n, w):
    e = combine(scored(p, n), w, target=0.9).estimate
    assert 0.0 <= e.lower <= e.estimate <= e.upper <= 1.0


def test_every_part_at_one_gives_a_clopper_pearson_interval():
    e = combine(scored([1.0, 1.0], [30, 50]), [1.0, 1.0], target=0.9).estimate
    assert (e.estimate, e.se, e.upper, e.reason) == (1.0, 0.0, 1.0, BOUNDARY)
    assert e.lower == pytest.approx(stats.beta.ppf(0.025, e.n_kish, 1))


def test_means_get_a_t_interval_and_no_decision():
    a = part(16.0, 0.5, 50, 48, deff=1.2)
    b = part(18.0, 0.8, 40, 39, deff=1.1)
    e = combine([a, b], [1.0, 1.0], proportion=False).estimate
    # theta = 17, V = 0.25 (0.25 + 0.64) = 0.2225, df = 0.2225^2 / (0.0625^2 / 48 + 0.16^2 / 39) = 67.10 -> 67
    assert e.estimate == pytest.approx(17.0)
    assert e.se**2 == pytest.approx(0.2225)
    assert e.df == 67
    half = stats.t.ppf(0.975, 67) * math.sqrt(0.2225)
    assert (e.lower, e.upper) == pytest.approx((17 - half, 17 + half))
    assert (e.decision, e.reliability) == ("", "")
    assert math.isnan(e.p_value) and math.isnan(e.n_eff_raw)
    # s_k^2 = n_k se_k^2 / deff_k = 50 * 0.25 / 1.2 and 40 * 0.64 / 1.1; each part is 1 from theta:
    # V_srs = (0.5 (10.417 + 1) + 0.5 (23.273 + 1)) / 90 = 0.19827, deff = 0.2225 / 0.19827 = 1.1222
    v_srs = (0.5 * (50 * 0.25 / 1.2 + 1) + 0.5 * (40 * 0.64 / 1.1 + 1)) / 90
    assert e.deff == pytest.approx(0.2225 / v_srs)
    assert e.n_eff == pytest.approx(90 / e.deff)


def test_names():
    assert combine([A, B], [1, 1], name="access").estimate.name == "access"
    with pytest.raises(ValueError, match="different names"):
        combine([A, part(0.9, 0.03, 100, 99, name="staff")], [1, 1])


@pytest.mark.parametrize(
    ("parts", "weights", "options", "message"),
    [
        ([], [], {}, "at least one part"),
        ([A, B], [1.0], {}, "2 parts but 1 weights"),
        ([A, B], [1.0, -1.0], {}, "negative"),
        ([A, B], [1.0, NAN], {}, "not finite"),
        ([A, B], [1.0, math.inf], {}, "not finite"),
        ([A, B], [0.0, 0.0], {}, "Every weight is 0"),
        ([A, 0.8], [1.0, 1.0], {}, "not an Estimate"),
        ([A, part(0.9, NAN, 100, 99)], [1.0, 1.0], {}, "no finite standard error"),
        ([A, B], [1.0, 1.0], {"proportion": False, "target": 0.9}, "proportions only"),
        ([A, B], [1.0, 1.0], {"confidence": 1.5}, "confidence level"),
        ([A, B], [1.0, 1.0], {"target": 0.0}, "target"),
    ],
)
def test_bad_input_is_refused(parts, weights, options, message):
    with pytest.raises(ValueError, match=message):
        combine(parts, weights, **options)


def _sample(seed, sizes, binary):
    rng = np.random.default_rng(seed)
    stratum = np.repeat(np.arange(sizes.size), sizes)
    centre = rng.uniform(0.5, 0.95, sizes.size)[stratum]
    y = rng.random(stratum.size) < centre if binary else rng.normal(10 * centre, 2.0)
    return stratum, y


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("seed", range(5))
def test_combining_strata_is_the_stratified_estimator(seed, binary):
    rng = np.random.default_rng(100 + seed)
    sizes = rng.integers(15, 90, size=6)
    population = rng.integers(500, 20_000, size=6).astype(float)
    stratum, y = _sample(seed, sizes, binary)
    domains = {"stratum": stratum}
    design = Design(strata=stratum)
    result = proportions(y, design, domains, names=["y"]) if binary else means(y, design, domains, names=["y"])
    parts = [result.get("stratum", h, "y") for h in range(sizes.size)]
    e = combine(parts, population, proportion=binary).estimate

    # The stratified estimator, directly: W_h = N_h / N, mean = sum W_h ybar_h, V = sum W_h^2 s_h^2 / n_h.
    share = population / population.sum()
    y = y.astype(float)
    ybar = np.array([y[stratum == h].mean() for h in range(sizes.size)])
    s2 = np.array([y[stratum == h].var(ddof=1) for h in range(sizes.size)])
    terms = share**2 * s2 / sizes
    assert e.estimate == pytest.approx(share @ ybar, rel=1e-12, abs=1e-12)
    assert e.se**2 == pytest.approx(terms.sum(), rel=1e-12, abs=1e-12)
    assert e.df == math.floor(terms.sum() ** 2 / (terms**2 / (sizes - 1)).sum())
    assert e.n == sizes.sum()
