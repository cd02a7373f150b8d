"""The cell-reduced engine against a literal per-respondent transcription of R's estimator (naive.py).

Covers what the R reference does not: weights that vary inside cells (the general path), the
"certainty" lonely policy with raking, cross-level covariances, generic proportions and means.
"""

from __future__ import annotations

import numpy as np
import pytest
from naive import domain_ratios, variance

from scoring import Design, IndexSpec, base_weights, means, poststratify, proportions, rake, score

SPEC = IndexSpec.from_elements({"a": ["q1", "q2"], "b": ["q3", "q4", "q5"]}, item_weights={"q3": 2.0})


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    n = 500
    agency = rng.integers(0, 8, n)
    agency[0] = 8  # one respondent
    field = rng.integers(0, 3, n)
    codes = rng.choice(6, size=(n, 5), p=[0.1, 0.05, 0.05, 0.1, 0.3, 0.4]).astype(np.uint8)
    cell = agency * 3 + field
    totals = np.bincount(cell, minlength=27) * rng.uniform(5, 20, 27)
    return {
        "codes": codes,
        "agency": agency,
        "field": field,
        "district": agency // 3,
        "counter": agency * 2 + rng.integers(0, 2, n),
        "cell": cell,
        "totals": totals,
        "base": rng.uniform(1, 9, n),  # varies inside every cell: the general path
        "rng": rng,
    }


def designs(d):
    base = d["base"]
    yield "plain", Design(strata=d["agency"], weights=base)
    yield "post", Design(strata=d["agency"], calibration=poststratify(d["cell"], d["totals"], base))
    t_agency = np.bincount(d["agency"], weights=base) * 1.2
    t_field = np.bincount(d["field"], weights=base) * np.array([0.7, 1.1, 1.4])
    t_field *= t_agency.sum() / t_field.sum()
    cal = rake([d["agency"], d["field"]], [t_agency, t_field], base)
    yield "rake", Design(strata=d["agency"], calibration=cal)
    yield "rake-certainty", Design(strata=d["agency"], calibration=cal, lonely="certainty")
    yield (
        "strata-base",
        Design(strata=d["agency"], weights=base_weights(d["agency"], np.arange(1.0, 10.0) * 100)),
    )


def test_every_covariance_matches_the_literal_transcription(data):
    levels = {"district": data["district"], "counter": data["counter"]}
    for name, design in designs(data):
        result = score(data["codes"], SPEC, design, levels)
        z_of = {}
        for level, codes in levels.items():
            scores = result[level]
            for i, dom in enumerate(scores.domains):
                p, z = domain_ratios(data["codes"], SPEC.satisfied_codes, design, codes == dom)
                answered = ((data["codes"] > 0) & (codes == dom)[:, None]).any(axis=0)
                contrasts = SPEC.contrasts(answered)  # weights rescaled over answered criteria
                zz = np.concatenate([z, z @ contrasts.T], axis=1)
                z_of[level, int(dom)] = zz
                expected = variance(zz, design)
                want = np.concatenate([np.where(answered, p, np.nan), contrasts @ p])
                np.testing.assert_allclose(scores.estimate[i], want, rtol=1e-12)
                np.testing.assert_allclose(scores.covariance[i], expected, rtol=1e-9, atol=1e-15, err_msg=name)
        both = np.concatenate([z_of["district", 0], z_of["counter", 3]], axis=1)
        expected = variance(both, design)[:8, 8:]
        got = result.cross_covariance("district", 0, "counter", 3)
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-15, err_msg=name)
        joint = result.joint_covariance("district", "overall")
        zs = np.stack([z_of["district", int(d)][:, -1] for d in result["district"].domains], axis=1)
        np.testing.assert_allclose(joint, variance(zs, design), rtol=1e-9, atol=1e-15, err_msg=name)


def test_proportions_and_means_match_the_criterion_engine(data):
    design = Design(strata=data["agency"], calibration=poststratify(data["cell"], data["totals"], data["base"]))
    codes = data["codes"]
    levels = {"district": data["district"]}
    full = score(codes, SPEC, design, levels, floor=False)["district"]
    share = proportions(codes >= 4, design, levels, observed=codes > 0, names=SPEC.items, floor=False)["district"]
    np.testing.assert_allclose(share.estimate, full.estimate[:, :5], rtol=1e-12)
    np.testing.assert_allclose(share.se, full.se[:, :5], rtol=1e-9)
    np.testing.assert_allclose(share.lower, full.lower[:, :5], rtol=1e-9)
    values = np.where(codes > 0, (codes >= 4).astype(float), np.nan)
    mean = means(values, design, levels, floor=False)["district"]
    np.testing.assert_allclose(mean.estimate, full.estimate[:, :5], rtol=1e-12)
    np.testing.assert_allclose(mean.se, full.se[:, :5], rtol=1e-9)
    assert np.all(mean.lower < mean.estimate) and np.all(mean.decision == "")


def test_numeric_means_match_the_literal_transcription(data):
    rng = data["rng"]
    design = Design(strata=data["agency"], weights=data["base"])
    points = rng.integers(0, 19, data["agency"].size).astype(float)
    points[rng.random(points.size) < 0.1] = np.nan
    result = means(points, design, {"district": data["district"]})["district"]
    w = data["base"]
    for i, dom in enumerate(result.domains):
        keep = (data["district"] == dom) & ~np.isnan(points)
        mu = np.sum(w[keep] * points[keep]) / np.sum(w[keep])
        z = np.where(keep, w * (np.nan_to_num(points) - mu) / np.sum(w[keep]), 0.0)[:, None]
        assert result.estimate[i, 0] == pytest.approx(mu, rel=1e-12)
        assert result.se[i, 0] ** 2 == pytest.approx(variance(z, design)[0, 0], rel=1e-9)
