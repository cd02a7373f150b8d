"""Empirical-Bayes beta-binomial shrinkage of unit proportions.

Small units give noisy proportions: an agency with 12 respondents at 75 % may be no worse than one with 900 at
89 %. Empirical Bayes treats the units' true proportions as draws from a common Beta(a, b) prior fitted to all
units, and reports for each unit its posterior: a shrunk estimate that borrows strength from the others (more
for small units), a credible interval, and the probability that the unit's true proportion is below the
target. These posterior probabilities rank units more fairly than raw percentages do.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

from scoring._compare import _array_rows, _as_vector, _check_level, _check_target, _labels, _readonly

__all__ = [
    "MIN_PRIOR_SIZE",
    "BetaBinomialFit",
    "Shrinkage",
    "beta_binomial_loglik",
    "beta_binomial_shrinkage",
    "fit_beta_binomial",
]

#: Smallest prior size a + b searched. Below it the prior puts nearly all its mass at 0 and 1, which only
#: units that are all-satisfied or all-dissatisfied could support.
MIN_PRIOR_SIZE = 1e-4
_LOGIT_BOUND = 30.0


@dataclass(frozen=True)
class BetaBinomialFit:
    """The fitted Beta(a, b) prior of the units' true proportions.

    Attributes
    ----------
    a, b : float
        Prior parameters.
    prior_mean : float
        :math:`a/(a+b)`, the mean the units are shrunk towards.
    prior_size : float
        :math:`a+b`: the prior counts as this many respondents; small means the units differ a lot.
    pooled_mean : float
        :math:`\\sum x_i / \\sum n_i`, for comparison with ``prior_mean``.
    max_prior_size : float
        The cap on :math:`a+b`.
    capped : bool
        True when :math:`a+b` is held at the cap because the likelihood keeps rising with :math:`a+b`: the
        data show no more variation between units than sampling explains, and shrinkage is close to full
        pooling (every unit near ``prior_mean``). Reports should then say that the units cannot be told
        apart, rather than rank them.
    loglik : float
        The maximised log-likelihood (without the binomial coefficients).
    converged : bool
        Whether the optimiser reported convergence.
    n_units : int
        Number of units fitted.
    """

    a: float
    b: float
    prior_mean: float
    prior_size: float
    pooled_mean: float
    max_prior_size: float
    capped: bool
    loglik: float
    converged: bool
    n_units: int


@dataclass(frozen=True)
class Shrinkage:
    """Posterior summaries per unit under the fitted beta-binomial prior.

    Attributes
    ----------
    labels : numpy.ndarray of str
        Unit labels.
    x, n : numpy.ndarray
        Satisfied counts and sample sizes (effective counts for weighted data).
    raw : numpy.ndarray
        Raw proportions :math:`x_i/n_i`.
    posterior_a, posterior_b : numpy.ndarray
        Posterior Beta parameters :math:`a + x_i` and :math:`b + n_i - x_i`.
    mean : numpy.ndarray
        Shrunk estimates (posterior means).
    lower, upper : numpy.ndarray
        Equal-tailed credible interval at ``level``.
    prob_below : numpy.ndarray
        Posterior probability that the unit's true proportion is below ``target``.
    weight_prior : numpy.ndarray
        Weight of the prior mean in the shrunk estimate, :math:`(a+b)/(a+b+n_i)`.
    fit : BetaBinomialFit
        The fitted prior (check ``fit.capped``).
    target : float
        The target used for ``prob_below``.
    level : float
        Credible level of the intervals.
    """

    labels: NDArray[np.str_]
    x: NDArray[np.float64]
    n: NDArray[np.float64]
    raw: NDArray[np.float64]
    posterior_a: NDArray[np.float64]
    posterior_b: NDArray[np.float64]
    mean: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    prob_below: NDArray[np.float64]
    weight_prior: NDArray[np.float64]
    fit: BetaBinomialFit
    target: float
    level: float

    def rows(self) -> Iterator[dict[str, str | float]]:
        """Yield one plain dictionary per unit (label, x, n, raw, mean, lower, upper, prob_below, ...)."""
        for row in _array_rows(self):
            row["label"] = row.pop("labels")
            yield row


def beta_binomial_loglik(a: float, b: float, x: ArrayLike, n: ArrayLike) -> float:
    r"""Beta-binomial log-likelihood of a Beta(a, b) prior for counts ``x`` out of ``n``.

    Parameters
    ----------
    a, b : float
        Positive prior parameters.
    x, n : array_like
        Satisfied counts :math:`0 \le x_i \le n_i` and sizes :math:`n_i > 0`; need not be integers.

    Returns
    -------
    float
        :math:`\ell(a, b)`.

    Notes
    -----
    .. math::

        \ell(a, b) = \sum_i \bigl[\ln B(x_i + a,\ n_i - x_i + b) - \ln B(a, b)\bigr].

    The omitted :math:`\ln\binom{n_i}{x_i}` does not depend on :math:`(a, b)`.

    References
    ----------
    Griffiths, D. A. (1973). Maximum likelihood estimation for the beta-binomial distribution and an
    application to the household distribution of the total number of cases of a disease. *Biometrics*
    29:637–648.

    Examples
    --------
    >>> round(beta_binomial_loglik(9.0, 1.0, [45, 80], [50, 90]), 4)
    -49.8864
    """
    counts, sizes = _counts(x, n, minimum_units=1)
    if not (np.isfinite(a) and np.isfinite(b) and a > 0 and b > 0):
        raise ValueError(f"The prior parameters must be positive and finite; got a={a!r}, b={b!r}.")
    return float(np.sum(special.betaln(counts + a, sizes - counts + b) - special.betaln(a, b)))


def fit_beta_binomial(x: ArrayLike, n: ArrayLike, *, max_prior_size: float | None = None) -> BetaBinomialFit:
    r"""Fit the Beta(a, b) prior by maximum likelihood, holding :math:`a+b` at a cap when it runs away.

    Parameters
    ----------
    x, n : array_like
        Satisfied counts and sizes per unit (at least two units). Weighted data: pass effective counts
        :math:`x^*_i = n^*_i \hat p_i` and :math:`n^*_i`.
    max_prior_size : float, optional
        Cap on :math:`a+b`; by default :math:`\sum_i n_i`.

    Returns
    -------
    BetaBinomialFit
        The prior, its log-likelihood, and whether the cap was reached.

    Notes
    -----
    Maximises :func:`beta_binomial_loglik` over :math:`(\ln a, \ln b)`, computed in the equivalent coordinates
    :math:`(\operatorname{logit}\mu, \ln s)`, :math:`\mu = a/(a+b)`, :math:`s = a+b`, so that the cap
    :math:`s \le s_{max}` is a simple bound (L-BFGS-B with the analytic gradient)

    .. math::

        \frac{\partial \ell}{\partial a} = \sum_i [\psi(x_i + a) - \psi(n_i + a + b)]
            - I[\psi(a) - \psi(a + b)],\quad
        \frac{\partial \ell}{\partial b} = \sum_i [\psi(n_i - x_i + b) - \psi(n_i + a + b)]
            - I[\psi(b) - \psi(a + b)].

    Starts: the method of moments (with :math:`\hat\mu = \sum x/\sum n`,
    :math:`S = \sum n_i(\hat p_i - \hat\mu)^2`,
    :math:`\hat\rho = [S/\hat\mu(1-\hat\mu) - (I-1)]/[N - \sum n_i^2/N - (I-1)]`, :math:`s = 1/\hat\rho - 1`)
    and two fixed prior sizes; the best optimum is kept.

    **The cap.** When the units vary no more than binomial sampling explains, the likelihood keeps rising as
    :math:`s \to \infty` (a point-mass prior: full pooling). The default cap :math:`s_{max} = \sum_i n_i`
    means the prior never counts for more than all the units' data together; at the cap a unit's posterior
    is about as wide as the uncertainty of the pooled mean itself, instead of the false certainty of an
    infinite prior. ``capped`` is then True and :math:`\mu` maximises the likelihood at :math:`s = s_{max}`.
    The cap also binds when a finite maximum lies beyond it. :math:`s` is kept above ``MIN_PRIOR_SIZE``.

    References
    ----------
    Griffiths (1973), *Biometrics* 29:637–648. Kleinman, J. C. (1973). Proportions with extraneous variance:
    single and independent samples. *JASA* 68:46–54. Efron, B. (2010). *Large-Scale Inference*, ch. 1.

    Examples
    --------
    >>> fit = fit_beta_binomial([95, 40, 180, 28, 60, 110], [100, 50, 200, 40, 61, 130])
    >>> print(round(fit.prior_mean, 3), round(fit.prior_size, 1), fit.capped)
    0.868 14.9 False
    """
    counts, sizes = _counts(x, n, minimum_units=2)
    total_x, total_n = counts.sum(), sizes.sum()
    if total_x <= 0 or total_x >= total_n:
        raise ValueError(
            "Every unit has x = 0, or every unit has x = n: the prior is not estimable; report the raw "
            "proportions with exact intervals instead."
        )
    cap = total_n if max_prior_size is None else float(max_prior_size)
    if not (np.isfinite(cap) and cap > MIN_PRIOR_SIZE):
        raise ValueError(f"The cap on a + b must be a finite number above {MIN_PRIOR_SIZE}; got {cap!r}.")
    pooled = float(total_x / total_n)
    units = sizes.size

    def negative(theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        mu, s = special.expit(theta[0]), np.exp(theta[1])
        a, b = mu * s, (1.0 - mu) * s
        value = np.sum(special.betaln(counts + a, sizes - counts + b)) - units * special.betaln(a, b)
        common = units * special.digamma(s) - np.sum(special.digamma(sizes + s))
        d_a = np.sum(special.digamma(counts + a)) - units * special.digamma(a) + common
        d_b = np.sum(special.digamma(sizes - counts + b)) - units * special.digamma(b) + common
        grad = np.array([s * mu * (1.0 - mu) * (d_a - d_b), a * d_a + b * d_b])
        return -float(value), -grad

    bounds = [(-_LOGIT_BOUND, _LOGIT_BOUND), (np.log(MIN_PRIOR_SIZE), np.log(cap))]
    logit0 = float(special.logit(pooled))
    runs = [
        optimize.minimize(
            negative,
            np.array([logit0, np.log(np.clip(s0, 2.0 * MIN_PRIOR_SIZE, cap))]),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 2000},
        )
        for s0 in (_moment_prior_size(counts, sizes, pooled), 10.0, cap / 2.0)
    ]
    # the best optimum; among runs that reach it (to rounding), one that reported convergence
    lowest = min(run.fun for run in runs)
    reached = [run for run in runs if run.fun <= lowest + 1e-9 * max(1.0, abs(lowest))]
    best = next((run for run in reached if run.success), reached[0])
    mu, s = float(special.expit(best.x[0])), float(np.exp(best.x[1]))
    return BetaBinomialFit(
        a=mu * s,
        b=(1.0 - mu) * s,
        prior_mean=mu,
        prior_size=s,
        pooled_mean=pooled,
        max_prior_size=cap,
        capped=bool(best.x[1] >= np.log(cap) - 1e-9),
        loglik=-float(best.fun),
        converged=bool(best.success),
        n_units=units,
    )


def beta_binomial_shrinkage(
    x: ArrayLike,
    n: ArrayLike,
    labels: Sequence[str] | None = None,
    *,
    target: float = 0.9,
    level: float = 0.95,
    max_prior_size: float | None = None,
) -> Shrinkage:
    r"""Shrunk estimates, credible intervals and P(true proportion < target) per unit.

    Parameters
    ----------
    x, n : array_like
        Satisfied counts and sizes per unit (at least two units); effective counts
        :math:`x^* = n^*\hat p`, :math:`n^*` for weighted data.
    labels : sequence of str, optional
        Unique unit labels.
    target : float
        The target :math:`p_0` (0.90 for SIPAS).
    level : float
        Credible level of the equal-tailed intervals.
    max_prior_size : float, optional
        Cap on :math:`a+b` (see :func:`fit_beta_binomial`); by default :math:`\sum n_i`.

    Returns
    -------
    Shrinkage
        Posterior summaries per unit, with the fitted prior.

    Notes
    -----
    With the fitted prior Beta(:math:`a, b`), unit :math:`i` has posterior
    Beta(:math:`a + x_i,\ b + n_i - x_i`), so

    .. math::

        \tilde\theta_i = \frac{a + x_i}{a + b + n_i}
            = (1 - B_i)\,\frac{x_i}{n_i} + B_i\,\frac{a}{a+b},\quad B_i = \frac{a+b}{a+b+n_i},
        \qquad P(\theta_i < p_0 \mid x_i) = I_{p_0}(a + x_i,\ b + n_i - x_i).

    The shrunk estimate lies between the raw proportion and the prior mean, and units with more data shrink
    less. The prior is estimated and then treated as known (empirical Bayes), which makes the intervals a
    little too narrow when there are few units; the cap on :math:`a+b` keeps this in bounds when the units do
    not differ (see :func:`fit_beta_binomial`).

    References
    ----------
    Efron, B. & Morris, C. (1975). Data analysis using Stein's estimator and its generalizations. *JASA*
    70:311–319.

    Examples
    --------
    >>> res = beta_binomial_shrinkage([95, 40, 180, 28, 60, 110], [100, 50, 200, 40, 61, 130])
    >>> print(res.raw.round(3))
    [0.95  0.8   0.9   0.7   0.984 0.846]
    >>> print(res.mean.round(3))
    [0.939 0.816 0.898 0.746 0.961 0.848]
    >>> print(res.prob_below.round(3))
    [0.053 0.976 0.519 0.999 0.015 0.97 ]
    """
    counts, sizes = _counts(x, n, minimum_units=2)
    names = _labels(labels, counts.size)
    _check_target(target)
    _check_level(level)
    fit = fit_beta_binomial(counts, sizes, max_prior_size=max_prior_size)
    post_a, post_b = fit.a + counts, fit.b + sizes - counts
    tail = (1.0 - level) / 2.0
    return Shrinkage(
        labels=_readonly(names),
        x=_readonly(counts),
        n=_readonly(sizes),
        raw=_readonly(counts / sizes),
        posterior_a=_readonly(post_a),
        posterior_b=_readonly(post_b),
        mean=_readonly(post_a / (post_a + post_b)),
        lower=_readonly(special.betaincinv(post_a, post_b, tail)),
        upper=_readonly(special.betaincinv(post_a, post_b, 1.0 - tail)),
        prob_below=_readonly(special.betainc(post_a, post_b, target)),
        weight_prior=_readonly(fit.prior_size / (fit.prior_size + sizes)),
        fit=fit,
        target=float(target),
        level=float(level),
    )


def _counts(
    x: ArrayLike, n: ArrayLike, *, minimum_units: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    counts = _as_vector("counts x", x)
    sizes = _as_vector("sizes n", n)
    if counts.size != sizes.size:
        raise ValueError(f"There are {counts.size} counts but {sizes.size} sizes.")
    if counts.size < minimum_units:
        raise ValueError(f"At least {minimum_units} units are needed; got {counts.size}.")
    if np.any(sizes <= 0):
        raise ValueError("Every size n must be positive.")
    if np.any((counts < 0) | (counts > sizes)):
        raise ValueError("Every count x must lie between 0 and its size n.")
    return counts, sizes


def _moment_prior_size(counts: NDArray[np.float64], sizes: NDArray[np.float64], pooled: float) -> float:
    """Method-of-moments prior size 1/rho - 1 (Kleinman 1973); infinite when no extra variation shows."""
    total = sizes.sum()
    spread = np.sum(sizes * (counts / sizes - pooled) ** 2) / (pooled * (1.0 - pooled))
    denominator = total - np.sum(sizes**2) / total - (sizes.size - 1)
    rho = (spread - (sizes.size - 1)) / denominator if denominator > 0 else 0.0
    return 1.0 / rho - 1.0 if rho > 0 else np.inf
