"""Confidence intervals for proportions from complex samples, and decisions against a target."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from scoring._checks import check_confidence, check_target, readonly

#: Interval methods accepted by :func:`proportion_interval` (``"beta"`` is Korn–Graubard).
METHODS = ("beta", "xlogit", "wilson", "jeffreys", "clopper-pearson")

MET = "met"
NOT_MET = "not_met"
INCONCLUSIVE = "inconclusive"
NO_ESTIMATE = "no_estimate"
#: The estimate fails the reliability rules: its answers cannot support a decision.
INSUFFICIENT = "insufficient"
NO_TARGET = ""


@dataclass(frozen=True, eq=False)
class Interval:
    """Lower and upper confidence bounds (floats or arrays of one shape)."""

    lower: np.ndarray
    upper: np.ndarray


def _arrays(*values: object) -> list[np.ndarray]:
    return [np.asarray(v, dtype=np.float64) for v in np.broadcast_arrays(*values)]


def _finish(lower: np.ndarray, upper: np.ndarray) -> Interval:
    lower = np.clip(lower, 0.0, 1.0)
    upper = np.clip(upper, 0.0, 1.0)
    if lower.ndim == 0:
        return Interval(float(lower), float(upper))
    return Interval(readonly(lower), readonly(upper))


def _t(alpha: float, df: np.ndarray) -> np.ndarray:
    """Upper alpha/2 quantile of Student's t (normal for infinite df); df below 1 is raised to 1."""
    return stats.t.ppf(1.0 - alpha / 2.0, np.maximum(df, 1.0))


