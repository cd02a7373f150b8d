"""Estimates for a unit that did not exist yet, reconstructed from the estimates of its predecessors.

When communes or departments are merged (Sơn La, 1 July 2025: 200 communes became 75), a new unit's trend
needs quarters from before the change. Its predecessors were sampled as disjoint, independent units (former
communes, a former district's agency split among several new communes, two departments merged into one), so
the new unit's estimate for such a quarter is a stratified combination of theirs, each weighted by the size
it passes to the new unit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from scoring._checks import as_weights, check_confidence, check_target
from scoring._compare import _satterthwaite
from scoring._intervals import INSUFFICIENT, NO_ESTIMATE, NO_TARGET, proportion_interval
from scoring._reliability import RELIABLE, ReliabilityRules, reliability
from scoring._score import BOUNDARY, NCHS_RULES, NO_ANSWERS, ZERO_VARIANCE, Estimate

__all__ = ["RECONSTRUCTED", "Combined", "combine"]

#: The default ``level`` of a reconstructed estimate.
RECONSTRUCTED = "reconstructed"


@dataclass(frozen=True)
class Combined:
    """A reconstructed estimate and how much of the new unit it covers.

    Attributes
    ----------
    estimate : Estimate
        The combined estimate, with its interval, decision and reliability.
    covered : float
        Share of the total weight carried by the predecessors that entered the estimate (those with a
        positive weight and an estimate), :math:`\\sum_{k\\,\\text{used}} w_k / \\sum_k w_k`; 1 when every
        predecessor with a weight has answers.
    parts : int
        Number of predecessors that entered the estimate.
    """

    estimate: Estimate
    covered: float
    parts: int


def combine(
    parts: Sequence[Estimate],
    weights: Sequence[float],
    *,
    name: str | None = None,
    level: str = RECONSTRUCTED,
    domain: int = -1,
    target: float | None = None,
    confidence: float = 0.95,
    rules: ReliabilityRules | None = NCHS_RULES,
    proportion: bool = True,
) -> Combined:
    r"""Combine the estimates of disjoint, independently sampled units into the estimate of their union.

    Parameters
    ----------
    parts : sequence of Estimate
        The predecessors' estimates of one quantity in one period (e.g. ``scores.get("commune", c,
        "overall")`` for each former commune ``c``). A part without an estimate (``nan``) is left out.
    weights : sequence of float
        One non-negative, finite relative size per part: the part's service volume times the share of it that
        passed to the new unit. Only ratios matter. A part with weight 0 is left out.
    name : str, optional
        Name of the combined estimate; by default the parts' common name (they must then share one).
    level : str
        Level of the combined estimate (default ``"reconstructed"``).
    domain : int
        Domain code of the new unit (default -1).
    target : float, optional
        Target proportion for the decision (proportions only); None for no decision.
    confidence : float
        Two-sided confidence level.
    rules : ReliabilityRules or None
        Reliability rules (default: NCHS, as :func:`scoring.score`); an estimate that fails them gets decision
        ``insufficient``.
    proportion : bool
        Whether the parts are proportions or indices in [0, 1] (Korn–Graubard interval, width rules) or means
        (t interval, rules on the numbers of answers only, no decision).

    Returns
    -------
    Combined
        ``estimate`` (an :class:`Estimate`), ``covered`` (the share of the weight behind it) and ``parts``
        (how many predecessors entered it).

    Raises
    ------
    ValueError
        When there are no parts, a part is not an :class:`Estimate` or has an estimate without a standard
        error, the weights do not match the parts, a weight is negative or not finite, every weight is 0, the
        parts' names differ and no ``name`` is given, or a target is given for means.

    Notes
    -----
    With :math:`U` the parts that have a positive weight and an estimate, the weights are normalised over
    :math:`U`, :math:`a_k = w_k / \sum_{j \in U} w_j`, and

    .. math::

        \hat\theta = \sum_{k} a_k \hat\theta_k, \qquad
        V = \sum_{k} a_k^2\, \mathrm{se}_k^2, \qquad
        \nu = \min\Bigl(\frac{V^2}{\sum_k (a_k^2\,\mathrm{se}_k^2)^2/\nu_k},\ \sum_k \nu_k\Bigr),

    the stratified estimator of a total divided by the population (Cochran 1977, §5.3; Kish 1965, §3.3) with
    the parts as strata sampled independently, so no covariance enters :math:`V`. :math:`\mathrm{se}_k` is
    each part's floored standard error, the one its interval used. The degrees of freedom are
    Welch–Satterthwaite's (Cochran 1977, §5.4; Satterthwaite 1946), rounded down to a whole number for
    :attr:`Estimate.df`; the interval uses the rounded value. Without any variance, :math:`\nu = \sum_k \nu_k`.

    The reconstruction covers only the predecessors with answers: the weights are renormalised over
    :math:`U`, and :attr:`Combined.covered` says what share of the new unit that is. A covered share well
    below 1 means the estimate describes part of the new unit only.

    Numbers of answers and effective sizes, one rule for proportions, composites and means:
    :math:`n = \sum_k n_k`; each part's simple-random-sampling variance is
    :math:`v_k = \mathrm{se}_k^2/\mathrm{deff}_k` (its own floor; :math:`\mathrm{se}_k^2` where
    :math:`\mathrm{deff}_k` is missing), so :math:`s_k^2 = n_k v_k` is the variance of its respondents' scores.
    The variance of the new unit's respondents' scores is the within-plus-between decomposition (Cochran 1977,
    §5.6), and

    .. math::

        V_{\mathrm{srs}} = \frac{1}{n}\sum_k a_k\bigl(s_k^2 + (\hat\theta_k - \hat\theta)^2\bigr), \qquad
        \mathrm{deff} = \max(1, V / V_{\mathrm{srs}}), \qquad n_{\mathrm{eff}} = n / \mathrm{deff}.

    For shares of one yes/no answer :math:`s_k^2 = \hat\theta_k(1-\hat\theta_k)` and the decomposition is
    exact, :math:`V_{\mathrm{srs}} = \hat\theta(1-\hat\theta)/n`, so
    :math:`n_{\mathrm{eff}} = \min(n, \hat\theta(1-\hat\theta)/V)`, Korn and Graubard's size. For a composite or
    a mean it is the sample variance of the respondents' scores over :math:`n`, as the scorer's floor is.
    Where :math:`V_{\mathrm{srs}} = 0`, deff is Kish's weighting effect
    :math:`n/n_{\mathrm{Kish}}`, with :math:`1/n_{\mathrm{Kish}} = \sum_k a_k^2 / n_{\mathrm{Kish},k}` (exact
    for the respondents' combined weights). ``coverage`` is :math:`\sum_k a_k c_k` (the parts' own coverage).

    The raw figures combine the parts' raw standard errors the same way: :math:`V_{\mathrm{raw}} = \sum_k a_k^2
    \mathrm{se}_{\mathrm{raw},k}^2`, ``n_eff_raw`` is :math:`\hat\theta(1-\hat\theta)/V_{\mathrm{raw}}`
    (proportions) and ``deff_raw`` is :math:`V_{\mathrm{raw}}/V_{\mathrm{srs}}`, against sampling :math:`n` of
    the new unit's respondents with replacement: an :class:`Estimate` does not carry the population size that
    R's without-replacement version needs.

    The interval of a proportion is the one the scorer gives a composite: Korn–Graubard's beta interval from
    :math:`V` with :math:`n` and :math:`\nu` (:func:`scoring.proportion_interval`, method ``"beta"``); its shape
    :math:`\hat\theta(1-\hat\theta)/V` may exceed :math:`n` when the parts differ (the gain of stratification),
    while the reported ``n_eff`` never does. At an estimate of exactly 0 or 1, or a zero variance, the bounds
    are Clopper–Pearson on :math:`n_{\mathrm{Kish}}`, with the ``reason``. The p-value and decision against
    ``target`` are those of the same interval. A mean gets :math:`\hat\theta \pm t_{\nu,1-\alpha/2}\sqrt V`.
    An estimate that fails ``rules`` gets decision ``insufficient`` (with a target) and its ``reliability``
    names the rule.

    A single part with a positive weight and an estimate is returned unchanged apart from ``level``,
    ``domain`` and ``name``: its interval, decision and reliability are those it was scored with. With no
    such part the estimate is ``nan`` with reason "no valid answers in this domain".

    References
    ----------
    Cochran, W. G. (1977), *Sampling Techniques*, 3rd ed., Wiley, §5.3 (the stratified estimate and its
    variance), §5.4 (Satterthwaite's degrees of freedom), §5.6 (stratified versus simple random sampling);
    Kish, L. (1965), *Survey Sampling*, Wiley, §3.3; Satterthwaite, F. E. (1946), *Biometrics
    Bulletin* 2:110–114; Korn and Graubard (1998), *Survey Methodology* 24:193–201.

    Examples
    --------
    Two former communes, 300 and 100 cases a quarter, one wholly merged into the new commune and half of the
    other; 160 and 180 of 200 respondents satisfied:

    >>> import numpy as np
    >>> from scoring import Design, proportions
    >>> satisfied = np.r_[np.arange(200) < 160, np.arange(200) < 180]
    >>> commune = np.repeat([0, 1], 200)
    >>> r = proportions(satisfied, Design(strata=commune), {"commune": commune}, names=["overall"])
    >>> old = [r.get("commune", c, "overall") for c in (0, 1)]
    >>> new = combine(old, [300 * 1.0, 100 * 0.5], target=0.75)
    >>> e = new.estimate
    >>> print(round(e.estimate, 4), round(e.se, 4), e.df, e.n, round(e.n_eff, 1), e.decision)
    0.8143 0.0245 205 400 252.1 met
    >>> new.covered, new.parts
    (1.0, 2)
    """
    parts, w = _check(parts, weights)
    used = (w > 0) & np.array([not math.isnan(p.estimate) for p in parts])
    covered = float(w[used].sum() / w.sum())
    label = _name(parts, name)
    chosen = [p for p, u in zip(parts, used, strict=True) if u]
    confidence = check_confidence(confidence)
    target = check_target(target)
    if target is not None and not proportion:
        raise ValueError("A target decision applies to proportions only; give target=None for means.")
    if len(chosen) == 1:
        estimate = replace(chosen[0], level=level, domain=domain, name=label)
    elif not chosen:
        estimate = _empty(level, domain, label, target, rules)
    else:
        estimate = _combine(
            chosen,
            w[used] / w[used].sum(),
            level=level,
            domain=domain,
            name=label,
            target=target,
            confidence=confidence,
            rules=rules,
            proportion=proportion,
        )
    return Combined(estimate=estimate, covered=covered, parts=len(chosen))


def _check(parts: Sequence[Estimate], weights: Sequence[float]) -> tuple[list[Estimate], np.ndarray]:
    parts = list(parts)
    if not parts:
        raise ValueError("Give at least one part to combine.")
    for k, part in enumerate(parts):
        if not isinstance(part, Estimate):
            raise ValueError(f"Part {k} is a {type(part).__name__}, not an Estimate.")
        if not math.isnan(part.estimate) and not (math.isfinite(part.se) and part.se >= 0):
            raise ValueError(f"Part {k} has an estimate but no finite standard error ({part.se!r}).")
    w = as_weights(weights, "weights", positive=False)
    if w.size != len(parts):
        raise ValueError(f"There are {len(parts)} parts but {w.size} weights; give one weight per part.")
    if not w.sum() > 0:
        raise ValueError("Every weight is 0: at least one part must pass something to the new unit.")
    return parts, w


def _name(parts: list[Estimate], name: str | None) -> str:
    if name is not None:
        return str(name)
    names = list(dict.fromkeys(p.name for p in parts))
    if len(names) > 1:
        raise ValueError(f"The parts have different names ({', '.join(names)}); say which it is with name=.")
    return names[0]


def _empty(level: str, domain: int, name: str, target: float | None, rules: ReliabilityRules | None) -> Estimate:
    """The estimate of a new unit none of whose predecessors has answers."""
    nan = float("nan")
    fit = RELIABLE if rules is None else str(reliability(nan, nan, nan, 0, nan, rules)[()])
    return Estimate(
        level=level,
        domain=domain,
        name=name,
        estimate=nan,
        se=nan,
        lower=nan,
        upper=nan,
        n=0,
        n_eff=nan,
        n_kish=nan,
        deff=nan,
        deff_kish=nan,
        df=0,
        p_value=nan,
        decision=NO_TARGET if target is None else NO_ESTIMATE,
        reason=NO_ANSWERS,
        coverage=0.0,
        reliability=fit,
    )


def _combine(
    parts: list[Estimate],
    a: np.ndarray,
    *,
    level: str,
    domain: int,
    name: str,
    target: float | None,
    confidence: float,
    rules: ReliabilityRules | None,
    proportion: bool,
) -> Estimate:
    """The stratified combination of two or more parts with normalised weights ``a``."""

    def field(attribute: str) -> np.ndarray:
        return np.array([getattr(p, attribute) for p in parts], dtype=np.float64)

    theta_k, se_k, se_raw_k, n_k = field("estimate"), field("se"), field("se_raw"), field("n")
    deff_k, df_k = field("deff"), field("df")
    estimate = float(a @ theta_k)
    terms = a * a * se_k * se_k
    var = float(terms.sum())
    var_raw = float(a * a @ (se_raw_k * se_raw_k))
    n = int(n_k.sum())
    df_sum = float(df_k.sum())
    welch = float(_satterthwaite(terms, df_k))
    df = math.floor(min(welch, df_sum)) if not math.isnan(welch) else int(df_sum)

    with np.errstate(invalid="ignore", divide="ignore"):
        own = np.isfinite(deff_k) & (deff_k > 0)
        v_srs_k = np.where(own, se_k * se_k / np.where(own, deff_k, 1.0), se_k * se_k)
        v_srs = float(a @ (n_k * v_srs_k + (theta_k - estimate) ** 2)) / n
        n_kish = float(1.0 / (a * a @ (1.0 / field("n_kish"))))
    deff_kish = n / n_kish
    deff = max(1.0, var / v_srs) if v_srs > 0 else deff_kish
    deff_raw = var_raw / v_srs if v_srs > 0 else math.nan
    n_eff_raw = estimate * (1 - estimate) / var_raw if proportion and var_raw > 0 else math.nan

    reason = ""
    if proportion:
        ci = proportion_interval(
            estimate, var, n, df, fallback_size=n_kish, method="beta", confidence=confidence, target=target
        )
        lower, upper = float(ci.lower[()]), float(ci.upper[()])
        p_value, decision = float(ci.p_value[()]), str(ci.decision[()])
        if ci.fallback[()]:
            reason = BOUNDARY if estimate in (0.0, 1.0) else ZERO_VARIANCE
    else:
        half = float(stats.t.ppf(0.5 + confidence / 2, max(df, 1))) * math.sqrt(var)
        lower, upper = estimate - half, estimate + half
        p_value, decision = math.nan, NO_TARGET
    n_eff = n / deff
    fit = RELIABLE
    if rules is not None:
        fit = str(reliability(estimate, lower, upper, n, n_eff, rules, proportion=proportion)[()])
        if target is not None and fit != RELIABLE:
            decision = INSUFFICIENT
    return Estimate(
        level=level,
        domain=domain,
        name=name,
        estimate=estimate,
        se=math.sqrt(var),
        lower=lower,
        upper=upper,
        n=n,
        n_eff=n_eff,
        n_kish=n_kish,
        deff=deff,
        deff_kish=deff_kish,
        df=df,
        p_value=p_value,
        decision=decision,
        reason=reason,
        coverage=float(a @ field("coverage")),
        se_raw=math.sqrt(var_raw),
        n_eff_raw=n_eff_raw,
        deff_raw=deff_raw,
        reliability=fit,
    )
