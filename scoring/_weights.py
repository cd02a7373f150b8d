"""Respondent weights: base weights, post-stratification, raking, and Kish's effective sample size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scoring._checks import as_codes, as_weights, readonly

#: Calibration kinds carried by :class:`Calibration`.
POSTSTRATIFY = "poststratify"
RAKE = "rake"


def _as_totals(values: object, name: str) -> np.ndarray:
    totals = np.asarray(values, dtype=np.float64)
    if totals.ndim != 1 or totals.size == 0:
        raise ValueError(f"{name} must be a non-empty one-dimensional array indexed by cell code.")
    if not np.all(np.isfinite(totals)):
        raise ValueError(f"{name} holds a value that is not finite (nan or infinity).")
    if totals.min() < 0:
        raise ValueError(f"{name} holds the negative total {totals.min():g}.")
    return totals


def _check_cells(cells: np.ndarray, totals: np.ndarray, name: str) -> np.ndarray:
    """Return respondent counts per cell, after checking that cells and totals agree."""
    if cells.size and cells.max() >= totals.size:
        raise ValueError(
            f"{name}: cell code {int(cells.max())} is unknown; "
            f"totals are given for codes 0..{totals.size - 1}."
        )
    counts = np.bincount(cells, minlength=totals.size)
    empty = np.flatnonzero((counts == 0) & (totals > 0))
    if empty.size:
        raise ValueError(
            f"{name}: cell(s) {empty.tolist()} have a positive population total but no respondent; "
            "collapse each with a neighbouring cell before weighting."
        )
    absent = np.flatnonzero((counts > 0) & (totals == 0))
    if absent.size:
        raise ValueError(
            f"{name}: cell(s) {absent.tolist()} have respondents but a population total of 0; "
            "the respondents cannot belong to that population."
        )
    return counts


def base_weights(strata: object, population: object) -> np.ndarray:
    """Base weights: a stratum's population volume divided by its number of respondents.

    Parameters
    ----------
    strata : array_like of int, shape (n,)
        Stratum code (0..H-1) of each respondent, e.g. the agency.
    population : array_like of float, shape (H,)
        Population volume of each stratum (e.g. case files handled in the period), indexed by code.

    Returns
    -------
    ndarray, shape (n,)
        :math:`w_i = N_h / n_h` for respondent :math:`i` in stratum :math:`h` (read-only).

    Notes
    -----
    .. math:: w_i = \\frac{N_{h(i)}}{n_{h(i)}}

    so that :math:`\\sum_{i \\in h} w_i = N_h`. Strata without respondents are allowed (they simply
    do not appear), but a stratum with respondents must have a positive volume.

    References
    ----------
    Kish, L. (1965), *Survey Sampling*, Wiley, chapter 3; Lumley, T. (2010), *Complex Surveys*, section 2.2.

    Examples
    --------
    >>> base_weights([0, 0, 1], [10.0, 3.0]).tolist()
    [5.0, 5.0, 3.0]
    """
    codes = as_codes(strata, "strata")
    volume = _as_totals(population, "population")
    if codes.size and codes.max() >= volume.size:
        raise ValueError(
            f"Stratum code {int(codes.max())} is unknown; population volumes are given for codes "
            f"0..{volume.size - 1}."
        )
    counts = np.bincount(codes, minlength=volume.size)
    bad = np.flatnonzero((counts > 0) & (volume <= 0))
    if bad.size:
        raise ValueError(f"Strata {bad.tolist()} have respondents but a population volume of 0.")
    per_stratum = np.divide(volume, counts, out=np.zeros_like(volume), where=counts > 0)
    return readonly(per_stratum[codes])


@dataclass(frozen=True, eq=False)
class Kish:
    """Kish's effective sample size and weighting design effect (see :func:`kish`)."""

    n: int
    n_eff: float
    deff: float


def kish(weights: object) -> Kish:
    """Kish's effective sample size and design effect due to unequal weights.

    Parameters
    ----------
    weights : array_like of float, shape (n,)
        Positive respondent weights.

    Returns
    -------
    Kish
        ``n``, ``n_eff`` :math:`= (\\sum w)^2 / \\sum w^2` and ``deff`` :math:`= n \\sum w^2 / (\\sum w)^2`;
        ``nan`` for an empty sample.

    Notes
    -----
    .. math:: n_{\\mathrm{Kish}} = \\frac{(\\sum_i w_i)^2}{\\sum_i w_i^2}, \\qquad
              \\mathrm{deff}_w = \\frac{n \\sum_i w_i^2}{(\\sum_i w_i)^2} = \\frac{n}{n_{\\mathrm{Kish}}}.

    References
    ----------
    Kish, L. (1965), *Survey Sampling*, Wiley, section 11.7.

    Examples
    --------
    >>> k = kish([1.0, 1.0, 2.0])
    >>> round(k.n_eff, 6), round(k.deff, 6)
    (2.666667, 1.125)
    """
    w = as_weights(weights, "weights")
    if w.size == 0:
        return Kish(0, float("nan"), float("nan"))
    s1, s2 = float(w.sum()), float(np.dot(w, w))
    return Kish(int(w.size), s1 * s1 / s2, w.size * s2 / (s1 * s1))


