"""What each index of a questionnaire measures, and whether it is judged against the satisfaction target."""

from __future__ import annotations

from surveyapp.numbers import SHARE_MEASURE, Measure
from surveyapp.questionnaires.definition import Questionnaire


def case_maximum(questionnaire: Questionnaire) -> float:
    """The most points a case file can score: the sum of the highest point of each case indicator (18 for
    nine indicators scored 2/1/0). Mean points are rescaled to all indicators when some are skipped, so
    this is the top of their scale whatever was answered."""
    indicators = questionnaire.by_role("case_indicator")
    return float(sum(max(point.value for point in q.scale.points) for q in indicators if q.scale is not None))


def measure_of(questionnaire: Questionnaire, index: str) -> Measure:
    """What the index ``index`` of ``questionnaire`` measures: a case evaluation's mean ``points`` are points
    out of :func:`case_maximum`; every other index is a share."""
    if questionnaire.kind == "case" and index == "points":
        return Measure.points(case_maximum(questionnaire))
    return SHARE_MEASURE


def headline_index(questionnaire: Questionnaire) -> str:
    """The index a page or report leads with: SIPAS's overall index, a rating's share satisfied, a case
    evaluation's mean points."""
    return {"sipas": "overall", "rating": "satisfied"}.get(questionnaire.kind, "points")


def has_target(questionnaire: Questionnaire, index: str) -> bool:
    """Whether ``index`` is judged against the satisfaction target (SIPAS criteria, elements and overall
    index; a rating's share satisfied). Mean points, grade bands, the integrity indices and the overall
    question are reported without it, and no target line is drawn for them."""
    if questionnaire.kind == "sipas":
        codes = {q.code for q in questionnaire.criteria} | {e.code for e in questionnaire.elements}
        return index == "overall" or index in codes
    return questionnaire.kind == "rating" and index == "satisfied"
