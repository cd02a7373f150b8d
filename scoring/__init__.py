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

from scoring._collapse import MIN_CELL_COUNT, CollapsedCells, collapse_cells
from scoring._combine import RECONSTRUCTED, Combined, combine
from scoring._compare import (
    HIGHER,
    LOWER,
    NO_EVIDENCE,
    NOT_TESTABLE,
    Comparisons,
    compare_pairs,
    compare_to_reference,
    compare_to_value,
    satterthwaite_df,
)
from scoring._design import LONELY_POLICIES, Design
from scoring._funnel import (
    ABOVE,
    BELOW,
    INSIDE,
    FunnelClassification,
    FunnelLimits,
    Overdispersion,
    classify_funnel,
    exact_limit,
    funnel_curve,
    funnel_limits,
    overdispersion,
)
from scoring._intervals import (
    INSUFFICIENT,
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
from scoring._multiplicity import AdjustMethod, adjust_pvalues, benjamini_hochberg, holm, reject
from scoring._reliability import (
    FEW_ANSWERS,
    RELIABILITY_REASONS,
    RELIABLE,
    SMALL_EFFECTIVE_SIZE,
    WIDE_INTERVAL,
    WIDE_RELATIVE_INTERVAL,
    ReliabilityRules,
    reliability,
)
from scoring._score import ESTIMATE_FIELDS, NCHS_RULES, Estimate, LevelScores, Scores, means, proportions, score
from scoring._shrinkage import (
    MIN_PRIOR_SIZE,
    BetaBinomialFit,
    Shrinkage,
    beta_binomial_loglik,
    beta_binomial_shrinkage,
    fit_beta_binomial,
)
from scoring._spec import OVERALL, IndexSpec
from scoring._trend import DECREASE, INCREASE, NO_CHANGE, LinearTrend, PeriodChange, linear_trend, period_change
from scoring._weights import Calibration, Kish, base_weights, kish, poststratify, rake

__all__ = [
    "ABOVE",
    "BELOW",
    "DECREASE",
    "ESTIMATE_FIELDS",
    "FEW_ANSWERS",
    "HIGHER",
    "INCREASE",
    "INSIDE",
    "INSUFFICIENT",
    "LONELY_POLICIES",
    "LOWER",
    "METHODS",
    "MIN_CELL_COUNT",
    "MIN_PRIOR_SIZE",
    "NCHS_RULES",
    "NOT_TESTABLE",
    "NO_CHANGE",
    "NO_EVIDENCE",
    "OVERALL",
    "RECONSTRUCTED",
    "RELIABILITY_REASONS",
    "RELIABLE",
    "SMALL_EFFECTIVE_SIZE",
    "WIDE_INTERVAL",
    "WIDE_RELATIVE_INTERVAL",
    "AdjustMethod",
    "BetaBinomialFit",
    "Calibration",
    "CollapsedCells",
    "Combined",
    "Comparisons",
    "Design",
    "Estimate",
    "FunnelClassification",
    "FunnelLimits",
    "IndexSpec",
    "Interval",
    "Kish",
    "LevelScores",
    "LinearTrend",
    "Overdispersion",
    "PeriodChange",
    "ProportionInterval",
    "ReliabilityRules",
    "Scores",
    "Shrinkage",
    "adjust_pvalues",
    "base_weights",
    "benjamini_hochberg",
    "beta_binomial_loglik",
    "beta_binomial_shrinkage",
    "classify_funnel",
    "clopper_pearson",
    "collapse_cells",
    "combine",
    "compare_pairs",
    "compare_to_reference",
    "compare_to_value",
    "decide",
    "exact_limit",
    "exact_p_value",
    "fit_beta_binomial",
    "funnel_curve",
    "funnel_limits",
    "holm",
    "jeffreys",
    "kish",
    "korn_graubard",
    "linear_trend",
    "logit_interval",
    "means",
    "overdispersion",
    "period_change",
    "poststratify",
    "proportion_interval",
    "proportions",
    "rake",
    "reject",
    "reliability",
    "satterthwaite_df",
    "score",
    "wilson",
]
