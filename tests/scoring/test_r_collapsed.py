"""Post-stratification on collapsed post-strata reproduces R ``survey`` 4.1-1, and collapsing repairs n*.

Data: ``reference/sparse_*.csv`` (``make_sparse_data.py``): 6 agencies × 4 fields, sparse post-strata,
agency 0's four respondents each alone in a field. R outputs: ``reference/r_collapsed_*.csv``
(``make_collapsed_reference.R``). Two designs, post-stratified on the cells of
:func:`scoring.collapse_cells`: ``collapsed`` (``min_count = 20``) and ``minimal`` (``min_count = 1``, only
cells without respondents merged).

Tolerance: 1e-9 relative, 1e-12 absolute (as ``test_r_reference.py``). The absolute part matters in one
place: with singleton post-strata R's standard errors for agency 0 are rounding noise (about 2e-17) where
``scoring`` reports exactly 0.

Standard errors and design effects are compared through :func:`raw`: the linearisation quantities R
computes, ``se_raw`` / ``deff_raw`` where the scorer reports a floored ``se`` / ``deff`` beside them,
else ``se`` / ``deff``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import pytest
from conftest import number, read_csv

from scoring import (
    Design,
    IndexSpec,
    LevelScores,
    Scores,
    base_weights,
    collapse_cells,
    poststratify,
    proportions,
    score,
)

RTOL, ATOL = 1e-9, 1e-12
ITEMS = ("q1", "q2", "q3", "q4", "q5", "q6")
SPEC = IndexSpec.from_elements({"e1": ["q1", "q2", "q3"], "e2": ["q4", "q5", "q6"]})
DESIGNS = {"collapsed": 20, "minimal": 1}
LEVELS = ("agency", "district")


def raw(level: LevelScores, name: str) -> np.ndarray:
    """The linearisation ``se`` or ``deff`` as R computes it: ``<name>_raw`` when the scorer has one."""
    return getattr(level, f"{name}_raw", getattr(level, name))


def close(actual: float, expected: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    if math.isnan(expected):
        return math.isnan(actual)
    return abs(actual - expected) <= atol + rtol * abs(expected)


@dataclass(frozen=True)
class SparseData:
    codes: np.ndarray
    agency: np.ndarray
    district: np.ndarray
    cell: np.ndarray
    cell_agency: np.ndarray
    cell_totals: np.ndarray
    volume: np.ndarray
    committed_cells: dict[str, np.ndarray]
    committed_poststrata: list[dict[str, str]]

    @property
    def domains(self) -> dict[str, np.ndarray]:
        return {"agency": self.agency, "district": self.district}

    def design(self, name: str) -> Design:
        collapsed = collapse_cells(self.cell, self.cell_agency, self.cell_totals, DESIGNS[name])
        base = base_weights(self.agency, self.volume)
        return Design(strata=self.agency, calibration=poststratify(collapsed.cell, collapsed.total, base))


@cache
def load() -> SparseData:
    rows = read_csv("sparse_respondents.csv")
    col = {k: np.array([int(r[k]) for r in rows]) for k in rows[0]}
    cells = read_csv("sparse_cells.csv")
    return SparseData(
        codes=np.stack([col[q] for q in ITEMS], axis=1).astype(np.uint8),
        agency=col["agency"],
        district=col["district"],
        cell=col["cell"],
        cell_agency=np.array([int(r["agency"]) for r in cells]),
        cell_totals=np.array([float(r["Freq"]) for r in cells]),
        volume=np.array([float(r["volume"]) for r in read_csv("sparse_volume.csv")]),
        committed_cells={name: col[f"cell_{name}"] for name in DESIGNS},
        committed_poststrata=read_csv("sparse_poststrata.csv"),
    )


@cache
def scored(design: str) -> Scores:
    data = load()
    return score(data.codes, SPEC, data.design(design), data.domains, target=0.9)


@cache
def shares(design: str) -> Scores:
    data = load()
    return proportions(data.codes >= 4, data.design(design), data.domains, observed=data.codes > 0, names=list(ITEMS))


CRITERIA = read_csv("r_collapsed_criteria.csv")
CONTRASTS = read_csv("r_collapsed_contrasts.csv")


@pytest.mark.parametrize("design", list(DESIGNS))
def test_committed_post_strata_are_those_of_collapse_cells(design):
    data = load()
    c = collapse_cells(data.cell, data.cell_agency, data.cell_totals, DESIGNS[design])
    np.testing.assert_array_equal(c.cell, data.committed_cells[design])
    rows = [r for r in data.committed_poststrata if r["design"] == design]
    assert [tuple(int(m) for m in r["members"].split()) for r in rows] == list(c.members)
    assert [float(r["Freq"]) for r in rows] == c.total.tolist()
    assert [int(r["n"]) for r in rows] == c.counts.tolist()
    assert [int(r["agency"]) for r in rows] == c.parent.tolist()


def test_sparse_data_set_is_what_it_claims():
    data = load()
    counts = np.bincount(data.cell, minlength=data.cell_totals.size)
    assert data.agency.size == 345
    assert np.bincount(data.agency).tolist() == [4, 9, 17, 45, 110, 160]
    assert ((counts <= 3) & (data.cell_totals > 0)).sum() >= 8  # sparse post-strata with population
    assert counts[:4].tolist() == [1, 1, 1, 1]  # agency 0: four singletons
    collapsed = collapse_cells(data.cell, data.cell_agency, data.cell_totals, 20)
    assert collapsed.members[0] == (0, 1, 2, 3)
    assert collapsed.sparse.tolist() == [True, True, True] + [False] * 8


@pytest.mark.parametrize("design", ["base", *DESIGNS])
def test_weights_match_r(design):
    data = load()
    expected = np.array([float(r[design]) for r in read_csv("r_collapsed_weights.csv")])
    if design == "base":
        got = base_weights(data.agency, data.volume)
    else:
        got = data.design(design).respondent_weights()
    np.testing.assert_allclose(got, expected, rtol=RTOL)


@pytest.mark.parametrize("design", list(DESIGNS))
def test_post_stratified_weights_add_up_to_agency_totals(design):
    data = load()
    weights = data.design(design).respondent_weights()
    expected = np.bincount(data.cell_agency, weights=data.cell_totals)
    np.testing.assert_allclose(np.bincount(data.agency, weights=weights), expected, rtol=1e-12)


def _degenerate(r: dict[str, str]) -> bool:
    """All answers satisfied, or none: R divides rounding noise by rounding noise for deff."""
    mean = number(r["mean"])
    return mean < 1e-12 or mean > 1 - 1e-12


@pytest.mark.parametrize("engine", ["score", "proportions"])
@pytest.mark.parametrize("design", list(DESIGNS))
def test_criteria_match_svymean(design, engine):
    result = scored(design) if engine == "score" else shares(design)
    rows = [r for r in CRITERIA if r["design"] == design]
    assert len(rows) == 48
    for r in rows:
        level = result[r["level"]]
        i, j = level.row(int(r["domain"])), level.column(r["item"])
        where = f"{engine} {design} {r['level']}={r['domain']} {r['item']}"
        assert level.n[i, j] == int(r["n"]), where
        assert level.df[i, j] == int(r["df"]), where
        assert close(level.estimate[i, j], number(r["mean"])), where
        assert close(raw(level, "se")[i, j], number(r["se"])), where
        deff = raw(level, "deff")[i, j]
        if _degenerate(r):
            assert math.isnan(deff) and raw(level, "se")[i, j] == 0.0, where
        else:
            assert close(deff, number(r["deff"]), rtol=1e-8), where


@pytest.mark.parametrize("design", list(DESIGNS))
def test_elements_and_overall_match_svycontrast(design):
    result = scored(design)
    rows = [r for r in CONTRASTS if r["design"] == design]
    assert len(rows) == 8 * 3
    for r in rows:
        level = result[r["level"]]
        i, j = level.row(int(r["domain"])), level.column(r["estimate"])
        where = f"{design} {r['level']}={r['domain']} {r['estimate']}"
        assert close(level.estimate[i, j], number(r["value"])), where
        assert close(raw(level, "se")[i, j], number(r["se"])), where


def test_collapsing_makes_the_effective_size_of_a_four_respondent_agency_sane():
    """Agency 0: four respondents, each the only respondent of its field, every answer given.

    *Singleton post-strata* (design ``minimal``): a respondent alone in a post-stratum has a calibration
    residual of 0, so the variance of every agency-0 estimate is 0 up to rounding. Asserted: for every
    criterion and composite, p(1-p)/V >= 1,000, both with R's SE (rounding noise, giving about 1e32) and
    with the scorer's linearisation SE (exactly 0, giving infinity).

    *Collapsed* (``min_count = 20``): the agency has fewer than 20 respondents, so it is one post-stratum,
    and it is one stratum. Influence values z_i = w (y_i - p) / W sum to 0 over it, so the residuals are
    the z_i themselves and V = n/(n-1) * sum z_i^2 = p(1-p) / (n - 1) with equal weights: asserted exactly,
    n* = p(1-p)/V = n - 1 = 3 for each criterion (R and scorer alike). For a composite E (mean of
    criteria) the same algebra gives V = sum_i (c_i - E)^2 / (n(n-1)) with c_i respondent i's composite
    score: asserted exactly too. A composite's n* = E(1-E)/V has no general bound (equal composite scores
    would make V = 0; that is the design-effect floor's business); on these data it is at most 2n, which is
    asserted.
    """
    data = load()
    n = 4
    rows_minimal = {
        r["item"]: r for r in CRITERIA if r["design"] == "minimal" and r["level"] == "agency" and r["domain"] == "0"
    }
    rows_minimal |= {
        r["estimate"]: r
        for r in CONTRASTS
        if r["design"] == "minimal" and r["level"] == "agency" and r["domain"] == "0"
    }
    rows_collapsed = {
        r["item"]: r for r in CRITERIA if r["design"] == "collapsed" and r["level"] == "agency" and r["domain"] == "0"
    }
    rows_collapsed |= {
        r["estimate"]: r
        for r in CONTRASTS
        if r["design"] == "collapsed" and r["level"] == "agency" and r["domain"] == "0"
    }
    satisfied = (data.codes[data.agency == 0] >= 4).astype(float)  # (4, 6), nothing skipped
    assert np.all(data.codes[data.agency == 0] > 0)
    composite_scores = {
        "e1": satisfied[:, :3].mean(axis=1),
        "e2": satisfied[:, 3:].mean(axis=1),
        "overall": satisfied.mean(axis=1),
    }

    before, after = scored("minimal")["agency"], scored("collapsed")["agency"]
    i = before.row(0)
    assert after.row(0) == i
    with np.errstate(divide="ignore"):
        for name in SPEC.names:
            j = before.column(name)
            # Singleton post-strata: V is zero up to rounding, n* is absurd.
            p = before.estimate[i, j]
            assert 0 < p < 1, name
            r_se = number(rows_minimal[name]["se"])
            assert p * (1 - p) / r_se**2 >= 1_000, name
            assert p * (1 - p) / raw(before, "se")[i, j] ** 2 >= 1_000, name

            # Collapsed: one post-stratum, one stratum.
            p = after.estimate[i, j]
            var = raw(after, "se")[i, j] ** 2
            r_var = number(rows_collapsed[name]["se"]) ** 2
            if name in ITEMS:
                assert after.n[i, j] == n
                assert p * (1 - p) / var == pytest.approx(n - 1, rel=1e-9), name
                assert p * (1 - p) / r_var == pytest.approx(n - 1, rel=1e-9), name
            else:
                c = composite_scores[name]
                assert p == pytest.approx(c.mean(), rel=1e-12), name
                assert var == pytest.approx(((c - p) ** 2).sum() / (n * (n - 1)), rel=1e-9), name
                assert p * (1 - p) / var <= 2 * n, name


def _effective_over_n(design: str) -> np.ndarray:
    """p(1-p)/V divided by the number of answers, for every agency (rows) and criterion (columns)."""
    level = scored(design)["agency"]
    cols = [level.column(q) for q in ITEMS]
    p = level.estimate[:, cols]
    assert np.all((p > 0) & (p < 1))
    with np.errstate(divide="ignore"):
        return p * (1 - p) / raw(level, "se")[:, cols] ** 2 / level.n[:, cols]


def test_after_collapsing_no_agency_criterion_has_n_star_above_its_answers():
    """On these data (not a general law): after collapsing, n* <= n for every criterion of every agency
    (at most 0.95 n); with only the empty post-strata merged, agency 0's n* is at least 1,000 and post-strata of
    2 to 6 respondents push other agencies' n* above 2n (up to 3.2 n, agency 1)."""
    assert _effective_over_n("collapsed").max() <= 1.0
    minimal = _effective_over_n("minimal")
    assert np.all(minimal[0] * 4 >= 1_000)  # agency 0: 4 answers per criterion, V = 0 up to rounding
    assert minimal[1:].max() > 2.0
