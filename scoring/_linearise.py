"""Sufficient statistics per cell and the linearisation variance of domain ratio estimates.

Notation (Lumley 2010, chapters 2 and 7). Respondent :math:`i` has weight :math:`w_i`, base weight
:math:`d_i`, stratum :math:`h(i)`, calibration cell :math:`r(i)` and a basis vector
:math:`x_i = (m_{i1..K}, m_{i1..K} y_{i1..K})` of answered indicators and answered values (extra
columns after the first ``2K`` are only summed, never cross-multiplied).

A *cell* is a set of respondents sharing stratum, calibration cell and every domain code. All sums the
estimator and the variance need are sums over cells: counts, :math:`\\sum d x`, :math:`\\sum w x`,
:math:`\\sum w^2 x`, :math:`\\sum w x x^\\top`, :math:`\\sum w^2 x x^\\top`. When weights are constant
within cells (post-stratified or raked weights over strata-constant base weights) these come from one
unweighted cross-product per cell; otherwise each is weighted row by row.

An estimate in domain :math:`d` is linear in :math:`x` to first order: its influence value is
:math:`z_i = \\ell^\\top e_i` with :math:`e_i = w_i(\\delta_{id} x_i - \\eta_{r(i)})`, where
:math:`\\ell` is the estimate's linear functional (for a ratio :math:`(e_{K+k} - \\hat p e_k)/W`) and
:math:`\\eta` the calibration adjustment (zero without calibration). R's ``svyrecvar`` computes

* post-stratification: :math:`\\eta_r = \\sum_{j \\in r} d_j \\delta_{jd} x_j / \\sum_{j \\in r} d_j`;
* raking: ten passes over the margins of
  :math:`\\eta_r \\leftarrow \\eta_r + \\rho_{m r}\\, \\mathrm{mean}_{j \\in g_m(r)}
  \\big[(\\delta_{jd} x_j - \\eta_{r(j)})/\\rho_{m r(j)}\\big]`, with :math:`\\rho_{mr}` the ratio of the
  weight after margin :math:`m`'s step in the last sweep to the final weight.

The variance :math:`\\sum_h f_h \\sum_{i\\in h} z_i^2 - \\sum_h g_h (\\sum_{i \\in h} z_i)^2`, with
:math:`f_h = n_h/(n_h-1)`, :math:`g_h = f_h/n_h`, expands into cell sums:

.. math::

    \\sum_{i \\in c} e_i e_i^\\top = \\delta_{cd} B_c - \\delta_{cd}(A_c \\eta_r^\\top + \\eta_r A_c^\\top)
    + W_c \\eta_r \\eta_r^\\top, \\qquad \\sum_{i \\in c} e_i = \\delta_{cd} S_c - V_c \\eta_r ,

with :math:`B_c = \\sum w^2 x x^\\top`, :math:`A_c = \\sum w^2 x`, :math:`W_c = \\sum w^2`,
:math:`S_c = \\sum w x`, :math:`V_c = \\sum w`. Everything is projected on the functionals first, so
the calibration adjustment is carried as one number per (calibration cell, domain, estimate).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from scoring._design import Design
from scoring._weights import RAKE

#: Passes over the margins in R's raking variance projection (``svyrecvar``: ``for (iterations in 1:10)``).
RAKE_PROJECTION_PASSES = 10
_CHUNK_ROWS = 1 << 16
_DENSE_CODES = 1 << 22
_BLOCK_VALUES = 1 << 21


def group_sum(
    keys: np.ndarray, values: np.ndarray, n_groups: int, scale: np.ndarray | None = None
) -> np.ndarray:
    """Sum rows of ``values`` by integer ``keys`` (negative keys are dropped) into ``n_groups`` rows, each row
    multiplied by ``scale`` when given."""
    keep = np.flatnonzero(keys >= 0)
    factor = np.ones(keep.size) if scale is None else scale[keep]
    indicator = sparse.csr_array((factor, (keys[keep], keep)), shape=(n_groups, values.shape[0]))
    flat = values.reshape(values.shape[0], int(np.prod(values.shape[1:]))).astype(np.float64, copy=False)
    return np.asarray(indicator @ flat).reshape(n_groups, *values.shape[1:])


def _dense(key: np.ndarray) -> tuple[np.ndarray, int]:
    """Renumber non-negative integer keys 0..G-1 in increasing order."""
    top = int(key.max()) + 1 if key.size else 0
    if top <= _DENSE_CODES:
        present = np.zeros(top, dtype=bool)
        present[key] = True
        renumber = np.cumsum(present) - 1
        return renumber[key], int(present.sum())
    unique, inverse = np.unique(key, return_inverse=True)
    return inverse.reshape(-1), int(unique.size)


def combine_codes(columns: list[np.ndarray]) -> tuple[np.ndarray, int]:
    """One dense code per distinct row of the code columns (each >= -1), ordered lexicographically."""
    n = columns[0].size
    key = np.zeros(n, dtype=np.int64)
    size = 1
    for column in columns:
        shifted = column + 1
        radix = int(shifted.max()) + 1 if n else 1
        if size * radix > _DENSE_CODES:
            key, size = _dense(key)
        key = key * radix + shifted
        size *= radix
    return _dense(key) if n else (key, 0)


@dataclass(frozen=True, eq=False)
class CellStats:
    """Sums per cell (see the module notes); arrays are indexed by cell."""

    n_items: int
    counts: np.ndarray
    stratum: np.ndarray
    calib: np.ndarray
    levels: Mapping[str, np.ndarray]
    unweighted: np.ndarray  # (C, P) sum of x
    base_sum: np.ndarray  # (C, P) sum of d x
    lin_sum: np.ndarray  # (C, P) sum of w x
    sq_sum: np.ndarray  # (C, P) sum of w^2 x
    base_w: np.ndarray  # (C,) sum of d
    lin_w: np.ndarray  # (C,) sum of w
    sq_w: np.ndarray  # (C,) sum of w^2
    cross_lin: np.ndarray  # (C, 2K, 2K) sum of w x x'
    cross_sq: np.ndarray  # (C, 2K, 2K) sum of w^2 x x'
    cell_weight: np.ndarray | None  # (C,) the weight of every respondent of the cell, when constant in cells
    cross_count: np.ndarray | None  # (C, 2K, 2K) sum of x x' when weights vary within cells
    f_cell: np.ndarray  # (C,) n_h/(n_h-1) of the cell's stratum (lonely policy applied)
    centre: np.ndarray  # (H,) g_h = f_h/n_h (0 for lonely strata)
    kind: str | None  # calibration kind, or None
    n_calib: int
    calib_count: np.ndarray  # (R,) respondents per calibration cell
    calib_base: np.ndarray  # (R,) sum of base weights per calibration cell
    margins: tuple[np.ndarray, ...]  # raking: margin cell of each calibration cell
    step_ratios: np.ndarray  # raking: (M, R)

    def count_cross(self, member: np.ndarray, n_domains: int) -> np.ndarray:
        """Unweighted cross-products :math:`\\sum_i x_i x_i^\\top` (D, 2K, 2K) of each domain's respondents."""
        if self.cell_weight is not None:
            return group_sum(member, self.cross_lin, n_domains, scale=1.0 / self.cell_weight)
        return group_sum(member, self.cross_count, n_domains)

    @property
    def n_basis(self) -> int:
        """Width of the cross-multiplied basis (2K)."""
        return 2 * self.n_items

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return int(self.counts.size)