@dataclass(frozen=True, eq=False)
class Calibration:
    """Calibrated respondent weights and what the linearisation variance needs about them.

    Attributes
    ----------
    kind : str
        ``"poststratify"`` or ``"rake"``.
    weights : ndarray, shape (n,)
        Calibrated weights.
    base_weights : ndarray, shape (n,)
        Weights before calibration.
    cells : ndarray of int, shape (n,)
        Calibration cell of each respondent: the post-stratum, or for raking the cross-classification
        of all margins (numbered 0..n_cells-1). Calibrated weights are base weights times a factor
        constant within these cells.
    n_cells : int
        Number of calibration cells.
    margins : tuple of ndarray
        Raking only: for each margin, the margin cell of every calibration cell (shape (n_cells,)).
    step_ratios : ndarray, shape (n_margins, n_cells)
        Raking only: weight after each margin's adjustment in the last sweep, divided by the final weight.
        R's ``svyrecvar`` uses these intermediate weights in its projection; they are 1 at convergence.
    iterations : int
        Number of full sweeps over the margins (1 for post-stratification).
    max_change : float
        Largest change of a cell's weighted total in the last sweep.
    """

    kind: str
    weights: np.ndarray
    base_weights: np.ndarray
    cells: np.ndarray
    n_cells: int
    margins: tuple[np.ndarray, ...]
    step_ratios: np.ndarray
    iterations: int
    max_change: float


def poststratify(cells: object, totals: object, base: object | None = None) -> Calibration:
    """Post-stratify weights so that each cell's weights add up to its known population total.

    Parameters
    ----------
    cells : array_like of int, shape (n,)
        Post-stratum code of each respondent (e.g. agency × field of procedure), 0..G-1.
    totals : array_like of float, shape (G,)
        Known population total of each cell, indexed by code. A cell with total 0 must have no
        respondent; a cell with a positive total must have at least one (collapse cells otherwise).
    base : array_like of float, shape (n,), optional
        Base weights (default: all 1).

    Returns
    -------
    Calibration
        Weights :math:`w_i = d_i N_g / \\hat N_g` and the cells, for the variance adjustment.

    Notes
    -----
    .. math:: w_i = d_i \\frac{N_{g(i)}}{\\sum_{j \\in g(i)} d_j}

    The variance (see :func:`scoring.score`) replaces each influence value :math:`z_i` by its residual
    from the :math:`d`-weighted cell mean, as R's ``postStratify`` / ``svyrecvar`` do.

    References
    ----------
    Holt, D. and Smith, T. M. F. (1979), Post stratification, *JRSS A* 142:33–46;
    Deville, J.-C. and Särndal, C.-E. (1992), Calibration estimators in survey sampling, *JASA* 87:376–382;
    Lumley, T. (2010), *Complex Surveys*, section 7.2.

    Examples
    --------
    >>> cal = poststratify([0, 0, 1], [30.0, 5.0])
    >>> cal.weights.tolist()
    [15.0, 15.0, 5.0]
    """
    codes = as_codes(cells, "post-stratification cells")
    target = _as_totals(totals, "post-stratification totals")
    base_w = np.ones(codes.size) if base is None else as_weights(base, "base weights", codes.size)
    _check_cells(codes, target, "Post-stratification")
    current = np.bincount(codes, weights=base_w, minlength=target.size)
    factor = np.divide(target, current, out=np.zeros_like(target), where=current > 0)
    weights = base_w * factor[codes]
    return Calibration(
        kind=POSTSTRATIFY,
        weights=readonly(weights),
        base_weights=readonly(base_w.copy()),
        cells=readonly(codes.copy()),
        n_cells=int(target.size),
        margins=(),
        step_ratios=readonly(np.ones((0, target.size))),
        iterations=1,
        max_change=0.0,
    )


