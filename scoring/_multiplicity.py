"""Adjusted p-values for a family of tests: Holm (family-wise error) and Benjamini–Hochberg (false discovery).

Use Holm when a "significant" call has consequences for a unit (a district named as worse than another);
use Benjamini–Hochberg when screening many units for follow-up, where a controlled share of false alarms is
acceptable.

A p-value of ``nan`` means "not tested" (for instance a pair without a usable variance): it is left out of the
family, so it does not count towards the number of tests, and its adjusted value is ``nan``. This is what R's
``p.adjust`` does with ``NA``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["AdjustMethod", "adjust_pvalues", "benjamini_hochberg", "holm", "reject"]

AdjustMethod = Literal["holm", "bh", "none"]


def _as_pvalues(p: ArrayLike) -> NDArray[np.float64]:
    """Return ``p`` as a new 1-D float array, checking that every value is ``nan`` or lies in [0, 1]."""
    arr = np.array(p, dtype=float, ndmin=1)
    if arr.ndim != 1:
        raise ValueError(f"The p-values must form a one-dimensional array; got shape {arr.shape}.")
    tested = arr[~np.isnan(arr)]
    if np.any((tested < 0.0) | (tested > 1.0)):
        raise ValueError("Every p-value must lie between 0 and 1 (nan marks a test that was not done).")
    return arr


def _step(
    p: ArrayLike, adjust_sorted: Callable[[NDArray[np.float64], int], NDArray[np.float64]]
) -> NDArray[np.float64]:
    """Apply ``adjust_sorted(sorted p-values, m)`` to the tested p-values, cap at 1, restore the order."""
    arr = _as_pvalues(p)
    out = np.full(arr.shape, np.nan)
    tested = np.flatnonzero(~np.isnan(arr))
    if tested.size == 0:
        return out
    order = tested[np.argsort(arr[tested], kind="stable")]
    out[order] = np.minimum(adjust_sorted(arr[order], tested.size), 1.0)
    return out


def holm(p: ArrayLike) -> NDArray[np.float64]:
    r"""Holm's step-down adjusted p-values, which control the family-wise error rate.

    Parameters
    ----------
    p : array_like, 1-D
        Raw p-values in [0, 1]; ``nan`` marks a test that was not done and is left out of the family.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the order of ``p``; ``nan`` where ``p`` is ``nan``.

    Notes
    -----
    With the :math:`m` non-missing p-values sorted, :math:`p_{(1)} \le \dots \le p_{(m)}`,

    .. math::

        \tilde p_{(i)} = \min\Bigl\{1,\ \max_{j \le i}\,(m - j + 1)\, p_{(j)}\Bigr\}.

    Rejecting :math:`H_i` when :math:`\tilde p_i \le \alpha` is Holm's procedure: the probability of one or
    more false rejections is at most :math:`\alpha` whatever the dependence between the tests. Tied p-values
    receive the same adjusted value, and the adjusted values are monotone in the raw ones.

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian Journal of
    Statistics* 6:65–70.

    Examples
    --------
    >>> print(holm([0.01, 0.04, 0.03, 0.20]))
    [0.04 0.09 0.09 0.2 ]
    """
    return _step(p, lambda ps, m: np.maximum.accumulate((m - np.arange(m)) * ps))


def benjamini_hochberg(p: ArrayLike) -> NDArray[np.float64]:
    r"""Benjamini–Hochberg step-up adjusted p-values, which control the false discovery rate.

    Parameters
    ----------
    p : array_like, 1-D
        Raw p-values in [0, 1]; ``nan`` marks a test that was not done and is left out of the family.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values ("q-values" in the sense of R's ``p.adjust(method = "BH")``) in the order of ``p``;
        ``nan`` where ``p`` is ``nan``.

    Notes
    -----
    With the :math:`m` non-missing p-values sorted, :math:`p_{(1)} \le \dots \le p_{(m)}`,

    .. math::

        \tilde p_{(i)} = \min\Bigl\{1,\ \min_{j \ge i}\, \frac{m}{j}\, p_{(j)}\Bigr\}.

    Rejecting when :math:`\tilde p_i \le q` keeps the expected share of false discoveries among the
    discoveries at most :math:`q` for independent or positively dependent tests (Benjamini & Yekutieli 2001).
    The adjusted values never exceed Holm's.

    References
    ----------
    Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate: a practical and powerful
    approach to multiple testing. *Journal of the Royal Statistical Society B* 57:289–300.

    Benjamini, Y. & Yekutieli, D. (2001). The control of the false discovery rate in multiple testing under
    dependency. *Annals of Statistics* 29:1165–1188.

    Examples
    --------
    >>> print(benjamini_hochberg([0.01, 0.04, 0.03, 0.20]).round(4))
    [0.04   0.0533 0.0533 0.2   ]
    """
    return _step(p, lambda ps, m: np.minimum.accumulate((m / np.arange(1, m + 1) * ps)[::-1])[::-1])


def adjust_pvalues(p: ArrayLike, method: AdjustMethod = "holm") -> NDArray[np.float64]:
    r"""Adjust a family of p-values by Holm, Benjamini–Hochberg, or not at all.

    Parameters
    ----------
    p : array_like, 1-D
        Raw p-values in [0, 1]; ``nan`` marks a test that was not done.
    method : {"holm", "bh", "none"}
        ``"holm"`` (family-wise error; for decisions with consequences), ``"bh"`` (false discovery rate; for
        screening) or ``"none"`` (a single planned comparison).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the order of ``p``.

    Notes
    -----
    See :func:`holm` and :func:`benjamini_hochberg` for the formulas; ``"none"`` returns
    :math:`\tilde p_i = p_i`.

    References
    ----------
    Holm (1979); Benjamini & Hochberg (1995), as in :func:`holm` and :func:`benjamini_hochberg`.

    Examples
    --------
    >>> print(adjust_pvalues([0.01, 0.02, 0.5], method="bh"))
    [0.03 0.03 0.5 ]
    """
    if method == "holm":
        return holm(p)
    if method == "bh":
        return benjamini_hochberg(p)
    if method == "none":
        return _as_pvalues(p)
    raise ValueError(f"The adjustment method must be 'holm', 'bh' or 'none'; got {method!r}.")


def reject(p_adjusted: ArrayLike, alpha: float = 0.05) -> NDArray[np.bool_]:
    r"""Which hypotheses are rejected at level ``alpha``, given adjusted p-values.

    Parameters
    ----------
    p_adjusted : array_like, 1-D
        Adjusted p-values in [0, 1]; ``nan`` (not tested) is never rejected.
    alpha : float
        The family-wise error rate (Holm) or false discovery rate (Benjamini–Hochberg), in (0, 1).

    Returns
    -------
    numpy.ndarray of bool
        ``True`` where :math:`\tilde p_i \le \alpha`.

    Notes
    -----
    .. math::

        \text{reject } H_i \iff \tilde p_i \le \alpha .

    References
    ----------
    Wright, S. P. (1992). Adjusted p-values for simultaneous inference. *Biometrics* 48:1005–1013.

    Examples
    --------
    >>> print(reject(holm([0.001, 0.02, 0.04]), alpha=0.05))
    [ True  True  True]
    >>> print(reject(holm([0.001, 0.03, 0.04]), alpha=0.05))
    [ True False False]
    """
    if not (0.0 < alpha < 1.0):
        raise ValueError(f"The level alpha must lie strictly between 0 and 1; got {alpha!r}.")
    arr = _as_pvalues(p_adjusted)
    with np.errstate(invalid="ignore"):
        return np.asarray(arr <= alpha) & ~np.isnan(arr)