def build_cells(
    basis: Callable[[np.ndarray], np.ndarray],
    n_items: int,
    n_columns: int,
    design: Design,
    levels: Mapping[str, np.ndarray],
) -> CellStats:
    """Reduce respondents to cell sums.

    ``basis(rows)`` returns the basis matrix (len(rows), n_columns) for the given respondent indices;
    float32 is used for 0/1 bases, whose cross-products are exact integer counts.
    """
    n = design.n
    nb = 2 * n_items
    cal = design.calibration
    calib = cal.cells if cal is not None else np.zeros(n, dtype=np.int64)
    names = list(levels)
    cell, n_cells = combine_codes([design.strata, calib, *(levels[k] for k in names)])
    counts = np.bincount(cell, minlength=n_cells)
    order = np.argsort(cell.astype(np.uint16) if n_cells <= 1 << 16 else cell, kind="stable")
    ends = np.cumsum(counts)
    starts = ends - counts
    first = order[starts]
    weights = design.respondent_weights()
    base = cal.base_weights if cal is not None else weights
    w_sorted = weights[order]
    d_sorted = base[order]
    w_cell = w_sorted[starts]
    d_cell = d_sorted[starts]
    constant = bool(
        np.array_equal(w_sorted, np.repeat(w_cell, counts))
        and np.array_equal(d_sorted, np.repeat(d_cell, counts))
    )
    cell_sorted = cell[order]

    unweighted = np.zeros((n_cells, n_columns))
    cross = np.zeros((n_cells, nb, nb))
    if not constant:
        base_sum = np.zeros((n_cells, n_columns))
        lin_sum = np.zeros((n_cells, n_columns))
        sq_sum = np.zeros((n_cells, n_columns))
        cross_lin = np.zeros((n_cells, nb, nb))
        cross_count = np.zeros((n_cells, nb, nb))
    for lo in range(0, n, _CHUNK_ROWS):
        hi = min(lo + _CHUNK_ROWS, n)
        ids = cell_sorted[lo:hi]
        seg = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
        seg_end = np.append(seg[1:], hi - lo)
        seg_cells = ids[seg]
        x = basis(order[lo:hi])
        # Chunk sums of a 0/1 basis are integers below 2**24: exact in float32.
        unweighted[seg_cells] += np.add.reduceat(x, seg, axis=0)
        if constant:
            core = x[:, :nb]
            for c, a, b in zip(seg_cells, seg, seg_end, strict=True):
                part = core[a:b]
                cross[c] += part.T @ part
        else:
            w = w_sorted[lo:hi, None]
            xw = x.astype(np.float64) * w
            base_sum[seg_cells] += np.add.reduceat(x * d_sorted[lo:hi, None], seg, axis=0)
            lin_sum[seg_cells] += np.add.reduceat(xw, seg, axis=0)
            sq_sum[seg_cells] += np.add.reduceat(xw * w, seg, axis=0)
            core, core_w = x[:, :nb].astype(np.float64), xw[:, :nb]
            for c, a, b in zip(seg_cells, seg, seg_end, strict=True):
                cross[c] += core_w[a:b].T @ core_w[a:b]
                cross_lin[c] += core[a:b].T @ core_w[a:b]
                cross_count[c] += core[a:b].T @ core[a:b]
    if constant:
        base_sum = unweighted * d_cell[:, None]
        lin_sum = unweighted * w_cell[:, None]
        sq_sum = unweighted * (w_cell * w_cell)[:, None]
        cross_lin = cross * w_cell[:, None, None]
        cross *= (w_cell * w_cell)[:, None, None]
        base_w, lin_w, sq_w = counts * d_cell, counts * w_cell, counts * w_cell * w_cell
        cell_weight, cross_count = w_cell.astype(np.float64), None
    else:
        base_w = np.bincount(cell_sorted, weights=d_sorted, minlength=n_cells)
        lin_w = np.bincount(cell_sorted, weights=w_sorted, minlength=n_cells)
        sq_w = np.bincount(cell_sorted, weights=w_sorted * w_sorted, minlength=n_cells)
        cell_weight = None

    stratum = design.strata[first]
    n_h = np.bincount(design.strata)
    with np.errstate(divide="ignore", invalid="ignore"):
        f_h = np.where(n_h > 1, n_h / (n_h - 1.0), 0.0)
        centre = np.where(n_h > 1, f_h / n_h, 0.0)
    f_h[n_h == 1] = 1.0 if design.lonely == "adjust" else 0.0

    if cal is not None:
        n_calib = cal.n_cells
        calib_count = np.bincount(cal.cells, minlength=n_calib).astype(np.float64)
        calib_base = np.bincount(cal.cells, weights=cal.base_weights, minlength=n_calib)
        kind, margins, ratios = cal.kind, cal.margins, cal.step_ratios
    else:
        n_calib, kind, margins, ratios = 1, None, (), np.ones((0, 1))
        calib_count = np.array([float(n)])
        calib_base = np.array([float(weights.sum())])
    return CellStats(
        n_items=n_items,
        counts=counts,
        stratum=stratum,
        calib=calib[first],
        levels={k: levels[k][first] for k in names},
        unweighted=unweighted,
        base_sum=base_sum,
        lin_sum=lin_sum,
        sq_sum=sq_sum,
        base_w=base_w.astype(np.float64),
        lin_w=lin_w.astype(np.float64),
        sq_w=sq_w.astype(np.float64),
        cross_lin=cross_lin,
        cross_sq=cross,
        cell_weight=cell_weight,
        cross_count=cross_count,
        f_cell=f_h[stratum],
        centre=centre,
        kind=kind,
        n_calib=n_calib,
        calib_count=calib_count,
        calib_base=calib_base,
        margins=margins,
        step_ratios=ratios,
    )