def rake(
    margins: Sequence[object],
    totals: Sequence[object],
    base: object | None = None,
    *,
    epsilon: float = 1e-10,
    max_iter: int = 100,
) -> Calibration:
    """Rake weights (iterative proportional fitting) to several known margins.

    Parameters
    ----------
    margins : sequence of array_like of int, each shape (n,)
        For each margin, the cell code of every respondent (e.g. agency; district × field).
    totals : sequence of array_like of float
        For each margin, the population total of each cell, indexed by code. All margins must add up
        to the same grand total.
    base : array_like of float, shape (n,), optional
        Base weights (default: all 1).
    epsilon : float
        Convergence tolerance on the largest change of a cross-classified cell's weighted total between
        two sweeps; below 1 it is relative to the sum of the base weights (as in R's ``rake``).
    max_iter : int
        Largest number of sweeps.

    Returns
    -------
    Calibration
        Raked weights, the cross-classified cells, and the per-margin weight ratios the variance needs.

    Raises
    ------
    ValueError
        On an empty cell with a positive total, margins whose totals disagree, or no convergence.

    Notes
    -----
    Each sweep post-stratifies to every margin in turn, :math:`w \\leftarrow w\\, N_g/\\hat N_g`. The
    sweeps stop as soon as the largest change of a cross-classified total is below ``epsilon``; this
    mirrors R's ``rake(..., control = list(epsilon, maxit))`` step for step. The variance adjustment
    repeats R's ``svyrecvar`` projection: ten passes of removing margin-cell means from the influence
    values.

    References
    ----------
    Deming, W. E. and Stephan, F. F. (1940), *Ann. Math. Stat.* 11:427–444;
    Deville, J.-C., Särndal, C.-E. and Sautory, O. (1993), Generalized raking procedures in survey
    sampling, *JASA* 88:1013–1020; Lumley, T. (2010), *Complex Surveys*, section 7.3.

    Examples
    --------
    >>> cal = rake([[0, 0, 1, 1], [0, 1, 0, 1]], [[6.0, 4.0], [5.0, 5.0]])
    >>> cal.weights.round(6).tolist()
    [3.0, 3.0, 2.0, 2.0]
    """
    if len(margins) == 0 or len(margins) != len(totals):
        raise ValueError(
            f"Raking needs one totals array per margin; got {len(margins)} margins and {len(totals)} totals."
        )
    if max_iter < 1:
        raise ValueError(f"max_iter must be at least 1, got {max_iter}.")
    if not (np.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"epsilon must be positive and finite, got {epsilon!r}.")
    codes = [as_codes(m, f"raking margin {i}") for i, m in enumerate(margins)]
    n = codes[0].size
    for i, c in enumerate(codes):
        if c.size != n:
            raise ValueError(f"Raking margin {i} has {c.size} entries but margin 0 has {n}.")
    targets = [_as_totals(t, f"raking totals {i}") for i, t in enumerate(totals)]
    for i, (c, t) in enumerate(zip(codes, targets, strict=True)):
        _check_cells(c, t, f"Raking margin {i}")
    grand = [float(t.sum()) for t in targets]
    for i, g in enumerate(grand[1:], start=1):
        if abs(g - grand[0]) > 1e-9 * max(abs(grand[0]), 1.0):
            raise ValueError(
                f"Raking margins disagree in total: margin 0 adds up to {grand[0]:.17g} but margin {i} "
                f"to {g:.17g}."
            )
    base_w = np.ones(n) if base is None else as_weights(base, "base weights", n)

    # Cross-classify the margins; weights stay proportional to base weights within these cells.
    stacked = np.stack(codes, axis=1)
    unique_rows, cells = np.unique(stacked, axis=0, return_inverse=True)
    cells = cells.reshape(-1)
    n_cells = unique_rows.shape[0]
    margin_of_cell = [readonly(unique_rows[:, m].copy()) for m in range(len(codes))]
    base_total = np.bincount(cells, weights=base_w, minlength=n_cells)

    tolerance = epsilon * float(base_w.sum()) if epsilon < 1 else float(epsilon)
    factor = np.ones(n_cells)
    old_table = base_total.copy()
    steps = np.ones((len(codes), n_cells))
    converged = False
    sweeps = 0
    change = float("inf")
    while sweeps < max_iter:
        sweeps += 1
        for m, (g, t) in enumerate(zip(margin_of_cell, targets, strict=True)):
            current = np.bincount(g, weights=base_total * factor, minlength=t.size)
            adjust = np.divide(t, current, out=np.ones_like(t), where=current > 0)
            factor = factor * adjust[g]
            steps[m] = factor
        new_table = base_total * factor
        change = float(np.max(np.abs(new_table - old_table)))
        if change < tolerance:
            converged = True
            break
        old_table = new_table
    if not converged:
        raise ValueError(
            f"Raking did not converge in {max_iter} sweeps: a cell total still changed by {change:.3g} "
            f"(tolerance {tolerance:.3g}). Check the margins for contradictions or raise max_iter."
        )
    return Calibration(
        kind=RAKE,
        weights=readonly(base_w * factor[cells]),
        base_weights=readonly(base_w.copy()),
        cells=readonly(cells.astype(np.int64)),
        n_cells=int(n_cells),
        margins=tuple(margin_of_cell),
        step_ratios=readonly(steps / factor[None, :]),
        iterations=sweeps,
        max_change=change,
    )
