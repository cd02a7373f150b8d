"""Change over periods for one unit: the change between two periods and a weighted linear trend.

Each period's estimate comes with its variance (periods are usually separate samples, hence independent; a
covariance matrix is accepted for overlapping samples). Periods without an estimate (``nan``) are left out;
with fewer than two usable periods the result says "no trend" explicitly instead of inventing one. A compared
period without degrees of freedom (as many responses as strata, e.g. a single response) gives a change that
says "not enough responses" (:data:`INSUFFICIENT`) instead of a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg, stats

from scoring._compare import (
    Unit,
    _as_vector,
    _check_level,
    _covariance,
    _labels,
    _per_item_df,
    _readonly,
    _satterthwaite,
    _t_inference,
    _unit_index,
)
from scoring._intervals import INSUFFICIENT  # a compared period has no degrees of freedom: too few responses

__all__ = [
    "DECREASE",
    "INCREASE",
    "INSUFFICIENT",
    "NOT_TESTABLE",
    "NO_CHANGE",
    "LinearTrend",
    "PeriodChange",
    "linear_trend",
    "period_change",
]

INCREASE = "increase"
DECREASE = "decrease"
NO_CHANGE = "no evidence of a change"
NOT_TESTABLE = "not testable"


@dataclass(frozen=True)
class PeriodChange:
    """The change of one unit's estimate from one period to another.

    Attributes
    ----------
    period_from, period_to : str
        The two periods compared (empty when fewer than two periods have an estimate).
    estimate_from, estimate_to : float
        Their estimates.
    difference : float
        ``estimate_to − estimate_from``.
    se, df, statistic, p_value, lower, upper : float
        Standard error, degrees of freedom, t statistic, two-sided p-value and confidence interval of the
        difference (``nan`` when not testable).
    testable : bool
        Whether both estimates exist, both periods have degrees of freedom and the difference has a positive
        variance.
    direction : str
        "increase", "decrease", "no evidence of a change" (at ``1 − level``), "insufficient" (a compared
        period has no degrees of freedom: not enough responses) or "not testable".
    status : str
        A sentence saying what was done, or why nothing could be.
    level : float
        Confidence level.
    """

    period_from: str
    period_to: str
    estimate_from: float
    estimate_to: float
    difference: float
    se: float
    df: float
    statistic: float
    p_value: float
    lower: float
    upper: float
    testable: bool
    direction: str
    status: str
    level: float

    @property
    def insufficient(self) -> bool:
        """Whether a compared period has too few responses (no degrees of freedom) to test the change."""
        return self.direction == INSUFFICIENT


@dataclass(frozen=True)
class LinearTrend:
    """A weighted least-squares line through one unit's estimates over periods.

    Attributes
    ----------
    slope : float
        Change per unit of ``times`` (per period by default).
    intercept : float
        The line's value at time 0.
    se, df, statistic, p_value, lower, upper : float
        Inference on the slope (``nan`` when not testable).
    used : numpy.ndarray of bool
        Which periods entered the fit (those with an estimate).
    periods : numpy.ndarray of str
        All period labels.
    times : numpy.ndarray
        All period positions.
    fitted : numpy.ndarray
        The line at every period's position (``nan`` when there is no line).
    lack_of_fit, lack_of_fit_df, lack_of_fit_p : float
        :math:`Q = r'V^{-1}r` of the residuals, its degrees of freedom (usable periods − 2) and
        :math:`\\chi^2` p-value (``nan`` with fewer than three periods); a small p-value says the periods
        scatter around the line more than their variances explain.
    testable : bool
        Whether a slope with a standard error could be estimated.
    direction : str
        "increase", "decrease", "no evidence of a change" or "not testable".
    status : str
        A sentence: the trend was estimated, or "no trend: ..." with the reason.
    level : float
        Confidence level.
    """

    slope: float
    intercept: float
    se: float
    df: float
    statistic: float
    p_value: float
    lower: float
    upper: float
    used: NDArray[np.bool_]
    periods: NDArray[np.str_]
    times: NDArray[np.float64]
    fitted: NDArray[np.float64]
    lack_of_fit: float
    lack_of_fit_df: float
    lack_of_fit_p: float
    testable: bool
    direction: str
    status: str
    level: float


def period_change(
    estimates: ArrayLike,
    cov: ArrayLike,
    df: ArrayLike,
    periods: Sequence[str] | None = None,
    *,
    between: tuple[Unit, Unit] | None = None,
    level: float = 0.95,
) -> PeriodChange:
    r"""The change of one unit's estimate between two periods, with its SE, interval and p-value.

    Parameters
    ----------
    estimates : array_like, shape (K,)
        The unit's estimate in each period, in time order; ``nan`` for a period without one.
    cov : array_like, shape (K,) or (K, K)
        Variances of the estimates (independent periods) or their covariance matrix.
    df : float or array_like, shape (K,)
        Degrees of freedom: one number, used for the test as given, or one per period, combined by
        Welch–Satterthwaite; ``inf`` for a normal reference, ``nan`` when unknown. ``0`` marks a period
        with no degrees of freedom (as many responses as strata, e.g. one response in one stratum).
    periods : sequence of str, optional
        Period labels (e.g. ``"2025"``, ``"2026-Q1"``); by default ``"0"``, ``"1"``, ...
    between : (period, period), optional
        The periods to compare, ``(from, to)``, by label or position. By default the last two periods that
        have an estimate.
    level : float
        Confidence level; the direction is decided at :math:`1 -` ``level`` (two-sided).

    Returns
    -------
    PeriodChange
        The difference ``to − from`` with its inference; an "insufficient" result (:data:`INSUFFICIENT`)
        when a compared period has no degrees of freedom; or a "not testable" result saying why.

    Raises
    ------
    ValueError
        For estimates, variances and df that do not match, a covariance matrix that is not one, negative
        degrees of freedom (a count of responses minus strata is never negative), a bad ``between`` or
        ``level``.

    Notes
    -----
    .. math::

        d = \hat\theta_t - \hat\theta_s,\quad \widehat V(d) = V_s + V_t - 2C_{st},\quad
        t = d/\sqrt{\widehat V(d)},\quad
        \nu = \frac{(V_s + V_t)^2}{V_s^2/\nu_s + V_t^2/\nu_t}\ \text{(per-period df)}.

    :math:`C_{st} = 0` for independent samples. The interval is :math:`d \pm t_{\nu, (1+\text{level})/2}
    \sqrt{\widehat V(d)}` and the p-value :math:`2\,P(T_\nu > |t|)`.

    Edge cases, each a result rather than an error, and never a significant change:

    * fewer than two periods with an estimate, or a compared period without one: "not testable";
    * a compared period with :math:`\nu_s = 0` or :math:`\nu_t = 0` (one response, or one per stratum):
      its variance cannot be estimated (a linearised variance from one response per stratum is 0 by
      construction, not a measured 0), so the change is "insufficient" — not enough responses — with the
      difference of the estimates but ``nan`` for its SE, df, statistic, p-value and bounds. With one
      number for ``df``, ``0`` makes every comparison "insufficient";
    * a difference without variance (e.g. 100 % in both periods), or without usable degrees of freedom
      (``nan``): "not testable".

    References
    ----------
    Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley (section 2.3: degrees of
    freedom of a stratified design, :math:`n - H`; no variance is estimable from one unit per stratum).
    Satterthwaite, F. E. (1946). *Biometrics Bulletin* 2:110–114.

    Examples
    --------
    >>> ch = period_change([0.84, 0.86, float("nan"), 0.91], [4e-4, 3e-4, float("nan"), 2e-4], 80,
    ...                    ["2023", "2024", "2025", "2026"])
    >>> print(ch.period_from, ch.period_to, round(ch.difference, 3), round(ch.se, 4), ch.direction)
    2024 2026 0.05 0.0224 increase

    A single response in the latest quarter (df 0):

    >>> ch = period_change([0.88, 1.0], [3e-4, 0.0], [45, 0], ["2026-Q3", "2026-Q4"])
    >>> print(ch.direction, round(ch.difference, 2), ch.lower, ch.testable)
    insufficient 0.12 nan False
    """
    given_df = np.array(df, dtype=float)
    no_df = given_df == 0  # a period without degrees of freedom; negative df are refused by _periods
    est, matrix, period_df, names = _periods(estimates, cov, np.where(no_df, np.nan, given_df), periods)
    _check_level(level)
    usable = np.flatnonzero(~np.isnan(est))
    if between is None:
        if usable.size < 2:
            return _no_change(names, est, usable, level, "Fewer than two periods have an estimate.")
        first, second = int(usable[-2]), int(usable[-1])
    else:
        if len(between) != 2:
            raise ValueError(f"between must name exactly two periods; got {between!r}.")
        first, second = (_unit_index(period, names) for period in between)
        if first == second:
            raise ValueError("A period cannot be compared with itself.")
    short = [i for i in (first, second) if np.broadcast_to(no_df, est.shape)[i]]
    if short and np.isfinite(est[[first, second]]).all():
        return _insufficient(names, est, first, second, short, level)
    var_s, var_t = matrix[first, first], matrix[second, second]
    var_d = var_s + var_t - 2.0 * matrix[first, second]
    pair_df = _combined_df(np.array([var_s, var_t]), df, period_df[[first, second]])
    diff = est[second] - est[first]
    testable = bool(np.isfinite(diff) and var_d > 1e-12 * (var_s + var_t) and not np.isnan(pair_df))
    if not np.isfinite(diff):
        status = "A compared period has no estimate."
    elif not testable:
        status = "The difference has no variance (or no degrees of freedom); it cannot be tested."
    else:
        status = "Change estimated."
    se = float(np.sqrt(var_d)) if np.isfinite(var_d) and var_d >= 0 else np.nan
    stat, p, lower, upper = _scalar_t(diff, se, pair_df, level, testable)
    return PeriodChange(
        period_from=str(names[first]),
        period_to=str(names[second]),
        estimate_from=float(est[first]),
        estimate_to=float(est[second]),
        difference=float(diff),
        se=se,
        df=pair_df if testable else np.nan,
        statistic=stat,
        p_value=p,
        lower=lower,
        upper=upper,
        testable=testable,
        direction=_direction(testable, diff, p, level),
        status=status,
        level=float(level),
    )


def linear_trend(
    estimates: ArrayLike,
    cov: ArrayLike,
    df: ArrayLike,
    periods: Sequence[str] | None = None,
    *,
    times: ArrayLike | None = None,
    level: float = 0.95,
) -> LinearTrend:
    r"""Weighted least-squares linear trend of one unit's estimates over periods.

    Parameters
    ----------
    estimates : array_like, shape (K,)
        The unit's estimates in time order; ``nan`` for a period without one (left out).
    cov : array_like, shape (K,) or (K, K)
        Variances (independent periods) or the covariance matrix of the estimates.
    df : float or array_like, shape (K,)
        Degrees of freedom: one number, used for the test as given, or one per period, combined by
        Satterthwaite for the slope.
    periods : sequence of str, optional
        Period labels.
    times : array_like, shape (K,), optional
        Strictly increasing positions of the periods; by default 0, 1, ..., K − 1, so the slope is per
        period. Gaps (a skipped quarter) should be given here.
    level : float
        Confidence level; the direction is decided at :math:`1 -` ``level``.

    Returns
    -------
    LinearTrend
        Slope with SE, interval and p-value, the line, and a lack-of-fit test; or "no trend" with the reason.

    Notes
    -----
    With :math:`X = [1, t]` on the usable periods and :math:`V` their covariance (diagonal for independent
    periods), the generalised least-squares line (weights :math:`1/V_k` when :math:`V` is diagonal) is

    .. math::

        \hat\beta = (X'V^{-1}X)^{-1}X'V^{-1}\hat\theta,\qquad
        \widehat V(\hat\beta) = (X'V^{-1}X)^{-1},\qquad
        t = \hat\beta_1 / \mathrm{SE}(\hat\beta_1),

    treating the design-based variances as known (no rescaling by the residual variance). The slope is the
    combination :math:`c'\hat\theta`; with per-period df its degrees of freedom are
    :math:`\nu = (\sum c_k^2V_k)^2 / \sum (c_k^2V_k)^2/\nu_k`. The lack-of-fit statistic
    :math:`Q = (\hat\theta - X\hat\beta)'V^{-1}(\hat\theta - X\hat\beta)` is referred to
    :math:`\chi^2_{K-2}`. With fewer than two usable periods there is "no trend"; a usable period with zero
    variance (e.g. 100 % from a handful of respondents) makes :math:`V` singular and the trend "not
    testable" — give such a period a variance floor (from the Clopper–Pearson interval, say) to include it.

    References
    ----------
    Draper, N. R. & Smith, H. (1998). *Applied Regression Analysis*, 3rd ed., Wiley (generalised and
    weighted least squares). Satterthwaite (1946), *Biometrics Bulletin* 2:110–114.

    Examples
    --------
    >>> tr = linear_trend([0.82, 0.85, float("nan"), 0.88, 0.90], [4e-4, 3e-4, float("nan"), 3e-4, 2e-4], 60)
    >>> print(round(tr.slope, 4), round(tr.se, 4), tr.used.tolist(), tr.direction)
    0.0187 0.0054 [True, True, False, True, True] increase
    """
    est, matrix, period_df, names = _periods(estimates, cov, df, periods)
    _check_level(level)
    if times is None:
        positions = np.arange(est.size, dtype=float)
    else:
        positions = _as_vector("times", times)
        if positions.size != est.size:
            raise ValueError(f"There are {est.size} estimates but {positions.size} times.")
        if np.any(np.diff(positions) <= 0):
            raise ValueError("The times must be strictly increasing.")
    used = ~np.isnan(est)
    k = int(used.sum())
    if k < 2:
        return _no_trend(names, positions, used, level, "No trend: fewer than two periods have an estimate.")
    y, t = est[used], positions[used]
    v = matrix[np.ix_(used, used)]
    try:
        chol = linalg.cho_factor(v)
    except linalg.LinAlgError:
        return _no_trend(
            names,
            positions,
            used,
            level,
            "Not testable: the covariance of the usable periods is singular (a period with zero variance?).",
        )
    x = np.column_stack([np.ones(k), t])
    w_x = linalg.cho_solve(chol, x)  # V^{-1} X
    info = x.T @ w_x
    info_inv = np.linalg.inv(info)
    coef_rows = info_inv @ w_x.T  # beta = coef_rows @ y
    beta = coef_rows @ y
    se = float(np.sqrt(info_inv[1, 1]))
    c = coef_rows[1]
    slope_df = _combined_df(c**2 * np.diag(v), df, period_df[used])
    testable = bool(se > 0 and not np.isnan(slope_df))
    stat, p, lower, upper = _scalar_t(beta[1], se, slope_df, level, testable)
    resid = y - x @ beta
    q = float(resid @ linalg.cho_solve(chol, resid))
    q_df = k - 2
    return LinearTrend(
        slope=float(beta[1]),
        intercept=float(beta[0]),
        se=se,
        df=slope_df if testable else np.nan,
        statistic=stat,
        p_value=p,
        lower=lower,
        upper=upper,
        used=_readonly(used),
        periods=_readonly(names),
        times=_readonly(positions),
        fitted=_readonly(beta[0] + beta[1] * positions),
        lack_of_fit=q if q_df > 0 else np.nan,
        lack_of_fit_df=float(q_df) if q_df > 0 else np.nan,
        lack_of_fit_p=float(stats.chi2.sf(q, q_df)) if q_df > 0 else np.nan,
        testable=testable,
        direction=_direction(testable, beta[1], p, level),
        status="Trend estimated." if testable else "Not testable: the slope has no degrees of freedom.",
        level=float(level),
    )


def _periods(
    estimates: ArrayLike, cov: ArrayLike, df: ArrayLike, periods: Sequence[str] | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.str_]]:
    """Validated estimates, covariance (nan for missing periods), per-period df and labels."""
    est = _as_vector("estimates", estimates, allow_nan=True)
    names = _labels(periods, est.size)
    matrix = _covariance(cov, est)
    period_df = _per_item_df(df, est.size, "period")
    return est, matrix, period_df, names


def _combined_df(terms: NDArray[np.float64], df: ArrayLike, period_df: NDArray[np.float64]) -> float:
    """The test's df: ``df`` itself when it is one number, else Satterthwaite over the variance terms."""
    if np.ndim(df) == 0:
        return float(period_df[0])
    return float(_satterthwaite(terms, period_df))


def _scalar_t(
    estimate: float, se: float, df: float, level: float, testable: bool
) -> tuple[float, float, float, float]:
    """t statistic, p-value and interval for one estimate (``nan`` when not testable)."""
    out = _t_inference(np.array([estimate]), np.array([se]), np.array([df]), level, np.array([testable]))
    stat, p, lower, upper = (float(v[0]) for v in out)
    return stat, p, lower, upper


def _direction(testable: bool, change: float, p_value: float, level: float) -> str:
    if not testable:
        return NOT_TESTABLE
    if p_value <= 1.0 - level:
        return INCREASE if change > 0 else DECREASE
    return NO_CHANGE


def _untested(
    period_from: str,
    period_to: str,
    estimate_from: float,
    estimate_to: float,
    direction: str,
    status: str,
    level: float,
) -> PeriodChange:
    """A change that cannot be tested: the estimates as far as they exist, no inference."""
    nan = float("nan")
    return PeriodChange(
        period_from=period_from,
        period_to=period_to,
        estimate_from=estimate_from,
        estimate_to=estimate_to,
        difference=estimate_to - estimate_from,
        se=nan,
        df=nan,
        statistic=nan,
        p_value=nan,
        lower=nan,
        upper=nan,
        testable=False,
        direction=direction,
        status=status,
        level=float(level),
    )


def _no_change(
    names: NDArray[np.str_], est: NDArray[np.float64], usable: NDArray[np.intp], level: float, status: str
) -> PeriodChange:
    last = int(usable[-1]) if usable.size else None
    to = float(est[last]) if last is not None else float("nan")
    period_to = str(names[last]) if last is not None else ""
    return _untested("", period_to, float("nan"), to, NOT_TESTABLE, status, level)


def _insufficient(
    names: NDArray[np.str_], est: NDArray[np.float64], first: int, second: int, short: list[int], level: float
) -> PeriodChange:
    periods = " and ".join(str(names[i]) for i in short)
    verb = "has" if len(short) == 1 else "have"
    status = f"Not enough responses to test a change: {periods} {verb} no degrees of freedom."
    return _untested(
        str(names[first]), str(names[second]), float(est[first]), float(est[second]), INSUFFICIENT, status, level
    )


def _no_trend(
    names: NDArray[np.str_],
    positions: NDArray[np.float64],
    used: NDArray[np.bool_],
    level: float,
    status: str,
) -> LinearTrend:
    nan = float("nan")
    return LinearTrend(
        slope=nan,
        intercept=nan,
        se=nan,
        df=nan,
        statistic=nan,
        p_value=nan,
        lower=nan,
        upper=nan,
        used=_readonly(used),
        periods=_readonly(names),
        times=_readonly(positions),
        fitted=_readonly(np.full(positions.size, nan)),
        lack_of_fit=nan,
        lack_of_fit_df=nan,
        lack_of_fit_p=nan,
        testable=False,
        direction=NOT_TESTABLE,
        status=status,
        level=float(level),
    )