def _adjustment(
    stats: CellStats, member: np.ndarray, n_domains: int, ell: np.ndarray, rsel: np.ndarray
) -> np.ndarray:
    """Projected calibration adjustment ``eta`` of shape (len(rsel), n_domains, J).

    ``member`` gives each cell's domain index (0..n_domains-1, or -1), ``ell`` (n_domains, J, 2K) the
    functionals; for raking ``rsel`` must be all calibration cells.
    """
    nb = stats.n_basis
    inside = np.flatnonzero(member >= 0)
    dom = member[inside]
    j = ell.shape[1]
    rloc = np.searchsorted(rsel, stats.calib[inside])
    if stats.kind != RAKE:
        proj = _apply(ell[dom], stats.base_sum[inside, :nb])
        eta = np.zeros((rsel.size, n_domains, j))
        np.add.at(eta, (rloc, dom), proj)
        base = stats.calib_base[rsel]
        return eta / np.where(base > 0, base, 1.0)[:, None, None]
    proj = _apply(ell[dom], stats.unweighted[inside, :nb])
    n_r = stats.calib_count
    total = np.zeros((n_r.size, n_domains, j))
    np.add.at(total, (rloc, dom), proj)
    total = total.reshape(n_r.size, -1)
    eta = np.zeros_like(total)
    indicator = [
        sparse.csr_array((np.ones(n_r.size), (g, np.arange(n_r.size))), shape=(int(g.max()) + 1, n_r.size))
        for g in stats.margins
    ]
    size = [ind @ n_r for ind in indicator]
    for _ in range(RAKE_PROJECTION_PASSES):
        for g, ind, n_g, rho in zip(stats.margins, indicator, size, stats.step_ratios, strict=True):
            mean = (ind @ ((total - n_r[:, None] * eta) / rho[:, None])) / n_g[:, None]
            eta += rho[:, None] * mean[g]
    return eta.reshape(n_r.size, n_domains, j)