def clopper_pearson(x: object, n: object, confidence: float = 0.95) -> Interval:
    """Clopper–Pearson ("exact") interval for ``x`` successes out of ``n``.

    Parameters
    ----------
    x, n : array_like of float
        Successes and trials (:math:`0 \\le x \\le n`, :math:`n > 0`); non-integer values are allowed
        and used as effective counts.
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    Interval
        Bounds; the lower bound is 0 when :math:`x = 0` and the upper bound 1 when :math:`x = n`.

    Notes
    -----
    .. math:: L = B^{-1}(\\alpha/2;\\, x,\\, n - x + 1), \\qquad U = B^{-1}(1 - \\alpha/2;\\, x + 1,\\, n - x)

    with :math:`B^{-1}(q; a, b)` the beta quantile.

    References
    ----------
    Clopper, C. J. and Pearson, E. S. (1934), *Biometrika* 26:404–413;
    Brown, L. D., Cai, T. T. and DasGupta, A. (2001), *Statistical Science* 16:101–133.

    Examples
    --------
    >>> ci = clopper_pearson(9, 10)
    >>> round(ci.lower, 4), round(ci.upper, 4)
    (0.555, 0.9975)
    """
    alpha = 1.0 - check_confidence(confidence)
    x, n = _arrays(x, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = np.where(x <= 0, 0.0, stats.beta.ppf(alpha / 2, np.maximum(x, 1e-300), n - x + 1))
        upper = np.where(x >= n, 1.0, stats.beta.ppf(1 - alpha / 2, x + 1, np.maximum(n - x, 1e-300)))
    bad = ~(n > 0) | (x < 0) | (x > n) | np.isnan(x)
    return _finish(np.where(bad, np.nan, lower), np.where(bad, np.nan, upper))


def wilson(estimate: object, n_eff: object, confidence: float = 0.95, df: object = np.inf) -> Interval:
    """Wilson (score) interval with an effective sample size.

    Parameters
    ----------
    estimate : array_like of float
        Estimated proportion :math:`\\hat p`.
    n_eff : array_like of float
        Effective sample size :math:`n^* = \\hat p(1 - \\hat p)/\\hat V`
        (or :math:`n` for simple random samples).
    confidence : float
        Two-sided confidence level.
    df : array_like of float
        Degrees of freedom of the variance; the critical value is :math:`c = t_{df, 1-\\alpha/2}`.

    Returns
    -------
    Interval

    Notes
    -----
    .. math:: \\frac{\\hat p + c^2/2n^*}{1 + c^2/n^*} \\pm
              \\frac{c}{1 + c^2/n^*} \\sqrt{\\frac{\\hat p(1-\\hat p)}{n^*} + \\frac{c^2}{4 n^{*2}}}

    References
    ----------
    Wilson, E. B. (1927), *JASA* 22:209–212; Brown, Cai and DasGupta (2001), *Statistical Science* 16:101–133;
    Kott, P. S. and Carr, D. A. (1997), Developing an estimation strategy for a pesticide data program,
    *J. Official Statistics* 13:367–383.

    Examples
    --------
    >>> ci = wilson(0.9, 100)
    >>> round(ci.lower, 4), round(ci.upper, 4)
    (0.8256, 0.9448)
    """
    alpha = 1.0 - check_confidence(confidence)
    p, n, d = _arrays(estimate, n_eff, df)
    c = _t(alpha, d)
    with np.errstate(invalid="ignore", divide="ignore"):
        shrink = 1.0 + c * c / n
        centre = (p + c * c / (2 * n)) / shrink
        half = c / shrink * np.sqrt(p * (1 - p) / n + c * c / (4 * n * n))
    return _finish(centre - half, centre + half)


def jeffreys(estimate: object, n_eff: object, confidence: float = 0.95) -> Interval:
    """Jeffreys interval with an effective sample size.

    Parameters
    ----------
    estimate : array_like of float
        Estimated proportion :math:`\\hat p`.
    n_eff : array_like of float
        Effective sample size :math:`n^*`; :math:`x^* = n^* \\hat p`.
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    Interval

    Notes
    -----
    Equal-tailed quantiles of :math:`\\mathrm{Beta}(x^* + \\tfrac12, n^* - x^* + \\tfrac12)`, with the lower
    bound 0 when :math:`x^* = 0` and the upper bound 1 when :math:`x^* = n^*`.

    References
    ----------
    Brown, Cai and DasGupta (2001), *Statistical Science* 16:101–133, section 4.1.2.

    Examples
    --------
    >>> ci = jeffreys(0.9, 100)
    >>> round(ci.lower, 4), round(ci.upper, 4)
    (0.8299, 0.9474)
    """
    alpha = 1.0 - check_confidence(confidence)
    p, n = _arrays(estimate, n_eff)
    x = n * p
    with np.errstate(invalid="ignore"):
        lower = np.where(p <= 0, 0.0, stats.beta.ppf(alpha / 2, x + 0.5, n - x + 0.5))
        upper = np.where(p >= 1, 1.0, stats.beta.ppf(1 - alpha / 2, x + 0.5, n - x + 0.5))
    return _finish(lower, upper)


def _kg_size(n_eff: np.ndarray, n: np.ndarray, df: np.ndarray, alpha: float) -> np.ndarray:
    """Korn–Graubard's degrees-of-freedom adjustment :math:`n^* (t_{n-1}/t_{df})^2`."""
    with np.errstate(invalid="ignore"):
        ratio = stats.t.ppf(alpha / 2, np.maximum(n - 1.0, 1.0)) / stats.t.ppf(alpha / 2, np.maximum(df, 1.0))
    return n_eff * ratio * ratio


def korn_graubard(
    estimate: object, variance: object, n: object, df: object, confidence: float = 0.95
) -> Interval:
    """Korn–Graubard interval: Clopper–Pearson with a design-based effective sample size.

    Parameters
    ----------
    estimate : array_like of float
        Estimated proportion :math:`\\hat p`, strictly between 0 and 1.
    variance : array_like of float
        Its design-based variance :math:`\\hat V > 0`.
    n : array_like of float
        Number of observations behind the estimate (R uses ``nrow(design)``); :math:`n - 1` below 1 is
        raised to 1.
    df : array_like of float
        Design degrees of freedom (R's ``degf``); values below 1 are raised to 1.
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    Interval
        The same bounds as R ``svyciprop(method = "beta")`` given the same :math:`n` and df.

    Notes
    -----
    .. math::

        n^* = \\frac{\\hat p(1 - \\hat p)}{\\hat V}
        \\left(\\frac{t_{n-1,\\alpha/2}}{t_{df,\\alpha/2}}\\right)^2,
        \\quad L = B^{-1}(\\alpha/2; n^*\\hat p, n^*(1-\\hat p) + 1), \\quad
        U = B^{-1}(1-\\alpha/2; n^*\\hat p + 1, n^*(1-\\hat p)).

    References
    ----------
    Korn, E. L. and Graubard, B. I. (1998), Confidence intervals for proportions with small expected
    number of positive counts estimated from survey data, *Survey Methodology* 24:193–201;
    Lumley, T. (2010), *Complex Surveys*, section 2.3.1.

    Examples
    --------
    >>> ci = korn_graubard(0.9, 0.0009, n=100, df=99)
    >>> round(ci.lower, 4), round(ci.upper, 4)
    (0.8238, 0.951)
    """
    alpha = 1.0 - check_confidence(confidence)
    p, v, n_obs, d = _arrays(estimate, variance, n, df)
    with np.errstate(invalid="ignore", divide="ignore"):
        size = _kg_size(p * (1 - p) / v, n_obs, d, alpha)
        lower = stats.beta.ppf(alpha / 2, size * p, size * (1 - p) + 1)
        upper = stats.beta.ppf(1 - alpha / 2, size * p + 1, size * (1 - p))
    return _finish(lower, upper)


def logit_interval(estimate: object, variance: object, df: object, confidence: float = 0.95) -> Interval:
    """Interval built on the logit scale (R ``svyciprop(method = "xlogit")``).

    Parameters
    ----------
    estimate : array_like of float
        Estimated proportion, strictly between 0 and 1.
    variance : array_like of float
        Its design-based variance.
    df : array_like of float
        Degrees of freedom for the t quantile (``np.inf`` for the normal).
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    Interval

    Notes
    -----
    .. math:: \\operatorname{expit}\\Big(\\operatorname{logit}\\hat p \\pm
              t_{df,1-\\alpha/2}\\,\\frac{\\sqrt{\\hat V}}{\\hat p(1-\\hat p)}\\Big)

    Undefined at :math:`\\hat p \\in \\{0, 1\\}`.

    References
    ----------
    Lumley, T. (2010), *Complex Surveys*, section 2.3.1;
    Korn and Graubard (1998), *Survey Methodology* 24:193–201.

    Examples
    --------
    >>> ci = logit_interval(0.9, 0.0009, df=99)
    >>> round(ci.lower, 4), round(ci.upper, 4)
    (0.8229, 0.9458)
    """
    alpha = 1.0 - check_confidence(confidence)
    p, v, d = _arrays(estimate, variance, df)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = special.logit(p)
        half = _t(alpha, d) * np.sqrt(v) / (p * (1 - p))
        return _finish(special.expit(centre - half), special.expit(centre + half))


def exact_p_value(x: object, n: object, target: float) -> np.ndarray:
    """One-sided exact binomial p-value for :math:`H_1: p < p_0`, :math:`P(X \\le x)`.

    Parameters
    ----------
    x, n : array_like of float
        Successes and trials (effective, non-integer values allowed).
    target : float
        :math:`p_0`.

    Returns
    -------
    ndarray
        :math:`I_{1-p_0}(n - x, x + 1)`, which equals ``binom.cdf(x, n, p0)`` for integers; 1 when
        :math:`x = n`.

    Notes
    -----
    .. math:: P(X \\le x) = \\sum_{j \\le x} \\binom{n}{j} p_0^j (1-p_0)^{n-j} = I_{1-p_0}(n - x, x + 1)

    References
    ----------
    Johnson, N. L., Kemp, A. W. and Kotz, S. (2005), *Univariate Discrete Distributions*, 3rd ed., eq. 3.14.

    Examples
    --------
    >>> round(float(exact_p_value(85, 100, 0.9)), 6)
    0.072573
    """
    p0 = check_target(target)
    x, n = _arrays(x, n)
    with np.errstate(invalid="ignore"):
        value = np.where(x >= n, 1.0, special.betainc(np.maximum(n - x, 1e-300), x + 1, 1.0 - p0))
    return np.where((n > 0) & (x >= 0) & (x <= n), value, np.nan)


def decide(lower: object, upper: object, target: float) -> np.ndarray:
    """Call a target met, not met or inconclusive from a confidence interval.

    Parameters
    ----------
    lower, upper : array_like of float
        Two-sided confidence bounds (nan when there is no estimate).
    target : float
        The target proportion :math:`p_0`.

    Returns
    -------
    ndarray of str
        ``"not_met"`` when the upper bound is below :math:`p_0`, ``"met"`` when the lower bound is above
        it, ``"inconclusive"`` otherwise, ``"no_estimate"`` where the bounds are nan. With a two-sided
        :math:`1-\\alpha` interval each call is a one-sided test at level :math:`\\alpha/2`.

    Notes
    -----
    .. math:: \\text{not met} \\iff U < p_0, \\qquad \\text{met} \\iff L > p_0.

    References
    ----------
    Casella, G. and Berger, R. L. (2002), *Statistical Inference*, 2nd ed., section 9.2 (duality of tests
    and intervals).

    Examples
    --------
    >>> decide([0.80, 0.91, 0.85], [0.89, 0.97, 0.95], 0.9).tolist()
    ['not_met', 'met', 'inconclusive']
    """
    p0 = check_target(target)
    lo, up = _arrays(lower, upper)
    out = np.full(lo.shape, INCONCLUSIVE, dtype="<U12")
    out[up < p0] = NOT_MET
    out[lo > p0] = MET
    out[np.isnan(lo) | np.isnan(up)] = NO_ESTIMATE
    return out


def _snap(values: np.ndarray) -> np.ndarray:
    """Round values within 1e-9 (relative) of an integer: effective counts of equal weights are integers."""
    nearest = np.round(values)
    return np.where(np.abs(values - nearest) <= 1e-9 * np.maximum(np.abs(values), 1.0), nearest, values)


@dataclass(frozen=True, eq=False)
class ProportionInterval:
    """Result of :func:`proportion_interval` (arrays of the input shape, read-only).

    Attributes
    ----------
    estimate, lower, upper : ndarray
        Estimate and two-sided bounds (nan where there is no estimate).
    n_eff : ndarray
        Effective sample size behind the bounds (:math:`n^*`, or the fallback size at the boundary).
    p_value : ndarray
        One-sided p-value for :math:`H_1: p < p_0` from the test that the interval inverts (nan
        without a target).
    decision : ndarray of str
        ``met`` / ``not_met`` / ``inconclusive`` / ``no_estimate`` (empty strings without a target).
    fallback : ndarray of bool
        True where the variance could not give an effective size and Clopper–Pearson on the fallback
        size was used.
    method : str
    confidence : float
    target : float or None
    """

    estimate: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n_eff: np.ndarray
    p_value: np.ndarray
    decision: np.ndarray
    fallback: np.ndarray
    method: str
    confidence: float
    target: float | None


def proportion_interval(
    estimate: object,
    variance: object,
    n: object,
    df: object,
    *,
    fallback_size: object | None = None,
    degenerate: object | None = None,
    method: str = "beta",
    confidence: float = 0.95,
    target: float | None = None,
) -> ProportionInterval:
    """Confidence interval, target decision and p-value for weighted proportions.

    Parameters
    ----------
    estimate : array_like of float
        Estimated proportions (nan = no estimate).
    variance : array_like of float
        Design-based variances.
    n : array_like of float
        Observations behind each estimate (valid answers); used by Korn–Graubard's df adjustment and,
        for ``"clopper-pearson"``, as the number of trials.
    df : array_like of float
        Design degrees of freedom (respondents minus strata); values below 1 are raised to 1.
    fallback_size : array_like of float, optional
        Size used where the effective size is undefined (default ``n``); the scorer passes Kish's
        :math:`n_{\\mathrm{Kish}}`, which equals :math:`n` for equal weights.
    degenerate : array_like of bool, optional
        Where the estimate is exactly 0 or 1. The scorer decides this on integer counts; by default it is
        ``estimate in {0, 1}``.
    method : {"beta", "xlogit", "wilson", "jeffreys", "clopper-pearson"}
        ``"beta"`` is Korn–Graubard (R ``svyciprop(method = "beta")``), ``"xlogit"`` R's logit interval,
        ``"wilson"`` and ``"jeffreys"`` use the effective size :math:`n^*`, ``"clopper-pearson"`` treats
        :math:`n \\hat p` successes out of ``n`` trials as binomial (unweighted data only).
    confidence : float
        Two-sided confidence level in (0, 1).
    target : float, optional
        Target proportion :math:`p_0` for the decision and the p-value.

    Returns
    -------
    ProportionInterval

    Notes
    -----
    Effective size :math:`n^* = \\hat p(1-\\hat p)/\\hat V`; Korn–Graubard and Jeffreys use
    :math:`n^{*\\prime} = n^*(t_{n-1,\\alpha/2}/t_{df,\\alpha/2})^2`, Wilson uses :math:`n^*` with the
    critical value :math:`t_{df,1-\\alpha/2}`, the logit interval :math:`t_{df}`.

    Bounds are widened to contain the estimate where a method's bounds would exclude it (Jeffreys' at
    effective sizes below about 1).

    Where the estimate is degenerate, or the variance is zero or not finite, :math:`n^*` is undefined: the
    bounds are Clopper–Pearson with :math:`x = \\hat p\\,m` successes out of :math:`m` = ``fallback_size``
    (so an estimate of 1 from 20 answers gets [0.8316, 1], never 1 ± 0).

    The p-value for :math:`H_1: p < p_0` is the one whose test the interval inverts, so that
    ``decision == "not_met"`` exactly when ``p_value < (1 - confidence)/2``:

    * beta: :math:`I_{1-p_0}(n' - x', x' + 1)` with :math:`n' = n^{*\\prime}`, :math:`x' = n'\\hat p`;
    * Jeffreys: :math:`I_{1-p_0}(n' - x' + \\tfrac12, x' + \\tfrac12)`;
    * Clopper–Pearson and the fallback: :math:`I_{1-p_0}(n - x, x + 1)` (exact binomial);
    * logit: :math:`F_{t,df}\\big((\\operatorname{logit}\\hat p - \\operatorname{logit}p_0)\\,
      \\hat p(1-\\hat p)/\\sqrt{\\hat V}\\big)`;
    * Wilson: :math:`F_{t,df}\\big((\\hat p - p_0)/\\sqrt{p_0(1-p_0)/n^*}\\big)`.

    References
    ----------
    Korn and Graubard (1998), *Survey Methodology* 24:193–201; Brown, Cai and DasGupta (2001),
    *Statistical Science* 16:101–133; Dean, N. and Pagano, M. (2015), Evaluating confidence interval
    methods for binomial proportions in clustered surveys, *J. Survey Stat. Methodol.* 3:484–503;
    Lumley, T. (2010), *Complex Surveys*, section 2.3.1.

    Examples
    --------
    >>> r = proportion_interval([0.95, 1.0], [0.0004, 0.0], n=[100, 20], df=[95, 18], target=0.9)
    >>> r.lower.round(4).tolist(), r.upper.round(4).tolist()
    ([0.8939, 0.8316], [0.9816, 1.0])
    >>> r.decision.tolist()
    ['inconclusive', 'inconclusive']
    """
    if method not in METHODS:
        raise ValueError(f"Unknown interval method {method!r}; choose one of {', '.join(METHODS)}.")
    alpha = 1.0 - check_confidence(confidence)
    p0 = check_target(target)
    p, v, n_obs, d = _arrays(estimate, variance, n, df)
    size = n_obs if fallback_size is None else _arrays(fallback_size, p)[0]
    if degenerate is None:
        degen = (p == 0) | (p == 1)
    else:
        degen = np.broadcast_to(np.asarray(degenerate, dtype=bool), p.shape)
    missing = np.isnan(p)
    with np.errstate(invalid="ignore", divide="ignore"):
        n_star = p * (1 - p) / v
        if method == "clopper-pearson":
            usable = np.zeros(p.shape, dtype=bool)
        else:
            usable = ~degen & ~missing & np.isfinite(n_star) & (n_star > 0) & (v > 0)
        cp_size = _snap(n_obs if method == "clopper-pearson" else size)
        fallback = ~missing & ~usable
        x = np.minimum(_snap(p * cp_size), cp_size)
        exact = clopper_pearson(x, cp_size, confidence)
        lower = np.asarray(exact.lower, dtype=np.float64).copy()
        upper = np.asarray(exact.upper, dtype=np.float64).copy()
        p_value = exact_p_value(x, cp_size, p0) if p0 is not None else np.full(p.shape, np.nan)
        eff = np.where(fallback, cp_size, n_star)
        if usable.any():
            pu, vu, nu, du, su = p[usable], v[usable], n_obs[usable], d[usable], n_star[usable]
            if method == "beta":
                ci = korn_graubard(pu, vu, nu, du, confidence)
                adj = _kg_size(su, nu, du, alpha)
                pv = special.betainc(adj * (1 - pu), adj * pu + 1, 1 - p0) if p0 is not None else np.nan
            elif method == "jeffreys":
                adj = _kg_size(su, nu, du, alpha)
                ci = jeffreys(pu, adj, confidence)
                pv = (
                    special.betainc(adj * (1 - pu) + 0.5, adj * pu + 0.5, 1 - p0)
                    if p0 is not None
                    else np.nan
                )
            elif method == "wilson":
                ci = wilson(pu, su, confidence, du)
                pv = (
                    stats.t.cdf((pu - p0) / np.sqrt(p0 * (1 - p0) / su), np.maximum(du, 1.0))
                    if p0 is not None
                    else np.nan
                )
            else:  # xlogit
                ci = logit_interval(pu, vu, du, confidence)
                pv = (
                    stats.t.cdf(
                        (special.logit(pu) - special.logit(p0)) * pu * (1 - pu) / np.sqrt(vu),
                        np.maximum(du, 1.0),
                    )
                    if p0 is not None
                    else np.nan
                )
            lower[usable] = ci.lower
            upper[usable] = ci.upper
            p_value[usable] = pv
    # Jeffreys' equal-tailed bounds (and rounding at tiny effective sizes) may exclude the estimate itself.
    lower = np.array(np.minimum(lower, p))
    upper = np.array(np.maximum(upper, p))
    lower[missing] = np.nan
    upper[missing] = np.nan
    p_value = np.where(missing, np.nan, p_value)
    eff = np.where(missing, np.nan, eff)
    decision = decide(lower, upper, p0) if p0 is not None else np.full(p.shape, NO_TARGET, dtype="<U12")
    return ProportionInterval(
        estimate=readonly(p.copy()),
        lower=readonly(lower),
        upper=readonly(upper),
        n_eff=readonly(np.asarray(eff, dtype=np.float64)),
        p_value=readonly(np.asarray(p_value, dtype=np.float64)),
        decision=readonly(decision),
        fallback=readonly(np.asarray(fallback & ~missing)),
        method=method,
        confidence=float(confidence),
        target=p0,
    )
