"""What an estimate may claim: presentation standards for proportions from small samples.

An estimate that fails these rules is still shown with its number of answers, but it gets no target
decision, no rank and no funnel or shrinkage classification: its answers cannot support one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring._checks import readonly

#: The estimate meets every rule.
RELIABLE = ""
#: Fewer answers than :attr:`ReliabilityRules.min_n`.
FEW_ANSWERS = "few_answers"
#: Effective sample size below :attr:`ReliabilityRules.min_effective`.
SMALL_EFFECTIVE_SIZE = "small_effective_size"
#: Confidence interval wider than :attr:`ReliabilityRules.max_width`.
WIDE_INTERVAL = "wide_interval"
#: Interval wide relative to the estimate or its complement (:attr:`ReliabilityRules.max_relative_width`).
WIDE_RELATIVE_INTERVAL = "wide_relative_interval"
#: Every reason, in the order the rules are checked (the first that fails is reported).
RELIABILITY_REASONS = (FEW_ANSWERS, SMALL_EFFECTIVE_SIZE, WIDE_INTERVAL, WIDE_RELATIVE_INTERVAL)


@dataclass(frozen=True)
class ReliabilityRules:
    """Presentation standards: the least an estimate needs before it may carry a verdict.

    The defaults are the NCHS Data Presentation Standards for Proportions (Parker et al. 2017).

    Attributes
    ----------
    min_n : int
        Least number of answers behind the estimate (default 30).
    min_effective : float
        Least effective sample size :math:`n_{\\mathrm{eff}} = n/\\mathrm{deff}` (default 30).
    max_width : float
        Widest acceptable two-sided interval, as a proportion (default 0.30, i.e. 30 points).
    max_relative_width : float or None
        Widest acceptable interval relative to :math:`\\min(\\hat p, 1-\\hat p)` (default 1.30, i.e.
        130%); ``None`` turns the rule off.
    exempt_width : float
        Intervals at most this wide pass the relative rule (default 0.05, as in the standards).
    """

    min_n: int = 30
    min_effective: float = 30.0
    max_width: float = 0.30
    max_relative_width: float | None = 1.30
    exempt_width: float = 0.05

    def __post_init__(self) -> None:
        if int(self.min_n) != self.min_n or self.min_n < 1:
            raise ValueError(f"min_n must be a whole number of answers, at least 1; got {self.min_n!r}.")
        if not self.min_effective >= 0:
            raise ValueError(f"min_effective must be zero or more; got {self.min_effective!r}.")
        if not 0 < self.max_width <= 1:
            raise ValueError(f"max_width is a proportion in (0, 1]; got {self.max_width!r}.")
        if self.max_relative_width is not None and not self.max_relative_width > 0:
            raise ValueError(f"max_relative_width must be positive or None; got {self.max_relative_width!r}.")
        if not 0 <= self.exempt_width < self.max_width:
            raise ValueError(
                f"exempt_width must lie in [0, max_width); got {self.exempt_width!r} with max_width "
                f"{self.max_width!r}."
            )


def reliability(
    estimate: object,
    lower: object,
    upper: object,
    n: object,
    n_eff: object,
    rules: ReliabilityRules | None = None,
    *,
    proportion: bool = True,
) -> np.ndarray:
    """Check estimates against presentation standards and say why each one fails, if it does.

    Parameters
    ----------
    estimate, lower, upper : array_like of float
        Estimates and their two-sided confidence bounds (nan = no estimate).
    n : array_like of float
        Answers behind each estimate.
    n_eff : array_like of float
        Effective sample sizes, :math:`n/\\mathrm{deff}` with the design effect floored at 1.
    rules : ReliabilityRules, optional
        The standards (default :class:`ReliabilityRules()`, NCHS).
    proportion : bool
        Whether the estimates are proportions. The interval-width rules apply to proportions only; a mean
        (e.g. points) is checked on its numbers of answers.

    Returns
    -------
    ndarray of str
        ``""`` (:data:`RELIABLE`) where the estimate meets every rule, else the first rule it fails:
        ``few_answers``, ``small_effective_size``, ``wide_interval`` or ``wide_relative_interval``. An
        estimate without answers fails ``few_answers``.

    Notes
    -----
    With :math:`W = U - L` the interval's width and :math:`m = \\min(\\hat p, 1-\\hat p)`, an estimate is
    reliable when

    .. math:: n \\ge n_{\\min}, \\quad n_{\\mathrm{eff}} \\ge n^*_{\\min}, \\quad W \\le W_{\\max}, \\quad
              W \\le W_0 \\ \\text{or}\\ W / m \\le R_{\\max},

    in that order. The standards compute the relative width on :math:`\\hat p` and review the complement
    :math:`1-\\hat p` separately; here both are one rule, so that 95% with a 10-point interval (twice its
    5-point complement) does not pass where 5% with the same interval would fail. At :math:`\\hat p \\in
    \\{0, 1\\}` the relative width is infinite: only an interval of at most :math:`W_0` passes.
    Korn–Graubard intervals are the ones the standards were written for.

    References
    ----------
    Parker, J. D., Talih, M., Malec, D. J., et al. (2017), National Center for Health Statistics Data
    Presentation Standards for Proportions, *Vital Health Stat* 2(175); Korn, E. L. and Graubard, B. I.
    (1998), Confidence intervals for proportions with small expected number of positive counts estimated
    from survey data, *Survey Methodology* 24:193–201.

    Examples
    --------
    >>> reliability([0.94, 0.91, 0.5], [0.93, 0.86, 0.2], [0.95, 0.95, 0.8], [4, 400, 40], [3, 380, 40]).tolist()
    ['few_answers', '', 'wide_interval']
    """
    rules = ReliabilityRules() if rules is None else rules
    arrays = np.broadcast_arrays(estimate, lower, upper, n, n_eff)
    p, lo, up, size, eff = (np.asarray(v, dtype=np.float64) for v in arrays)
    out = np.full(p.shape, RELIABLE, dtype=object)
    with np.errstate(invalid="ignore", divide="ignore"):
        width = up - lo
        margin = np.minimum(p, 1.0 - p)
        relative = np.where(margin > 0, width / margin, np.inf)
        checks = [
            (FEW_ANSWERS, ~(size >= rules.min_n) | np.isnan(p)),
            (SMALL_EFFECTIVE_SIZE, ~(eff >= rules.min_effective)),
        ]
        if proportion:
            checks.append((WIDE_INTERVAL, ~(width <= rules.max_width)))
            if rules.max_relative_width is not None:
                checks.append(
                    (WIDE_RELATIVE_INTERVAL, (width > rules.exempt_width) & (relative > rules.max_relative_width))
                )
    for reason, fails in reversed(checks):
        out[fails] = reason
    return readonly(out.astype(str))