def _alpha_beta(stats: CellStats, rsel: np.ndarray) -> tuple[np.ndarray, sparse.csr_array]:
    """Return :math:`\\alpha_r = \\sum_{c \\subset r} f_c W_c` and
    :math:`\\beta_{hr} = \\sum_{c \\subset h \\cap r} V_c`."""
    pos = np.searchsorted(rsel, stats.calib)
    hit = (pos < rsel.size) & (rsel[np.minimum(pos, rsel.size - 1)] == stats.calib)
    alpha = np.bincount(pos[hit], weights=(stats.f_cell * stats.sq_w)[hit], minlength=rsel.size)
    beta = sparse.csr_array(
        (stats.lin_w[hit], (stats.stratum[hit], pos[hit])), shape=(stats.centre.size, rsel.size)
    )
    return alpha, beta


def _apply(ell: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Batched ``ell[c] @ vectors[c]``: (C, J, B) with (C, B) -> (C, J)."""
    return np.matmul(ell, vectors[:, :, None])[:, :, 0]


def _outer_sum(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``sum_h left[h, d, :] outer right[h, d, :]`` for every d: (H, D, J) x (H, D, K) -> (D, J, K)."""
    return np.matmul(left.transpose(1, 2, 0), right.transpose(1, 0, 2))


def within_covariance(
    stats: CellStats, member: np.ndarray, n_domains: int, ell: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Covariance (D, J, J) of the J estimates of each domain, from functionals ``ell`` (D, J, 2K).

    Also returns :math:`|\\ell|^\\top |\\sum_c f_c B_c|\\, |\\ell|` (D, J), a bound on the size of the terms
    each variance is computed from, hence the scale of its rounding error.
    """
    nb = stats.n_basis
    j = ell.shape[1]
    inside = np.flatnonzero(member >= 0)
    dom = member[inside]
    l_cell = ell[dom]
    f = stats.f_cell[inside]
    quad = group_sum(dom, stats.cross_sq[inside] * f[:, None, None], n_domains)
    cov = ell @ quad @ ell.transpose(0, 2, 1)
    gross = np.einsum("djk,dkl,djl->dj", np.abs(ell), np.abs(quad), np.abs(ell))
    lin = _apply(l_cell, stats.lin_sum[inside, :nb])
    sq = _apply(l_cell, stats.sq_sum[inside, :nb])
    h = stats.stratum[inside]
    if stats.kind is None:
        keys = h * n_domains + dom
        n_strata = int(stats.centre.size)
        sums = group_sum(keys, lin, n_strata * n_domains).reshape(n_strata, n_domains, j)
        weighted = sums * stats.centre[:, None, None]
        cov -= _outer_sum(weighted, sums)
        return cov, gross
    all_r = np.arange(stats.n_calib)
    per_block = max(1, _BLOCK_VALUES // (j * stats.n_calib))
    for lo in range(0, n_domains, per_block):
        hi = min(lo + per_block, n_domains)
        in_block = (dom >= lo) & (dom < hi)
        block_member = np.where(member >= lo, member - lo, -1)
        block_member[member >= hi] = -1
        rsel = all_r if stats.kind == RAKE else np.unique(stats.calib[inside[in_block]])
        if rsel.size == 0:
            continue
        eta = _adjustment(stats, block_member, hi - lo, ell[lo:hi], rsel)
        alpha, beta = _alpha_beta(stats, rsel)
        cells = inside[in_block]
        bdom = dom[in_block] - lo
        at_cell = eta[np.searchsorted(rsel, stats.calib[cells]), bdom]  # (Cb, J)
        fs = sq[in_block] * f[in_block][:, None]
        mixed = group_sum(bdom, fs[:, :, None] * at_cell[:, None, :], hi - lo)
        outer = np.matmul((eta * alpha[:, None, None]).transpose(1, 2, 0), eta.transpose(1, 0, 2))
        sums = (beta @ eta.reshape(rsel.size, -1)).reshape(-1, hi - lo, j)
        sums = -sums
        np.add.at(sums, (h[in_block], bdom), lin[in_block])
        weighted = sums * stats.centre[:, None, None]
        centring = _outer_sum(weighted, sums)
        cov[lo:hi] += -mixed - mixed.transpose(0, 2, 1) + outer - centring
    return cov, gross


def pairwise_covariance(stats: CellStats, member: np.ndarray, n_domains: int, ell: np.ndarray) -> np.ndarray:
    """Covariance (D, D) between the domains of one level for one estimate each; ``ell`` is (D, 2K)."""
    nb = stats.n_basis
    inside = np.flatnonzero(member >= 0)
    dom = member[inside]
    f = stats.f_cell[inside]
    quad = group_sum(dom, stats.cross_sq[inside] * f[:, None, None], n_domains)
    cov = np.diag(np.einsum("dk,dkl,dl->d", ell, quad, ell))
    lin = np.einsum("ck,ck->c", ell[dom], stats.lin_sum[inside, :nb])
    sq = np.einsum("ck,ck->c", ell[dom], stats.sq_sum[inside, :nb])
    n_strata = stats.centre.size
    sums = np.zeros((n_strata, n_domains))
    np.add.at(sums, (stats.stratum[inside], dom), lin)
    if stats.kind is not None:
        rsel = np.arange(stats.n_calib)
        eta = _adjustment(stats, member, n_domains, ell[:, None, :], rsel)[:, :, 0]  # (R, D)
        alpha, beta = _alpha_beta(stats, rsel)
        at_cell = eta[stats.calib[inside]]  # (Ci, D)
        mixed = group_sum(dom, (sq * f)[:, None] * at_cell, n_domains)
        cov += -mixed - mixed.T + (eta * alpha[:, None]).T @ eta
        sums -= beta @ eta
    cov -= sums.T @ (sums * stats.centre[:, None])
    return cov


def cross_covariance(
    stats: CellStats,
    member_a: np.ndarray,
    ell_a: np.ndarray,
    member_b: np.ndarray,
    ell_b: np.ndarray,
) -> np.ndarray:
    """Covariance (Ja, Jb) between the estimates of two domains (any levels).

    ``member_a`` / ``member_b`` are boolean over cells; ``ell_a`` (Ja, 2K) and ``ell_b`` (Jb, 2K).
    """
    nb = stats.n_basis
    f = stats.f_cell
    both = member_a & member_b
    quad = np.einsum("c,ckl->kl", f[both], stats.cross_sq[both])
    cov = ell_a @ quad @ ell_b.T
    lin_a = np.where(member_a[:, None], stats.lin_sum[:, :nb] @ ell_a.T, 0.0)  # (C, Ja)
    lin_b = np.where(member_b[:, None], stats.lin_sum[:, :nb] @ ell_b.T, 0.0)
    n_strata = stats.centre.size
    sums_a = group_sum(stats.stratum, lin_a, n_strata)
    sums_b = group_sum(stats.stratum, lin_b, n_strata)
    if stats.kind is not None:
        rsel = np.arange(stats.n_calib)
        eta_a = _adjustment(stats, np.where(member_a, 0, -1), 1, ell_a[None], rsel)[:, 0, :]  # (R, Ja)
        eta_b = _adjustment(stats, np.where(member_b, 0, -1), 1, ell_b[None], rsel)[:, 0, :]
        alpha, beta = _alpha_beta(stats, rsel)
        sq_a = np.where(member_a[:, None], stats.sq_sum[:, :nb] @ ell_a.T, 0.0) * f[:, None]
        sq_b = np.where(member_b[:, None], stats.sq_sum[:, :nb] @ ell_b.T, 0.0) * f[:, None]
        cov -= sq_a.T @ eta_b[stats.calib] + eta_a[stats.calib].T @ sq_b
        cov += (eta_a * alpha[:, None]).T @ eta_b
        sums_a = sums_a - beta @ eta_a
        sums_b = sums_b - beta @ eta_b
    cov -= sums_a.T @ (sums_b * stats.centre[:, None])
    return cov
