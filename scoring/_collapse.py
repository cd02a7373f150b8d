"""Collapsing sparse post-stratification cells before calibration (the minimum-cell-size rule)."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from scoring._checks import as_codes, readonly
from scoring._weights import _as_totals

#: Default minimum number of respondents per post-stratification cell (the literature's usual 20–30).
MIN_CELL_COUNT = 20


@dataclass(frozen=True, eq=False)
class CollapsedCells:
    """Post-stratification cells after collapsing the sparse ones (see :func:`collapse_cells`).

    Attributes
    ----------
    cell : ndarray of int, shape (n,)
        New cell code (0..R-1) of every respondent, for :func:`scoring.poststratify`.
    total : ndarray of float, shape (R,)
        Population total of each new cell: the sum of the totals of its original cells.
    members : tuple of tuple of int
        The original cell codes making up each new cell, in increasing order.
    counts : ndarray of int, shape (R,)
        Respondents in each new cell.
    parent : ndarray of int, shape (R,)
        Parent (e.g. agency) of each new cell.
    mapping : ndarray of int, shape (C,)
        New cell of each original cell; -1 for a cell with neither respondents nor population, which
        is left out.
    min_count : int
        The minimum number of respondents per cell that was applied.
    """

    cell: np.ndarray
    total: np.ndarray
    members: tuple[tuple[int, ...], ...]
    counts: np.ndarray
    parent: np.ndarray
    mapping: np.ndarray
    min_count: int

    @property
    def n_cells(self) -> int:
        """Number of new cells (R)."""
        return len(self.members)

    @property
    def merged(self) -> np.ndarray:
        """Boolean (R,): the new cells made of more than one original cell."""
        return readonly(np.array([len(m) > 1 for m in self.members], dtype=bool))

    @property
    def sparse(self) -> np.ndarray:
        """Boolean (R,): new cells still below ``min_count`` (their whole parent has fewer respondents)."""
        return readonly(self.counts < self.min_count)


def _check_min_count(min_count: object) -> int:
    if isinstance(min_count, bool) or not isinstance(min_count, numbers.Integral):
        raise ValueError(f"min_count must be a whole number of respondents, got {min_count!r}.")
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, got {min_count}.")
    return int(min_count)


def _collapse_parent(cells: np.ndarray, counts: np.ndarray, min_count: int) -> list[list[int]]:
    """Groups of original cells (codes in increasing order) for one parent's live cells ``cells``."""
    size = counts[cells]
    big = cells[size >= min_count]
    small = cells[size < min_count]
    if big.size == 0:
        return [cells.tolist()]
    groups = [[int(c)] for c in big]
    if small.size:
        if int(counts[small].sum()) >= min_count:
            groups.append(small.tolist())
        else:
            # Smallest cell that stayed; np.argmin takes the first, i.e. the lowest code among ties.
            groups[int(np.argmin(counts[big]))].extend(small.tolist())
    return sorted((sorted(g) for g in groups), key=lambda g: g[0])


