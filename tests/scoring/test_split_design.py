"""The split (planned-missing) questionnaire design: criterion, element and overall indices stay unbiased, and
every criterion of every unit is still estimated over a quarter.

Each simulated citizen is asked one criterion per element, drawn uniformly (as ``sipas-v2.toml``'s short form
does); the criteria not asked are missing completely at random by design (Raghunathan and Grizzle 1995, JASA
90:54–63). Many replications of one unit, each scored as its own domain and stratum, give the Monte Carlo
distribution of every estimate.
"""

from __future__ import annotations

import numpy as np

from scoring import Design, IndexSpec, score

#: The SIPAS structure: five elements of 4, 4, 5, 3 and 3 criteria.
SIZES = (4, 4, 5, 3, 3)
ELEMENTS = {f"e{e}": [f"e{e}c{k}" for k in range(size)] for e, size in enumerate(SIZES)}
SPEC = IndexSpec.from_elements(ELEMENTS)
CRITERIA = [c for members in ELEMENTS.values() for c in members]
#: True shares satisfied per criterion: from 55% to 97%, different within every element.
TRUTH = np.linspace(0.55, 0.97, len(CRITERIA))[np.random.default_rng(0).permutation(len(CRITERIA))]


def true_indices() -> dict[str, float]:
    values = dict(zip(CRITERIA, TRUTH.tolist(), strict=True))
    for element, members in ELEMENTS.items():
        values[element] = float(np.mean([values[c] for c in members]))
    values["overall"] = float(np.mean([values[e] for e in ELEMENTS]))
    return values


def full_answers(rng: np.random.Generator, n: int, mood_sd: float = 0.0) -> np.ndarray:
    """Answers (1–5) of ``n`` citizens to every criterion. With ``mood_sd`` > 0 a citizen's answers are correlated
    (a shared mood on the logit scale), which changes the criteria's true shares but not the design's logic."""
    logit = np.log(TRUTH / (1 - TRUTH))[None, :] + rng.normal(0, mood_sd, (n, 1)) if mood_sd else None
    p = TRUTH[None, :] if logit is None else 1 / (1 + np.exp(-logit))
    satisfied = rng.random((n, len(CRITERIA))) < p
    return np.where(satisfied, rng.choice([4, 5], size=satisfied.shape), rng.choice([1, 2, 3], size=satisfied.shape))


def split(rng: np.random.Generator, answers: np.ndarray, skip: float = 0.05) -> np.ndarray:
    """Keep one criterion per element for each citizen, drawn uniformly; a few skip the one they are asked."""
    kept = np.zeros_like(answers)
    start = 0
    rows = np.arange(len(answers))
    for size in SIZES:
        drawn = start + rng.integers(0, size, len(answers))
        kept[rows, drawn] = answers[rows, drawn]
        start += size
    kept[rng.random(kept.shape) < skip] = 0
    return kept.astype(np.uint8)


def replications(codes: np.ndarray, replicates: int):
    """Score ``replicates`` units of equal size stacked in ``codes``: each a domain and a stratum of its own."""
    unit = np.repeat(np.arange(replicates), len(codes) // replicates)
    return score(codes, SPEC, Design(strata=unit), {"unit": unit}, target=None, rules=None)["unit"]


def test_split_form_estimates_are_unbiased_and_their_intervals_cover():
    rng = np.random.default_rng(2026)
    replicates, citizens = 600, 300
    codes = split(rng, full_answers(rng, replicates * citizens))
    result = replications(codes, replicates)
    truth = true_indices()
    for j, name in enumerate(result.names):
        estimates = result.estimate[:, j]
        assert np.isfinite(estimates).all(), name
        mc_se = estimates.std(ddof=1) / np.sqrt(replicates)
        assert abs(estimates.mean() - truth[name]) < 4 * mc_se + 1e-3, (name, estimates.mean(), truth[name])
        covered = (result.lower[:, j] <= truth[name]) & (truth[name] <= result.upper[:, j])
        assert covered.mean() >= 0.92, (name, covered.mean())  # nominal 95%; Korn–Graubard errs on the safe side
    # Each criterion rests on about 1/k of the citizens, k the criteria of its element.
    per_criterion = result.n[:, : len(CRITERIA)].mean(axis=0)
    expected = np.repeat([citizens * 0.95 / size for size in SIZES], SIZES)
    assert np.allclose(per_criterion, expected, rtol=0.05)


def test_split_form_estimates_what_the_full_form_estimates_when_answers_are_correlated():
    """With a citizen's answers correlated, the split form's estimates agree on average with the full form's
    on the same citizens (whose answers to the criteria not drawn are simply not recorded)."""
    rng = np.random.default_rng(7)
    replicates, citizens = 400, 300
    answers = full_answers(rng, replicates * citizens, mood_sd=1.0)
    full = replications(answers.astype(np.uint8), replicates)
    short = replications(split(rng, answers, skip=0.0), replicates)
    difference = short.estimate - full.estimate
    mc_se = difference.std(axis=0, ddof=1) / np.sqrt(replicates)
    assert (np.abs(difference.mean(axis=0)) < 4 * mc_se + 1e-3).all()
    # The price of the short form: wider intervals for criteria, much less so for the overall index.
    width_ratio = ((short.upper - short.lower) / (full.upper - full.lower)).mean(axis=0)
    assert (width_ratio[: len(CRITERIA)] > 1.5).all()
    assert width_ratio[-1] < width_ratio[: len(CRITERIA)].min()


def test_every_criterion_of_every_unit_is_estimated_over_a_quarter():
    """Realistic quarterly volumes: a quiet commune kiosk (60 responses, about one a working day), a busy one
    (150) and a provincial counter (400). Every criterion of every unit gets an estimate; from 300 responses a
    quarter every criterion has the 30 answers the reliability rules ask for."""
    rng = np.random.default_rng(11)
    volumes = np.repeat([60, 150, 400], 100)
    unit = np.repeat(np.arange(volumes.size), volumes)
    codes = split(rng, full_answers(rng, unit.size, mood_sd=0.8))
    result = score(codes, SPEC, Design(strata=unit), {"unit": unit}, target=0.9)["unit"]
    criteria = slice(0, len(CRITERIA))
    assert np.isfinite(result.estimate).all()
    assert (result.n[:, criteria] >= 3).all()
    busy = volumes >= 300
    assert (result.n[busy, criteria] >= 30).all()
    assert not (result.reliability[busy][:, criteria] == "few_answers").any()
