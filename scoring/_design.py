"""The sampling design: strata, respondent weights (plain or calibrated), and the lonely-stratum policy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring._checks import as_codes, as_weights, readonly
from scoring._weights import Calibration

#: Policies for a stratum with a single respondent (R's ``options(survey.lonely.psu = ...)``).
LONELY_POLICIES = ("adjust", "certainty")


@dataclass(frozen=True, eq=False)
class Design:
    """A stratified sample of respondents (one stage, with replacement, no finite-population correction).

    Parameters
    ----------
    strata : array_like of int, shape (n,)
        Stratum code of each respondent (the agency by default); all zeros for an unstratified sample.
    weights : array_like of float, shape (n,), optional
        Positive respondent weights. Leave out (and give no calibration) for an unweighted analysis.
    calibration : Calibration, optional
        Post-stratified or raked weights from :func:`scoring.poststratify` / :func:`scoring.rake`; the
        variance then includes the calibration adjustment. Give either ``weights`` or ``calibration``.
    lonely : {"adjust", "certainty"}
        Variance contribution of a stratum with one respondent: ``"adjust"`` (default) centres it at
        zero, the mean of all influence values, like R's ``survey.lonely.psu = "adjust"``;
        ``"certainty"`` treats it as sampled with certainty (contributes nothing).

    Notes
    -----
    The variance estimator is

    .. math:: \\hat V = \\sum_h \\frac{n_h}{n_h - 1} \\sum_{i \\in h} (z_i - \\bar z_h)^2 ,

    with :math:`n_h` the respondents of stratum :math:`h` and :math:`z_i` the (calibration-adjusted)
    influence values; a lonely stratum contributes :math:`z_i^2` ("adjust") or 0 ("certainty").

    References
    ----------
    Lumley, T. (2010), *Complex Surveys*, sections 1.4 and 2.2; Wolter, K. M. (2007), *Introduction to
    Variance Estimation*, 2nd ed., chapter 6.

    Examples
    --------
    >>> d = Design(strata=[0, 0, 1], weights=[2.0, 2.0, 5.0])
    >>> d.n, d.weighted
    (3, True)
    """

    strata: np.ndarray
    weights: np.ndarray | None = None
    calibration: Calibration | None = None
    lonely: str = "adjust"

    def __post_init__(self) -> None:
        strata = readonly(as_codes(self.strata, "strata").copy())
        object.__setattr__(self, "strata", strata)
        if self.lonely not in LONELY_POLICIES:
            raise ValueError(
                f"Unknown lonely-stratum policy {self.lonely!r}; choose 'adjust' or 'certainty'."
            )
        if self.weights is not None and self.calibration is not None:
            raise ValueError("Give either plain weights or a calibration, not both.")
        if self.weights is not None:
            object.__setattr__(
                self, "weights", readonly(as_weights(self.weights, "weights", strata.size).copy())
            )
        if self.calibration is not None and self.calibration.weights.size != strata.size:
            raise ValueError(
                f"The calibration has {self.calibration.weights.size} weights but there are "
                f"{strata.size} respondents."
            )

    @property
    def n(self) -> int:
        """Number of respondents."""
        return int(self.strata.size)

    @property
    def weighted(self) -> bool:
        """Whether respondents carry weights (plain or calibrated)."""
        return self.weights is not None or self.calibration is not None

    def respondent_weights(self) -> np.ndarray:
        """Final weight of each respondent (all 1 when unweighted)."""
        if self.calibration is not None:
            return self.calibration.weights
        if self.weights is not None:
            return self.weights
        return readonly(np.ones(self.n))
