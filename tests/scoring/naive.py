"""A slow, literal transcription of R's survey estimators, for checking the fast engine in tests.

Influence values are built respondent by respondent and adjusted exactly as R's ``svyrecvar`` does
(``postStratify``: residuals from the old-weight cell means; ``rake``: ten passes of margin means).
"""

from __future__ import annotations

import numpy as np

from scoring import Calibration, Design


def adjust(z: np.ndarray, design: Design) -> np.ndarray:
    """Calibration adjustment of influence values z (n, J), as in R's svyrecvar."""
    cal: Calibration | None = design.calibration
    if cal is None:
        return z
    z = z.copy()
    w = cal.weights
    if cal.kind == "poststratify":
        old = cal.base_weights
        g = cal.cells
        num = np.zeros((cal.n_cells, z.shape[1]))
        np.add.at(num, g, z * (old / w)[:, None])
        den = np.bincount(g, weights=old, minlength=cal.n_cells)
        return z - (num / np.where(den > 0, den, 1.0)[:, None])[g] * w[:, None]
    for _ in range(10):
        for m, margin in enumerate(cal.margins):
            psw = w * cal.step_ratios[m][cal.cells]
            cells = margin[cal.cells]
            ratio = z / psw[:, None]
            sums = np.zeros((int(cells.max()) + 1, z.shape[1]))
            np.add.at(sums, cells, ratio)
            counts = np.bincount(cells)
            z = z - psw[:, None] * (sums / counts[:, None])[cells]
    return z


def variance(z: np.ndarray, design: Design) -> np.ndarray:
    """Stratified with-replacement covariance of the totals of z (n, J)."""
    z = adjust(z, design)
    out = np.zeros((z.shape[1], z.shape[1]))
    for h in np.unique(design.strata):
        rows = z[design.strata == h]
        n_h = rows.shape[0]
        if n_h == 1:
            if design.lonely == "adjust":
                out += rows.T @ rows
            continue
        dev = rows - rows.mean(axis=0)
        out += n_h / (n_h - 1) * dev.T @ dev
    return out


def domain_ratios(codes: np.ndarray, satisfied: set[int], design: Design, in_domain: np.ndarray):
    """Criterion estimates and influence values of one domain: (p (K,), z (n, K))."""
    w = design.respondent_weights()
    m = (codes > 0) & in_domain[:, None]
    y = np.isin(codes, list(satisfied))
    wm = w[:, None] * m
    total = wm.sum(axis=0)
    p = (wm * y).sum(axis=0) / np.where(total > 0, total, 1)
    z = wm * (y - p) / np.where(total > 0, total, 1)
    return p, z