def collapse_cells(
    cell: object, cell_parent: object, cell_total: object, min_count: int = MIN_CELL_COUNT
) -> CollapsedCells:
    """Collapse post-stratification cells with fewer than ``min_count`` respondents, within each parent.

    Parameters
    ----------
    cell : array_like of int, shape (n,)
        Original post-stratification cell (0..C-1) of each respondent, e.g. agency × field.
    cell_parent : array_like of int, shape (C,)
        Parent of each original cell (e.g. the agency, or the stratum), indexed by cell code. Cells are
        never merged across parents.
    cell_total : array_like of float, shape (C,)
        Population total of each original cell (e.g. case files handled), indexed by cell code.
    min_count : int
        Minimum number of respondents per cell (default 20).

    Returns
    -------
    CollapsedCells
        The new cell of every respondent, the new cells' totals, members and counts; give ``cell`` and
        ``total`` to :func:`scoring.poststratify`.

    Raises
    ------
    ValueError
        On inputs of the wrong shape, cell codes out of range, negative or non-finite totals,
        ``min_count`` below 1, respondents in a cell whose total is 0, or a parent with a positive
        population total but no respondent at all (it cannot be represented without merging across
        parents; the caller decides, e.g. leaves it out and reports it as not covered).

    Notes
    -----
    The rule, applied to each parent separately:

    1. Cells with neither respondents nor population (total 0) take no part; their ``mapping`` is -1.
    2. Cells with at least ``min_count`` respondents stay as they are.
    3. Every other cell, including a cell with a positive total and no respondent (its population is
       kept), goes into one pool.
    4. If the pool holds at least ``min_count`` respondents it becomes a cell of its own; otherwise it
       joins the smallest cell that stayed (fewest respondents; lowest code among ties).
    5. If no cell of the parent reaches ``min_count``, the parent becomes one cell with the parent's
       total; it stays below the minimum (``sparse``), since cells are never merged across parents.

    New cells are numbered by parent, then by their lowest original code. Totals are only added up,
    so the grand total and every parent's total are kept.

    Why: post-stratification adjusts each respondent's influence value by the mean of its cell, so a
    respondent alone in a cell contributes nothing to the linearisation variance. A unit whose
    respondents sit in singleton cells gets a variance near 0 and an effective sample size far above
    its number of respondents. Kalton and Flores-Cervantes (2003) describe collapsing sparse weighting
    cells; the usual guideline in the survey literature is a minimum of 20 to 30 respondents per cell.
    Collapsing only within a parent keeps every parent's (stratum's) total fixed.

    References
    ----------
    Kalton, G. and Flores-Cervantes, I. (2003), Weighting methods, *J. Off. Stat.* 19(2):81–97;
    Lumley, T. (2010), *Complex Surveys*, Wiley, section 7.2.

    Examples
    --------
    Agency 0 has cells 0–3 (2, 1, 0 and 1 respondents), agency 1 has cell 4 (1 respondent):

    >>> from scoring import poststratify
    >>> c = collapse_cells([0, 0, 1, 3, 4], [0, 0, 0, 0, 1], [60.0, 30.0, 10.0, 20.0, 50.0], min_count=2)
    >>> c.members
    ((0,), (1, 2, 3), (4,))
    >>> c.cell.tolist(), c.total.tolist(), c.counts.tolist()
    ([0, 0, 1, 1, 2], [60.0, 60.0, 50.0], [2, 2, 1])
    >>> c.merged.tolist(), c.sparse.tolist()
    ([False, True, False], [False, False, True])
    >>> poststratify(c.cell, c.total).weights.tolist()
    [30.0, 30.0, 30.0, 30.0, 50.0]
    """
    minimum = _check_min_count(min_count)
    totals = _as_totals(cell_total, "cell_total")
    n_cells = totals.size
    parents = as_codes(cell_parent, "cell_parent")
    if parents.size != n_cells:
        raise ValueError(
            f"cell_parent has {parents.size} entries but cell_total has {n_cells}; give one of each per cell."
        )
    codes = as_codes(cell, "cell")
    if codes.size and codes.max() >= n_cells:
        raise ValueError(
            f"cell code {int(codes.max())} is out of range: there are {n_cells} cells (codes 0..{n_cells - 1})."
        )
    counts = np.bincount(codes, minlength=n_cells)
    absent = np.flatnonzero((counts > 0) & (totals == 0))
    if absent.size:
        raise ValueError(
            f"Cell(s) {absent.tolist()} have respondents but a population total of 0; "
            "the respondents cannot belong to that population."
        )
    live = (counts > 0) | (totals > 0)
    parent_count = np.bincount(parents, weights=counts, minlength=int(parents.max()) + 1)
    parent_total = np.bincount(parents, weights=totals, minlength=int(parents.max()) + 1)
    lost = np.flatnonzero((parent_count == 0) & (parent_total > 0))
    if lost.size:
        raise ValueError(
            f"Parent(s) {lost.tolist()} have a positive population total but no respondent; they cannot "
            "be represented, as cells are never merged across parents. Leave them out (and report them "
            "as not covered) or assign their cells to another parent."
        )

    order = np.lexsort((np.arange(n_cells), parents))
    order = order[live[order]]
    bounds = np.flatnonzero(np.diff(parents[order])) + 1
    groups: list[list[int]] = []
    for part in np.split(order, bounds):
        if part.size:
            groups.extend(_collapse_parent(part, counts, minimum))

    mapping = np.full(n_cells, -1, dtype=np.int64)
    for new, members in enumerate(groups):
        mapping[members] = new
    n_new = len(groups)
    return CollapsedCells(
        cell=readonly(mapping[codes]),
        total=readonly(np.bincount(mapping[live], weights=totals[live], minlength=n_new)),
        members=tuple(tuple(g) for g in groups),
        counts=readonly(np.bincount(mapping[live], weights=counts[live], minlength=n_new).astype(np.int64)),
        parent=readonly(parents[[g[0] for g in groups]].astype(np.int64)),
        mapping=readonly(mapping),
        min_count=minimum,
    )
