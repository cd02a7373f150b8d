"""Pairwise comparisons of units (agencies, districts, communes) from their joint covariance matrix.

The estimates of different units come from one survey; after post-stratification or raking they are
correlated, so the variance of a difference needs the covariance: V(a − b) = V_a + V_b − 2C_ab. Each
difference is tested with a t statistic, the family of tests is adjusted by Holm or Benjamini–Hochberg, and
every pair gets a decision: "higher", "lower", "no evidence of a difference" or "not testable" (a missing
estimate, or a difference without variance — never a significant call).

The private helpers at the bottom (vector checks, the t inference) are shared with the trend, funnel and
shrinkage modules of this package.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from scoring._multiplicity import AdjustMethod, adjust_pvalues

__all__ = [
    "HIGHER",
    "LOWER",
    "NOT_TESTABLE",
    "NO_EVIDENCE",
    "Comparisons",
    "compare_pairs",
    "compare_to_reference",
    "compare_to_value",
    "satterthwaite_df",
]

HIGHER = "higher"
LOWER = "lower"
NO_EVIDENCE = "no evidence of a difference"
NOT_TESTABLE = "not testable"

#: A difference whose variance is at most this fraction of V_a + V_b is treated as having no variance (the
#: remainder is rounding left by the subtraction V_a + V_b - 2C_ab of nearly equal numbers).
_ZERO_VARIANCE_RTOL = 1e-12

Unit = int | str


@dataclass(frozen=True)
class Comparisons:
    """A family of differences between units, each with its test, interval and decision.

    Every array has one entry per comparison, in the order the comparisons were asked for. The difference is
    always ``a − b``: a decision "higher" says unit ``a`` is higher than ``b``.

    Attributes
    ----------
    label_a, label_b : numpy.ndarray of str
        The two sides of each comparison (``label_b`` is the reference's label when comparing with a value).
    estimate_a, estimate_b, difference : numpy.ndarray
        The estimates and their difference ``a − b`` (``nan`` when an estimate is missing).
    se : numpy.ndarray
        Standard error of the difference, :math:`\\sqrt{V_a + V_b - 2C_{ab}}`.
    df : numpy.ndarray
        Degrees of freedom of the t reference distribution (``inf``: standard normal).
    statistic, p_value, p_adjusted : numpy.ndarray
        t statistic, two-sided p-value and p-value adjusted over the testable comparisons (``nan`` when not
        testable).
    lower, upper : numpy.ndarray
        Marginal confidence interval for the difference at ``level`` (not adjusted for multiplicity).
    adjusted_lower, adjusted_upper : numpy.ndarray
        Interval adjusted as the decision is: at level :math:`1 - \\alpha/k`, with :math:`k = \\min(m,
        \\tilde p/p)` the comparison's effective multiplicity (:math:`\\tilde p` its adjusted p-value, :math:`m`
        the testable comparisons). It excludes 0 exactly when the decision says "higher" or "lower"; with
        ``adjust="none"`` it is the marginal interval. Print these beside adjusted decisions.
    testable : numpy.ndarray of bool
        Whether both estimates exist and the difference has a positive variance.
    decision : numpy.ndarray of str
        "higher", "lower", "no evidence of a difference" or "not testable", from the adjusted p-value at
        ``1 − level``.
    adjust : str
        The multiplicity adjustment used: "holm", "bh" or "none".
    level : float
        Confidence level of the intervals; the adjusted p-values are compared with ``1 − level``.
    """

    label_a: NDArray[np.str_]
    label_b: NDArray[np.str_]
    estimate_a: NDArray[np.float64]
    estimate_b: NDArray[np.float64]
    difference: NDArray[np.float64]
    se: NDArray[np.float64]
    df: NDArray[np.float64]
    statistic: NDArray[np.float64]
    p_value: NDArray[np.float64]
    p_adjusted: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    adjusted_lower: NDArray[np.float64]
    adjusted_upper: NDArray[np.float64]
    testable: NDArray[np.bool_]
    decision: NDArray[np.str_]
    adjust: str
    level: float

    def __len__(self) -> int:
        return int(self.difference.size)

    def rows(self) -> Iterator[dict[str, str | float | bool]]:
        """Yield one plain dictionary per comparison (Python floats, str and bool), for tables and exports."""
        return _array_rows(self)


def satterthwaite_df(coefficients: ArrayLike, variances: ArrayLike, df: ArrayLike) -> NDArray[np.float64]:
    r"""Welch–Satterthwaite degrees of freedom of linear combinations of independent estimates.

    Parameters
    ----------
    coefficients : array_like, shape (k,) or (m, k)
        Coefficients :math:`c` of one combination, or of ``m`` combinations (rows), of ``k`` estimates.
    variances : array_like, shape (k,)
        Variances :math:`V_j \ge 0` of the estimates.
    df : array_like, shape (k,)
        Degrees of freedom :math:`\nu_j > 0` of each variance (``inf`` for a known variance).

    Returns
    -------
    numpy.ndarray, shape (m,)
        The approximate degrees of freedom of each combination; ``inf`` when every contributing variance has
        infinite df, ``nan`` when the combination has no variance.

    Notes
    -----
    .. math::

        \nu = \frac{\bigl(\sum_j c_j^2 V_j\bigr)^2}{\sum_j (c_j^2 V_j)^2 / \nu_j}.

    The formula assumes independent estimates (periods drawn as separate samples, units in disjoint strata);
    covariances between the estimates are not used for the degrees of freedom. The result lies between the
    smallest contributing :math:`\nu_j` and their sum.

    References
    ----------
    Satterthwaite, F. E. (1946). An approximate distribution of estimates of variance components. *Biometrics
    Bulletin* 2:110–114.

    Welch, B. L. (1947). The generalization of "Student's" problem when several different population variances
    are involved. *Biometrika* 34:28–35.

    Examples
    --------
    >>> print(satterthwaite_df([1.0, -1.0], [0.0004, 0.0001], [40.0, 20.0]).round(2))
    [55.56]
    """
    c = np.array(coefficients, dtype=float, ndmin=2)
    v = _as_vector("variances", variances)
    nu = _as_vector("df", df, allow_inf=True)
    if c.ndim != 2 or c.shape[1] != v.size or nu.size != v.size:
        raise ValueError(
            "The coefficients need one column per estimate, and variances and df one entry per estimate; "
            f"got coefficients of shape {c.shape}, {v.size} variances and {nu.size} df."
        )
    if not np.all(np.isfinite(c)) or not np.all(np.isfinite(v)) or np.any(v < 0):
        raise ValueError("The coefficients must be finite and the variances finite and non-negative.")
    _check_df(nu)
    return _satterthwaite(c**2 * v, np.broadcast_to(nu, c.shape))


def compare_pairs(
    estimates: ArrayLike,
    cov: ArrayLike,
    df: ArrayLike,
    labels: Sequence[str] | None = None,
    *,
    pairs: Sequence[tuple[Unit, Unit]] | None = None,
    adjust: AdjustMethod = "holm",
    level: float = 0.95,
    df_per: Literal["pair", "unit"] = "pair",
) -> Comparisons:
    r"""Test differences between units, with their joint covariance, adjusted for multiplicity.

    Parameters
    ----------
    estimates : array_like, shape (k,)
        Unit estimates (proportions or indices); ``nan`` for a unit without an estimate.
    cov : array_like, shape (k, k) or (k,)
        Joint covariance matrix of the estimates (symmetric, positive semi-definite), or their variances when
        the units are independent. Rows and columns of units without an estimate are ignored (may be ``nan``).
    df : float or array_like
        Degrees of freedom: one number for all comparisons, or one per comparison (``df_per="pair"``, in the
        order of ``pairs``), or one per unit (``df_per="unit"``, combined per pair by
        :func:`satterthwaite_df`). ``inf`` gives a normal reference; ``nan`` makes a comparison not testable.
    labels : sequence of str, optional
        Unique unit labels; by default ``"0"``, ``"1"``, ...
    pairs : sequence of (unit, unit), optional
        The comparisons to make, each unit given by label or position. By default every pair
        :math:`(i, j)`, :math:`i < j`, in the order (0, 1), (0, 2), ..., (1, 2), ...
    adjust : {"holm", "bh", "none"}
        Multiplicity adjustment over the testable comparisons of the family.
    level : float
        Confidence level of the intervals; decisions use adjusted p-values at :math:`1 -` ``level``.
    df_per : {"pair", "unit"}
        How to read an array ``df``.

    Returns
    -------
    Comparisons
        One entry per pair, with difference ``a − b``, SE, t, p-values, interval and decision.

    Notes
    -----
    For a pair :math:`(a, b)`:

    .. math::

        d = \hat\theta_a - \hat\theta_b,\quad
        \widehat{V}(d) = V_a + V_b - 2C_{ab},\quad
        t = d / \sqrt{\widehat V(d)},\quad
        p = 2\,P(T_\nu > |t|),\quad
        d \pm t_{\nu, (1+\text{level})/2}\sqrt{\widehat V(d)}.

    After raking, :math:`C_{ab} \ne 0` even for disjoint strata; ignoring a positive covariance overstates the
    SE of the difference. A comparison is *not testable* when an estimate (or its df) is missing or when
    :math:`\widehat V(d)` is zero (both units at 100 %, say); such comparisons get ``nan`` p-values, are left
    out of the family for the adjustment, and are never called significant. The intervals are marginal: the
    adjusted decisions, not the intervals, control the error rate over the family.

    References
    ----------
    Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley (domain estimates and their
    contrasts, R ``svyby`` and ``svycontrast``).

    Holm, S. (1979). *Scandinavian Journal of Statistics* 6:65–70.

    Examples
    --------
    >>> est = [0.95, 0.84, 0.90]
    >>> cov = [[2e-4, 1e-4, 0.0], [1e-4, 9e-4, 0.0], [0.0, 0.0, 3e-4]]
    >>> res = compare_pairs(est, cov, df=60, labels=["A", "B", "C"])
    >>> for row in res.rows():
    ...     print(row["label_a"], row["label_b"], round(row["se"], 4), round(row["p_adjusted"], 4),
    ...           row["decision"])
    A B 0.03 0.0016 higher
    A C 0.0224 0.0582 no evidence of a difference
    B C 0.0346 0.0884 no evidence of a difference
    """
    est = _as_vector("estimates", estimates, allow_nan=True)
    names = _labels(labels, est.size)
    index_a, index_b = _resolve_pairs(pairs, names)
    matrix = _covariance(cov, est)
    var_a, var_b = np.diag(matrix)[index_a], np.diag(matrix)[index_b]
    var_diff = var_a + var_b - 2.0 * matrix[index_a, index_b]
    if df_per == "unit":
        unit_df = _per_item_df(df, est.size, "unit")
        terms = np.stack([var_a, var_b], axis=-1)
        pair_df = _satterthwaite(terms, np.stack([unit_df[index_a], unit_df[index_b]], axis=-1))
    elif df_per == "pair":
        pair_df = _per_item_df(df, index_a.size, "comparison")
    else:
        raise ValueError(f"df_per must be 'pair' or 'unit'; got {df_per!r}.")
    zero = var_diff <= _ZERO_VARIANCE_RTOL * (var_a + var_b)
    return _build(
        names[index_a], names[index_b], est[index_a], est[index_b], var_diff, zero, pair_df, adjust, level
    )


def compare_to_reference(
    estimates: ArrayLike,
    cov: ArrayLike,
    df: ArrayLike,
    labels: Sequence[str] | None = None,
    *,
    reference: Unit,
    adjust: AdjustMethod = "holm",
    level: float = 0.95,
    df_per: Literal["pair", "unit"] = "pair",
) -> Comparisons:
    r"""Compare every unit with one reference unit that shares the covariance matrix (e.g. the province).

    Parameters
    ----------
    estimates, cov, df, labels, adjust, level, df_per
        As in :func:`compare_pairs`; ``df`` per pair follows the order of the units without the reference.
    reference : int or str
        The reference unit, by position or label. Include the province as a unit of the covariance matrix to
        compare each district with it: a district is part of the province, so the two are correlated.

    Returns
    -------
    Comparisons
        One comparison ``unit − reference`` per other unit, in the order of the units.

    Notes
    -----
    Exactly :func:`compare_pairs` with pairs :math:`(i, r)` for every :math:`i \ne r`:

    .. math::

        \widehat V(\hat\theta_i - \hat\theta_r) = V_i + V_r - 2C_{ir}.

    References
    ----------
    Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley.

    Examples
    --------
    >>> est = [0.93, 0.84, 0.89]  # two districts and the province that contains them
    >>> cov = [[4e-4, 0.0, 2e-4], [0.0, 6e-4, 2e-4], [2e-4, 2e-4, 2e-4]]
    >>> res = compare_to_reference(est, cov, 200, ["D1", "D2", "province"], reference="province")
    >>> print(res.decision.tolist(), res.se.round(4).tolist())
    ['higher', 'lower'] [0.0141, 0.02]
    """
    est = _as_vector("estimates", estimates, allow_nan=True)
    names = _labels(labels, est.size)
    ref = _unit_index(reference, names)
    pairs = [(i, ref) for i in range(est.size) if i != ref]
    return compare_pairs(est, cov, df, names, pairs=pairs, adjust=adjust, level=level, df_per=df_per)


def compare_to_value(
    estimates: ArrayLike,
    variances: ArrayLike,
    df: ArrayLike,
    value: float,
    labels: Sequence[str] | None = None,
    *,
    value_label: str = "reference",
    adjust: AdjustMethod = "holm",
    level: float = 0.95,
) -> Comparisons:
    r"""Compare every unit with a fixed value known without error (a published figure, last year's target).

    Parameters
    ----------
    estimates : array_like, shape (k,)
        Unit estimates; ``nan`` for a unit without an estimate.
    variances : array_like, shape (k,) or (k, k)
        Variances of the estimates (only the diagonal of a covariance matrix is used).
    df : float or array_like, shape (k,)
        Degrees of freedom, one number or one per unit.
    value : float
        The fixed reference value.
    labels : sequence of str, optional
        Unique unit labels.
    value_label : str
        Label of the reference in ``label_b``.
    adjust, level
        As in :func:`compare_pairs`.

    Returns
    -------
    Comparisons
        One comparison ``unit − value`` per unit.

    Notes
    -----
    .. math::

        t_i = (\hat\theta_i - v)/\sqrt{V_i}.

    This is a two-sided test of equality. To judge a unit against the 90 % target use the one-sided target
    decision with an exact-type interval instead; this function suits a reference that is itself a figure
    to match, such as a province estimate from an independent survey whose error is negligible.

    References
    ----------
    Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley.

    Examples
    --------
    >>> res = compare_to_value([0.95, 0.80], [1e-4, 4e-4], float("inf"), 0.9, ["A", "B"], value_label="2025")
    >>> print(res.difference.round(2).tolist(), res.decision.tolist())
    [0.05, -0.1] ['higher', 'lower']
    """
    est = _as_vector("estimates", estimates, allow_nan=True)
    names = _labels(labels, est.size)
    if not np.isfinite(value):
        raise ValueError(f"The reference value must be a finite number; got {value!r}.")
    var = np.array(variances, dtype=float)
    if var.ndim == 2:
        if var.shape != (est.size, est.size):
            raise ValueError(f"The covariance matrix must be {est.size} x {est.size}; got shape {var.shape}.")
        var = np.diag(var).copy()
    var = _as_vector("variances", var, allow_nan=True)
    if var.size != est.size:
        raise ValueError(f"There are {est.size} estimates but {var.size} variances.")
    var[np.isnan(est)] = np.nan
    observed = ~np.isnan(est)
    if np.any(np.isnan(var[observed])) or np.any(var[observed] < 0):
        raise ValueError("Every unit with an estimate needs a finite, non-negative variance.")
    return _build(
        names,
        np.full(est.size, value_label),
        est,
        np.full(est.size, float(value)),
        var,
        var <= 0.0,
        _per_item_df(df, est.size, "unit"),
        adjust,
        level,
    )


def _build(
    label_a: NDArray[np.str_],
    label_b: NDArray[np.str_],
    est_a: NDArray[np.float64],
    est_b: NDArray[np.float64],
    var_diff: NDArray[np.float64],
    zero_variance: NDArray[np.bool_],
    df: NDArray[np.float64],
    adjust: AdjustMethod,
    level: float,
) -> Comparisons:
    """Assemble the comparison table from differences, their variances and df."""
    _check_level(level)
    diff = est_a - est_b
    with np.errstate(invalid="ignore"):
        testable = np.isfinite(diff) & ~np.isnan(df) & ~zero_variance & (var_diff > 0)
    se = np.where(np.isfinite(diff), np.sqrt(np.where(var_diff >= 0, var_diff, np.nan)), np.nan)
    statistic, p_value, lower, upper = _t_inference(diff, se, df, level, testable)
    p_adjusted = adjust_pvalues(p_value, adjust)
    adjusted_lower, adjusted_upper = _adjusted_interval(diff, se, df, level, testable, p_value, p_adjusted)
    significant = testable & (p_adjusted <= 1.0 - level)
    decision = np.where(
        ~testable, NOT_TESTABLE, np.where(significant, np.where(diff > 0, HIGHER, LOWER), NO_EVIDENCE)
    )
    return Comparisons(
        label_a=_readonly(np.asarray(label_a, dtype=str)),
        label_b=_readonly(np.asarray(label_b, dtype=str)),
        estimate_a=_readonly(est_a),
        estimate_b=_readonly(est_b),
        difference=_readonly(diff),
        se=_readonly(se),
        df=_readonly(df),
        statistic=_readonly(statistic),
        p_value=_readonly(p_value),
        p_adjusted=_readonly(p_adjusted),
        lower=_readonly(lower),
        upper=_readonly(upper),
        adjusted_lower=_readonly(adjusted_lower),
        adjusted_upper=_readonly(adjusted_upper),
        testable=_readonly(testable),
        decision=_readonly(decision.astype(str)),
        adjust=adjust,
        level=float(level),
    )


def _adjusted_interval(
    diff: NDArray[np.float64],
    se: NDArray[np.float64],
    df: NDArray[np.float64],
    level: float,
    testable: NDArray[np.bool_],
    p_value: NDArray[np.float64],
    p_adjusted: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Intervals that agree with the adjusted decisions.

    Each comparison's interval is taken at level :math:`1 - \alpha/k` with :math:`\alpha = 1 -` ``level``
    and :math:`k = \min(m, \tilde p / p)` (:math:`k = m` when :math:`p = 0`), :math:`m` the number of
    testable comparisons. Then :math:`0 \notin` interval :math:`\iff p \le \alpha/k \iff \tilde p \le
    \alpha`, the adjusted decision. For Bonferroni, :math:`k = m` (Bonferroni intervals); for Holm, :math:`k`
    is the step at which the comparison is tested (Holm 1979); for Benjamini–Hochberg, :math:`k \approx m/r`
    for rank :math:`r`, the false-coverage-rate intervals of Benjamini and Yekutieli (2005, *JASA*
    100:71–81) in their selected-set form.
    """
    m = max(int(testable.sum()), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(p_value > 0, p_adjusted / p_value, m)
    k = np.clip(np.where(testable, ratio, 1.0), 1.0, m)
    alpha = (1.0 - level) / k
    _, _, lower, upper = _t_inference(diff, se, df, 1.0 - alpha, testable)
    return lower, upper


def _labels(labels: Sequence[str] | None, k: int) -> NDArray[np.str_]:
    """Unit labels as a string array, checked for length and uniqueness."""
    if labels is None:
        return np.array([str(i) for i in range(k)], dtype=str)
    names = [str(label) for label in labels]
    if len(names) != k:
        raise ValueError(f"There are {k} estimates but {len(names)} labels.")
    if len(set(names)) != k:
        raise ValueError("The unit labels must be unique.")
    return np.array(names, dtype=str)


def _unit_index(unit: Unit, names: NDArray[np.str_]) -> int:
    """Position of a unit given by position or by label."""
    if isinstance(unit, int | np.integer) and not isinstance(unit, bool):
        if not 0 <= unit < names.size:
            raise ValueError(f"Unit position {unit} is outside 0..{names.size - 1}.")
        return int(unit)
    hits = np.flatnonzero(names == str(unit))
    if hits.size == 0:
        raise ValueError(f"There is no unit labelled {unit!r}.")
    return int(hits[0])


def _resolve_pairs(
    pairs: Sequence[tuple[Unit, Unit]] | None, names: NDArray[np.str_]
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Positions of both sides of every pair; all pairs i < j when ``pairs`` is None."""
    if pairs is None:
        index_a, index_b = np.triu_indices(names.size, k=1)
        return index_a.astype(np.intp), index_b.astype(np.intp)
    resolved = []
    for pair in pairs:
        if len(pair) != 2:
            raise ValueError(f"Each pair must name exactly two units; got {pair!r}.")
        a, b = (_unit_index(unit, names) for unit in pair)
        if a == b:
            raise ValueError(f"A unit cannot be compared with itself ({names[a]!r}).")
        resolved.append((a, b))
    if len({frozenset(p) for p in resolved}) != len(resolved):
        raise ValueError("Each pair of units may appear only once in a family of comparisons.")
    arr = np.array(resolved, dtype=np.intp).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def _covariance(cov: ArrayLike, est: NDArray[np.float64]) -> NDArray[np.float64]:
    """The covariance matrix, validated on the units that have an estimate; ``nan`` elsewhere."""
    k = est.size
    matrix = np.array(cov, dtype=float)
    if matrix.ndim == 1:
        if matrix.size != k:
            raise ValueError(f"There are {k} estimates but {matrix.size} variances.")
        matrix = np.diag(matrix)
    if matrix.shape != (k, k):
        raise ValueError(f"The covariance matrix must be {k} x {k}; got shape {matrix.shape}.")
    observed = ~np.isnan(est)
    sub = matrix[np.ix_(observed, observed)]
    if not np.all(np.isfinite(sub)):
        raise ValueError("The covariance matrix must be finite for every unit that has an estimate.")
    scale = float(np.max(np.abs(sub), initial=0.0))
    if np.any(np.abs(sub - sub.T) > 1e-10 * scale):
        raise ValueError("The covariance matrix must be symmetric.")
    sub = (sub + sub.T) / 2.0
    diagonal = np.diag(sub)
    if np.any(diagonal < -1e-10 * scale):
        raise ValueError("The variances (diagonal of the covariance matrix) must be non-negative.")
    # A unit at exactly 0% or 100% has zero variance, which a linearised estimate may give as -1e-20.
    np.fill_diagonal(sub, np.maximum(diagonal, 0.0))
    if sub.size and np.linalg.eigvalsh(sub)[0] < -1e-10 * scale:
        raise ValueError("The covariance matrix must be positive semi-definite.")
    out = np.full((k, k), np.nan)
    out[np.ix_(observed, observed)] = sub
    return out


def _per_item_df(df: ArrayLike, m: int, what: str) -> NDArray[np.float64]:
    """Degrees of freedom broadcast to ``m`` items (comparisons or units), checked."""
    arr = np.array(df, dtype=float)
    if arr.ndim == 0:
        arr = np.full(m, float(arr))
    elif arr.shape != (m,):
        raise ValueError(f"df must be one number or one per {what} ({m}); got shape {arr.shape}.")
    _check_df(arr)
    return arr


def _check_df(df: NDArray[np.float64]) -> None:
    if np.any(df[~np.isnan(df)] <= 0):
        raise ValueError("Degrees of freedom must be positive (inf for a normal reference, nan if missing).")


def _satterthwaite(terms: NDArray[np.float64], df: NDArray[np.float64]) -> NDArray[np.float64]:
    """Satterthwaite df from variance terms ``u_j = c_j² V_j`` (last axis) and their df."""
    total = terms.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = np.where(terms > 0, terms**2 / df, 0.0).sum(axis=-1)
        out = np.where(denom > 0, total**2 / denom, np.inf)
    return np.where((total > 0) & ~np.isnan(denom), out, np.nan)


# Helpers shared with _trend, _funnel and _shrinkage ---------------------------------------------------------


def _as_vector(
    name: str, values: ArrayLike, *, allow_nan: bool = False, allow_inf: bool = False
) -> NDArray[np.float64]:
    """A new 1-D float array; ``nan`` and ``inf`` refused unless allowed."""
    arr = np.array(values, dtype=float, ndmin=1)
    if arr.ndim != 1:
        raise ValueError(f"The {name} must form a one-dimensional array; got shape {arr.shape}.")
    if not allow_inf and np.any(np.isinf(arr)):
        raise ValueError(f"The {name} must be finite numbers.")
    if not allow_nan and np.any(np.isnan(arr)):
        raise ValueError(f"The {name} must not contain nan.")
    return arr


def _array_rows(result: object) -> Iterator[dict[str, str | float | bool]]:
    """One dictionary per entry of a result's 1-D array fields (Python scalars), keyed by field name."""
    names = [f.name for f in fields(result) if isinstance(getattr(result, f.name), np.ndarray)]
    columns = [getattr(result, name) for name in names]
    for i in range(columns[0].size):
        yield {name: column[i].item() for name, column in zip(names, columns, strict=True)}


def _check_level(level: float) -> None:
    if not (0.0 < level < 1.0):
        raise ValueError(f"The confidence level must lie strictly between 0 and 1; got {level!r}.")


def _check_target(target: float) -> None:
    if not (0.0 < target < 1.0):
        raise ValueError(f"The target proportion must lie strictly between 0 and 1; got {target!r}.")


def _readonly(arr: NDArray) -> NDArray:
    """``arr`` marked read-only (the caller hands over a fresh array)."""
    arr = np.asarray(arr)
    arr.setflags(write=False)
    return arr


def _t_inference(
    estimate: NDArray[np.float64],
    se: NDArray[np.float64],
    df: NDArray[np.float64],
    level: float,
    testable: NDArray[np.bool_],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """t statistic, two-sided p-value and interval; ``nan`` wherever ``testable`` is False."""
    safe_se = np.where(testable, se, 1.0)
    safe_df = np.where(testable, df, 1.0)
    statistic = np.where(testable, estimate / safe_se, np.nan)
    p_value = np.where(testable, np.minimum(1.0, 2.0 * special.stdtr(safe_df, -np.abs(statistic))), np.nan)
    half = np.where(testable, special.stdtrit(safe_df, 0.5 + level / 2.0) * safe_se, np.nan)
    return statistic, p_value, estimate - half, estimate + half
