"""SIPAS-style satisfaction scoring: indices, respondent weights, variances, intervals and comparisons.

A pure library: arrays in, frozen dataclasses out. It imports only the standard library, numpy and scipy,
never Flask or a database.

Typical use::

    spec = IndexSpec.from_elements({"access": [...], "procedure": [...], ...})
    cal = poststratify(cell_codes, cell_totals, base_weights(agency, agency_volume))
    design = Design(strata=agency, calibration=cal)
    result = score(codes, spec, design, {"counter": counter, "agency": agency, "district": district})
    result["district"].estimate        # (D, K + E + 1)
    result.get("district", 3, "overall")
"""

from scoring._design import LONELY_POLICIES, Design
from scoring._intervals import (
    METHODS,
    Interval,
    ProportionInterval,
    clopper_pearson,
    decide,
    exact_p_value,
    jeffreys,
    korn_graubard,
    logit_interval,
    proportion_interval,
    wilson,
)
from scoring._score import Estimate, LevelScores, Scores, means, proportions, score
from scoring._spec import OVERALL, IndexSpec
from scoring._weights import Calibration, Kish, base_weights, kish, poststratify, rake

__all__ = [
    "LONELY_POLICIES",
    "METHODS",
    "OVERALL",
    "Calibration",
    "Design",
    "Estimate",
    "IndexSpec",
    "Interval",
    "Kish",
    "LevelScores",
    "ProportionInterval",
    "Scores",
    "base_weights",
    "clopper_pearson",
    "decide",
    "exact_p_value",
    "jeffreys",
    "kish",
    "korn_graubard",
    "logit_interval",
    "means",
    "poststratify",
    "proportion_interval",
    "proportions",
    "rake",
    "score",
    "wilson",
]
