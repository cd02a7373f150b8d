"""Funnel plots: control limits around a target proportion by sample size, and over-dispersion.

A funnel plot shows each unit's proportion satisfied against its sample size (the effective size n* for
weighted data), with control limits around the target p0 that narrow as n grows. A unit outside the 95 %
limits is a warning, outside the 99.8 % limits an alarm (Spiegelhalter 2005a). The limits answer "could a unit
truly at p0 have given this result by chance?" and avoid ranking units by bare percentages.

When the units differ more than binomial sampling allows (over-dispersion: unmeasured differences in clientele
or procedures), most units fall outside the limits; the limits can then be widened multiplicatively (by
:math:`\\sqrt{\\hat\\phi}`) or additively (a between-unit variance :math:`\\hat\\tau^2`), as in Spiegelhalter
(2005b).

References
----------
Spiegelhalter, D. J. (2005a). Funnel plots for comparing institutional performance. *Statistics in Medicine*
24:1185–1202.

Spiegelhalter, D. J. (2005b). Handling over-dispersion of performance indicators. *Quality & Safety in Health
Care* 14:347–351.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

from scoring._compare import _as_vector, _check_level, _check_target, _labels, _readonly

__all__ = [
    "ABOVE",
    "BELOW",
    "INSIDE",
    "FunnelClassification",
    "FunnelLimits",
    "Overdispersion",
    "classify_funnel",
    "exact_limit",
    "funnel_curve",
    "funnel_limits",
    "overdispersion",
]

INSIDE = "inside"
ABOVE = "above"
BELOW = "below"

Adjustment = Literal["none", "multiplicative", "additive"]


@dataclass(frozen=True)
class FunnelLimits:
    """Control limits around a target, one column per sample size and one row per level.

    Attributes
    ----------
    n : numpy.ndarray, shape (N,)
        Sample sizes (effective sizes for weighted data).
    target : float
        The target proportion :math:`p_0`.
    levels : numpy.ndarray, shape (L,)
        Two-sided levels of the limits, e.g. 0.95 and 0.998.
    lower, upper : numpy.ndarray, shape (L, N)
        The limits, within [0, 1].
    adjustment : str
        "none" (exact binomial limits), "multiplicative" or "additive" (over-dispersion allowed for).
    phi : float
        The over-dispersion factor used (1 when not adjusted multiplicatively).
    tau2 : float
        The between-unit variance used (0 when not adjusted additively).
    """

    n: NDArray[np.float64]
    target: float
    levels: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    adjustment: str
    phi: float
    tau2: float

    def rows(self) -> Iterator[dict[str, float]]:
        """Yield one dictionary per sample size: ``n`` and ``lower_95``, ``upper_95``, ``lower_99.8``, ..."""
        tags = [_level_tag(level) for level in self.levels]
        for j, size in enumerate(self.n):
            row = {"n": float(size)}
            for i, tag in enumerate(tags):
                row[f"lower_{tag}"] = float(self.lower[i, j])
                row[f"upper_{tag}"] = float(self.upper[i, j])
            yield row


@dataclass(frozen=True)
class Overdispersion:
    """Over-dispersion of unit proportions around a target, from winsorised z-scores.

    Attributes
    ----------
    target : float
        The target :math:`p_0` the z-scores are centred on.
    z : numpy.ndarray
        z-scores :math:`z_i = (y_i - p_0)/s_i`, :math:`s_i = \\sqrt{p_0(1-p_0)/n_i}`.
    z_winsorised : numpy.ndarray
        The z-scores with the ``winsor`` share at each end pulled in.
    phi : float
        :math:`\\hat\\phi`, the mean square of the winsorised z-scores.
    statistic : float
        :math:`I\\hat\\phi`, referred to :math:`\\chi^2_{I-1}`.
    df : int
        :math:`I - 1`.
    p_value : float
        :math:`P(\\chi^2_{I-1} \\ge I\\hat\\phi)`.
    overdispersed : bool
        Whether :math:`\\hat\\phi > 1` and ``p_value`` < ``test_level``: only then do adjusted limits widen.
    tau2 : float
        The additive between-unit variance :math:`\\hat\\tau^2 \\ge 0` on the proportion scale.
    winsor : float
        Share winsorised at each end.
    test_level : float
        Level of the test of over-dispersion.
    """

    target: float
    z: NDArray[np.float64]
    z_winsorised: NDArray[np.float64]
    phi: float
    statistic: float
    df: int
    p_value: float
    overdispersed: bool
    tau2: float
    winsor: float
    test_level: float


@dataclass(frozen=True)
class FunnelClassification:
    """Where each unit lies against the funnel limits at its own sample size.

    Attributes
    ----------
    labels : numpy.ndarray of str
        Unit labels.
    y, n : numpy.ndarray
        The units' proportions and (effective) sample sizes.
    z : numpy.ndarray
        Unadjusted z-scores :math:`(y_i - p_0)/\\sqrt{p_0(1-p_0)/n_i}`.
    limits : FunnelLimits
        The limits at the units' sample sizes (``limits.n`` equals ``n``).
    status : numpy.ndarray of str, shape (L, I)
        "below", "inside" or "above" at each level (rows in the order of ``limits.levels``).
    dispersion : Overdispersion or None
        The over-dispersion assessment (None with fewer than two units).
    """

    labels: NDArray[np.str_]
    y: NDArray[np.float64]
    n: NDArray[np.float64]
    z: NDArray[np.float64]
    limits: FunnelLimits
    status: NDArray[np.str_]
    dispersion: Overdispersion | None

    def rows(self) -> Iterator[dict[str, str | float]]:
        """Yield one dictionary per unit: label, y, n, z and, per level, ``lower_95``, ``upper_95``,
        ``status_95``, ..."""
        tags = [_level_tag(level) for level in self.limits.levels]
        for j, label in enumerate(self.labels):
            row: dict[str, str | float] = {
                "label": str(label),
                "y": float(self.y[j]),
                "n": float(self.n[j]),
                "z": float(self.z[j]),
            }
            for i, tag in enumerate(tags):
                row[f"lower_{tag}"] = float(self.limits.lower[i, j])
                row[f"upper_{tag}"] = float(self.limits.upper[i, j])
                row[f"status_{tag}"] = str(self.status[i, j])
            yield row


def exact_limit(n: ArrayLike, prob: float, target: float = 0.9) -> NDArray[np.float64]:
    r"""The ``prob`` quantile of a binomial proportion at the target, interpolated (Spiegelhalter 2005a).

    Parameters
    ----------
    n : array_like
        Sample sizes, :math:`n \ge 1`; need not be integers (effective sizes :math:`n^*` of weighted data).
    prob : float
        The tail probability, in (0, 1): 0.025 and 0.975 give the 95 % limits, 0.001 and 0.999 the 99.8 %.
    target : float
        The target proportion :math:`p_0`, in (0, 1).

    Returns
    -------
    numpy.ndarray
        The limit :math:`y_p(n)` for each ``n``, within [0, 1].

    Notes
    -----
    For a whole number :math:`n`, with :math:`F` the Binomial(:math:`n, p_0`) distribution function and
    :math:`r_p` the smallest count with :math:`F(r_p) \ge p`,

    .. math::

        \alpha = \frac{F(r_p) - p}{F(r_p) - F(r_p - 1)}, \qquad y_p(n) = \frac{r_p - \alpha}{n}

    (Spiegelhalter 2005a, appendix): the interpolation between counts makes the limits nearly smooth in
    :math:`n` instead of a staircase. A negative value (when :math:`r_p = 0`) is reported as 0.

    The binomial distribution has whole numbers of trials only. For a non-integer :math:`n` the limit is
    interpolated linearly between the neighbouring whole numbers:
    :math:`y_p(n) = (1 - f)\,y_p(\lfloor n \rfloor) + f\,y_p(\lceil n \rceil)`,
    :math:`f = n - \lfloor n \rfloor`. (Extending :math:`F` to real :math:`n` through the incomplete beta
    function instead gives limits that saw-tooth within every unit interval of :math:`n`.) Sizes below 1 are
    refused: such a unit carries less information than one respondent and cannot be judged.

    The lower limit rises monotonically with :math:`n`. The upper limit is pressed against 1 at small
    :math:`n` and may rise slightly with :math:`n` there; from :math:`n = 10` on it falls, up to wiggles below
    :math:`10^{-3}` for :math:`p_0 \ge 0.5` left by the interpolation. For :math:`p_0 > 0.975` and
    :math:`n = 1` the upper 97.5 % limit lies below :math:`p_0`. For large :math:`n` the limits approach the
    normal approximation with continuity and skewness corrections,
    :math:`p_0 + (z_p\sigma + (z_p^2 - 1)(1 - 2p_0)/6 - 1/2)/n`, :math:`\sigma^2 = np_0(1-p_0)`.

    References
    ----------
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance. *Statistics in
    Medicine* 24:1185–1202.

    Examples
    --------
    >>> print(exact_limit([20, 100, 1000], 0.025).round(4))
    [0.7215 0.8323 0.8805]
    >>> print(exact_limit([20, 20.25, 21], 0.025).round(4))
    [0.7215 0.7231 0.7276]
    """
    sizes = _as_sizes(n)
    if not (0.0 < prob < 1.0):
        raise ValueError(f"The tail probability must lie strictly between 0 and 1; got {prob!r}.")
    _check_target(target)
    if np.any(sizes < 1.0):
        raise ValueError("Exact binomial limits need sample sizes of at least 1.")
    below, above = np.floor(sizes), np.ceil(sizes)
    limits = _integer_limit(np.concatenate([below, above]), prob, target)
    frac = sizes - below
    return (1.0 - frac) * limits[: sizes.size] + frac * limits[sizes.size :]


def funnel_limits(
    n: ArrayLike,
    target: float = 0.9,
    levels: Sequence[float] = (0.95, 0.998),
    *,
    dispersion: Overdispersion | None = None,
    adjustment: Adjustment = "multiplicative",
) -> FunnelLimits:
    r"""Control limits around the target at given sample sizes, exact or widened for over-dispersion.

    Parameters
    ----------
    n : array_like
        Sample sizes :math:`n > 0` (effective sizes :math:`n^*` for weighted data).
    target : float
        The target proportion :math:`p_0` (0.90 for SIPAS).
    levels : sequence of float
        Two-sided levels; the default 95 % and 99.8 % are Spiegelhalter's "2 and 3 sigma" limits.
    dispersion : Overdispersion, optional
        The result of :func:`overdispersion` for the same target. When given and it reports over-dispersion,
        the limits are widened by ``adjustment``; otherwise the exact binomial limits are returned.
    adjustment : {"multiplicative", "additive", "none"}
        How to widen the limits for over-dispersion; "none" ignores ``dispersion``.

    Returns
    -------
    FunnelLimits
        Lower and upper limits, shape (levels, sizes), and the adjustment actually applied.

    Notes
    -----
    Without adjustment, the limits are :func:`exact_limit` at :math:`p = (1 \mp \text{level})/2`.
    With over-dispersion (Spiegelhalter 2005a, 2005b), on the normal approximation with
    :math:`z = \Phi^{-1}((1 + \text{level})/2)` and :math:`s^2(n) = p_0(1-p_0)/n`:

    .. math::

        \text{multiplicative: } p_0 \pm z\sqrt{\hat\phi\, s^2(n)}, \qquad
        \text{additive: } p_0 \pm z\sqrt{s^2(n) + \hat\tau^2},

    clipped to [0, 1]. The multiplicative form widens every limit by the same factor :math:`\sqrt{\hat\phi}`;
    the additive form widens the limits of large units most, so that the funnel does not close to a point.

    References
    ----------
    Spiegelhalter (2005a), *Statistics in Medicine* 24:1185–1202; Spiegelhalter (2005b), *Quality & Safety in
    Health Care* 14:347–351.

    Examples
    --------
    >>> lim = funnel_limits([50, 400])
    >>> print(lim.lower.round(3))
    [[0.8   0.868]
     [0.74  0.85 ]]
    >>> print(lim.upper.round(3), lim.adjustment)
    [[0.966 0.927]
     [0.996 0.942]] none
    """
    sizes = _as_sizes(n)
    _check_target(target)
    lev = _as_levels(levels)
    if adjustment not in ("none", "multiplicative", "additive"):
        choices = "'none', 'multiplicative' or 'additive'"
        raise ValueError(f"The adjustment must be {choices}; got {adjustment!r}.")
    if dispersion is not None and not np.isclose(dispersion.target, target, rtol=0, atol=1e-12):
        raise ValueError(
            f"The over-dispersion was assessed around {dispersion.target}, not around the target {target}."
        )
    if dispersion is None or not dispersion.overdispersed or adjustment == "none":
        lower = np.stack([exact_limit(sizes, (1.0 - level) / 2.0, target) for level in lev])
        upper = np.stack([exact_limit(sizes, (1.0 + level) / 2.0, target) for level in lev])
        return _limits(sizes, target, lev, lower, upper, "none", 1.0, 0.0)
    phi = dispersion.phi if adjustment == "multiplicative" else 1.0
    tau2 = dispersion.tau2 if adjustment == "additive" else 0.0
    z = stats.norm.ppf((1.0 + lev) / 2.0)[:, None]
    half = z * np.sqrt(phi * target * (1.0 - target) / sizes + tau2)[None, :]
    lower = np.clip(target - half, 0.0, 1.0)
    upper = np.clip(target + half, 0.0, 1.0)
    return _limits(sizes, target, lev, lower, upper, adjustment, phi, tau2)


def funnel_curve(
    n_min: float,
    n_max: float,
    target: float = 0.9,
    levels: Sequence[float] = (0.95, 0.998),
    *,
    num: int = 200,
    dispersion: Overdispersion | None = None,
    adjustment: Adjustment = "multiplicative",
) -> FunnelLimits:
    r"""Funnel limits over a grid of sample sizes, for drawing the curves of a funnel plot.

    Parameters
    ----------
    n_min, n_max : float
        The range of sample sizes on the plot's x axis, :math:`0 < n_{min} < n_{max}`.
    target, levels, dispersion, adjustment
        As in :func:`funnel_limits`.
    num : int
        Number of grid points (at least 2).

    Returns
    -------
    FunnelLimits
        Limits on a geometric grid from ``n_min`` to ``n_max``.

    Notes
    -----
    The grid is geometric, :math:`n_j = n_{min}(n_{max}/n_{min})^{j/(num-1)}`, dense where the funnel bends
    (small :math:`n`); it suits a logarithmic or a linear x axis. The exact limits are evaluated at every grid
    point, including non-integer ones (see :func:`exact_limit`).

    References
    ----------
    Spiegelhalter (2005a), *Statistics in Medicine* 24:1185–1202.

    Examples
    --------
    >>> curve = funnel_curve(10, 1000, num=3)
    >>> print(curve.n, curve.lower[0].round(3))
    [  10.  100. 1000.] [0.621 0.832 0.881]
    """
    if not (np.isfinite(n_min) and np.isfinite(n_max) and 0.0 < n_min < n_max):
        raise ValueError(f"The grid needs 0 < n_min < n_max (finite); got n_min={n_min!r}, n_max={n_max!r}.")
    if int(num) != num or num < 2:
        raise ValueError(f"The grid needs at least two points; got num={num!r}.")
    grid = np.geomspace(n_min, n_max, int(num))
    return funnel_limits(grid, target, levels, dispersion=dispersion, adjustment=adjustment)


def overdispersion(
    y: ArrayLike,
    n: ArrayLike,
    target: float = 0.9,
    *,
    winsor: float = 0.1,
    test_level: float = 0.05,
) -> Overdispersion:
    r"""Estimate and test over-dispersion of unit proportions around the target (Spiegelhalter 2005b).

    Parameters
    ----------
    y : array_like
        Unit proportions in [0, 1].
    n : array_like
        Their (effective) sample sizes, :math:`n > 0`.
    target : float
        The target :math:`p_0` around which the z-scores are formed.
    winsor : float
        Share of z-scores winsorised at each end, in [0, 0.5); 10 % as recommended.
    test_level : float
        Level of the :math:`\chi^2` test of over-dispersion.

    Returns
    -------
    Overdispersion
        :math:`\hat\phi`, the test, :math:`\hat\tau^2` and whether the data are over-dispersed.

    Notes
    -----
    .. math::

        z_i = \frac{y_i - p_0}{s_i},\quad s_i^2 = \frac{p_0(1-p_0)}{n_i},\qquad
        \hat\phi = \frac{1}{I}\sum_i z_i^{W\,2},\qquad
        I\hat\phi \sim \chi^2_{I-1} \text{ under no over-dispersion},

        \hat\tau^2 = \max\Bigl(0,\ \frac{I\hat\phi - (I-1)}{\sum_i w_i - \sum_i w_i^2/\sum_i w_i}\Bigr),
        \qquad w_i = 1/s_i^2,

    where :math:`z^W` are the winsorised z-scores: with :math:`k = \lfloor \text{winsor}\cdot I\rfloor`, the
    :math:`k` smallest are set to the :math:`(k+1)`-th smallest and the :math:`k` largest to the
    :math:`(k+1)`-th largest (as ``scipy.stats.mstats.winsorize``); with fewer than 10 units nothing is
    winsorised at 10 %. Winsorising keeps a few genuine outliers from inflating :math:`\hat\phi` and hiding
    themselves. Over-dispersion is declared when :math:`\hat\phi > 1` and the :math:`\chi^2` test rejects at
    ``test_level``. :math:`\hat\tau^2` (a DerSimonian–Laird moment estimator) uses the same winsorised
    :math:`\hat\phi`.

    The z-scores are centred on the target, not on the units' mean: when most units miss a 90 % target, the
    common shortfall itself shows as over-dispersion and adjusted limits would hide it. To assess dispersion
    among the units only, pass their pooled proportion as ``target`` here and draw the funnel around it.

    References
    ----------
    Spiegelhalter, D. J. (2005). Handling over-dispersion of performance indicators. *Quality & Safety in
    Health Care* 14:347–351.

    DerSimonian, R. & Laird, N. (1986). Meta-analysis in clinical trials. *Controlled Clinical Trials*
    7:177–188.

    Examples
    --------
    >>> od = overdispersion([0.95, 0.80, 0.91, 0.70, 0.93, 0.88], [200, 150, 400, 120, 90, 300])
    >>> print(round(od.phi, 2), od.df, od.overdispersed, round(od.tau2, 5))
    13.04 5 True 0.00663
    """
    props, sizes = _units(y, n)
    _check_target(target)
    if props.size < 2:
        raise ValueError("Over-dispersion needs at least two units.")
    if not (0.0 <= winsor < 0.5):
        raise ValueError(f"The winsorised share must lie in [0, 0.5); got {winsor!r}.")
    if not (0.0 < test_level < 1.0):
        raise ValueError(f"The test level must lie strictly between 0 and 1; got {test_level!r}.")
    units = props.size
    var = target * (1.0 - target) / sizes
    z = (props - target) / np.sqrt(var)
    k = int(np.floor(winsor * units + 1e-9))
    ordered = np.sort(z)
    z_w = np.clip(z, ordered[k], ordered[units - 1 - k])
    phi = float(np.mean(z_w**2))
    statistic = units * phi
    p_value = float(stats.chi2.sf(statistic, units - 1))
    w = 1.0 / var
    tau2 = max(0.0, (statistic - (units - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return Overdispersion(
        target=float(target),
        z=_readonly(z),
        z_winsorised=_readonly(z_w),
        phi=phi,
        statistic=float(statistic),
        df=units - 1,
        p_value=p_value,
        overdispersed=bool(phi > 1.0 and p_value < test_level),
        tau2=float(tau2),
        winsor=float(winsor),
        test_level=float(test_level),
    )


def classify_funnel(
    y: ArrayLike,
    n: ArrayLike,
    target: float = 0.9,
    levels: Sequence[float] = (0.95, 0.998),
    labels: Sequence[str] | None = None,
    *,
    adjustment: Adjustment = "none",
    winsor: float = 0.1,
    test_level: float = 0.05,
) -> FunnelClassification:
    r"""Place each unit inside, above or below the funnel limits at its own sample size.

    Parameters
    ----------
    y : array_like
        Unit proportions in [0, 1] (leave out units without an estimate).
    n : array_like
        Their (effective) sample sizes, :math:`n > 0`.
    target, levels
        As in :func:`funnel_limits`.
    labels : sequence of str, optional
        Unique unit labels.
    adjustment : {"none", "multiplicative", "additive"}
        Whether to widen the limits for over-dispersion; the widening happens only when
        :func:`overdispersion` (with ``winsor`` and ``test_level``) finds it.
    winsor, test_level
        As in :func:`overdispersion`.

    Returns
    -------
    FunnelClassification
        Per unit and level: "below", "inside" or "above", with the limits and the over-dispersion assessment.

    Notes
    -----
    .. math::

        \text{below} \iff y_i < L(n_i),\qquad \text{above} \iff y_i > U(n_i),

    with :math:`L, U` from :func:`funnel_limits`. The over-dispersion assessment is always computed and
    reported (with two units or more), whether or not it is used.

    References
    ----------
    Spiegelhalter (2005a), *Statistics in Medicine* 24:1185–1202; Spiegelhalter (2005b), *Quality & Safety in
    Health Care* 14:347–351.

    Examples
    --------
    >>> res = classify_funnel([0.95, 0.80, 0.91, 0.70], [200, 150, 400, 120], labels=["A", "B", "C", "D"])
    >>> print(res.status.tolist())
    [['above', 'below', 'inside', 'below'], ['inside', 'below', 'inside', 'below']]
    """
    props, sizes = _units(y, n)
    names = _labels(labels, props.size)
    if adjustment != "none" and props.size < 2:
        raise ValueError("Adjusting for over-dispersion needs at least two units.")
    dispersion = None
    if props.size >= 2:
        dispersion = overdispersion(props, sizes, target, winsor=winsor, test_level=test_level)
    limits = funnel_limits(sizes, target, levels, dispersion=dispersion, adjustment=adjustment)
    status = np.where(props < limits.lower, BELOW, np.where(props > limits.upper, ABOVE, INSIDE))
    z = (props - target) / np.sqrt(target * (1.0 - target) / sizes)
    return FunnelClassification(
        labels=_readonly(names),
        y=_readonly(props),
        n=_readonly(sizes),
        z=_readonly(z),
        limits=limits,
        status=_readonly(status.astype(str)),
        dispersion=dispersion,
    )


def _integer_limit(m: NDArray[np.float64], prob: float, theta: float) -> NDArray[np.float64]:
    """Spiegelhalter's interpolated ``prob`` quantile of X/m, X ~ Binomial(m, theta), for whole m >= 1."""
    lo = np.full(m.shape, -1.0)  # F(lo) < prob, since F(-1) = 0
    hi = m.copy()  # F(hi) >= prob, since F(m) = 1
    while np.any(hi - lo > 1):  # bisection for r_p, all sizes at once
        mid = np.floor((lo + hi) / 2.0)
        short = _cdf(mid, m, theta) < prob
        active = hi - lo > 1
        lo = np.where(active & short, mid, lo)
        hi = np.where(active & ~short, mid, hi)
    f_r, f_before = _cdf(hi, m, theta), _cdf(hi - 1.0, m, theta)
    alpha = (f_r - prob) / (f_r - f_before)
    return np.clip((hi - alpha) / m, 0.0, 1.0)


def _cdf(r: NDArray[np.float64], m: NDArray[np.float64], theta: float) -> NDArray[np.float64]:
    """Binomial(m, theta) distribution function at whole r: I_{1-theta}(m - r, r + 1), 0 below 0, 1 from m."""
    inside = (r >= 0) & (r < m)
    value = special.betainc(np.where(inside, m - r, 1.0), np.where(inside, r + 1.0, 1.0), 1.0 - theta)
    return np.where(r < 0, 0.0, np.where(inside, value, 1.0))


def _as_sizes(n: ArrayLike) -> NDArray[np.float64]:
    sizes = _as_vector("sample sizes", n)
    if np.any(sizes <= 0):
        raise ValueError("Every sample size must be positive.")
    return sizes


def _units(y: ArrayLike, n: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    props = _as_vector("proportions", y)
    sizes = _as_sizes(n)
    if props.size != sizes.size:
        raise ValueError(f"There are {props.size} proportions but {sizes.size} sample sizes.")
    if np.any((props < 0) | (props > 1)):
        raise ValueError("Every proportion must lie between 0 and 1.")
    return props, sizes


def _as_levels(levels: Sequence[float]) -> NDArray[np.float64]:
    lev = _as_vector("levels", levels)
    if lev.size == 0:
        raise ValueError("At least one level is needed.")
    for level in lev:
        _check_level(float(level))
    return lev


def _level_tag(level: float) -> str:
    """``0.95`` → ``"95"``, ``0.998`` → ``"99.8"``."""
    return f"{round(100.0 * float(level), 6):g}"


def _limits(
    sizes: NDArray[np.float64],
    target: float,
    levels: NDArray[np.float64],
    lower: NDArray[np.float64],
    upper: NDArray[np.float64],
    adjustment: str,
    phi: float,
    tau2: float,
) -> FunnelLimits:
    return FunnelLimits(
        n=_readonly(sizes),
        target=float(target),
        levels=_readonly(levels),
        lower=_readonly(lower),
        upper=_readonly(upper),
        adjustment=adjustment,
        phi=float(phi),
        tau2=float(tau2),
    )
