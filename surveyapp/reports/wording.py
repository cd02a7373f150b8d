"""The words reports use for results: target decisions, changes, funnel positions, periods, methods.

One place for them, so that the PDF reports, the dashboards and the exports say the same thing in the same
words. Every function returns text in the current Flask-Babel locale (``force_locale`` chooses it outside a
request) with numbers in that language's style (``91,2%`` in Vietnamese).

The target decision follows :func:`scoring.decide`: *met* when the whole two-sided interval lies above the
target, *not met* when it lies wholly below, *inconclusive* when it contains the target. Each call made is a
one-sided test at half the interval's error rate (2.5% for a 95% interval), which the explanation states.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _

import scoring
from surveyapp.i18n import reliability_label
from surveyapp.numbers import (
    ASCII_MINUS,
    SHARE_MEASURE,
    Measure,
    format_difference,
    format_estimate,
    format_interval,
    format_interval_of,
    format_number,
    format_percent,
    format_percent_short,
    format_scale_top,
    format_value,
)
from surveyapp.periods import Period

MET, NOT_MET, INCONCLUSIVE, NO_ESTIMATE = "met", "not_met", "inconclusive", "no_estimate"
#: The index fails the reliability rules: its answers cannot support a verdict.
INSUFFICIENT = scoring.INSUFFICIENT
DECISIONS = (MET, NOT_MET, INCONCLUSIVE, INSUFFICIENT, NO_ESTIMATE)
#: The sign of a negative difference: the hyphen-minus, which every report font has (U+2212 is missing in
#: Noto Sans, and a fallback font costs a second embedded font).
MINUS = ASCII_MINUS


def language() -> str:
    return str(get_locale() or "vi")


def percent(value: float | None, digits: int = 1) -> str:
    """A share as a percentage in the current language (``–`` when missing)."""
    return format_percent(value, language(), digits)


def target_text(target: float) -> str:
    """A target or confidence level with as few decimals as it needs: ``90%``, ``99,8%``."""
    return format_percent_short(target, language())


def value(number: float | None, measure: Measure | None = None) -> str:
    """A value in its measure's unit, as a table cell writes it: ``91,2%``, or ``15,6`` for points."""
    return format_value(number, measure, language())


def estimate_text(number: float | None, measure: Measure | None = None) -> str:
    """A value with its unit: ``91,2%``, or ``15,6 / 18 điểm`` (``15.6 / 18 points``)."""
    return format_estimate(number, measure, language())


def scale_top(measure: Measure) -> str:
    """The top of the scale with its unit: ``100%``, ``18 điểm`` (``18 points``)."""
    return format_scale_top(measure, language())


def count(value: float | None) -> str:
    """A whole number grouped in the language's style: ``5.040`` (vi) or ``5,040`` (en)."""
    if value is None or not math.isfinite(value):
        return "–"
    return format_decimal(round(value), format="#,##0", locale=language())


def decimal(value: float | None, digits: int = 1) -> str:
    return format_number(value, language(), digits)


def signed_points(difference: float, measure: Measure | None = None) -> str:
    """A difference with its sign, without its unit (the sentence or heading names it): of shares in
    percentage points (``+1,9``, ``-2,9``), of points in points."""
    return format_difference(difference, measure, language(), unit=False, minus=MINUS)


def probability(value: float | None) -> str:
    """A probability as a whole percentage, ``< 1%`` and ``> 99%`` at the ends."""
    if value is None or not math.isfinite(value):
        return "–"
    if value < 0.005:
        return "< " + percent(0.01, 0)
    if value > 0.995:
        return "> " + percent(0.99, 0)
    return percent(value, 0)


def p_value(value: float | None) -> str:
    """A p-value with three decimals, ``< 0,001`` below that."""
    if value is None or not math.isfinite(value):
        return "–"
    if value < 0.001:
        return "< " + decimal(0.001, 3)
    return decimal(value, 3)


def interval(lower: float | None, upper: float | None, measure: Measure | None = None) -> str:
    """``80,2% – 86,7%`` (``15,1 – 16,1`` for points); ``–`` when an end is missing."""
    return format_interval(lower, upper, measure, language(), " – ")


def interval_of(estimate: scoring.Estimate | None, measure: Measure | None = None) -> str:
    """The interval of ``estimate`` as :func:`interval` writes it, or a few words when there is none to show
    (a mean of points from a single response: see :func:`surveyapp.numbers.shown_interval`)."""
    if estimate is None or not math.isfinite(estimate.estimate):
        return "–"
    text = format_interval_of(estimate, measure, language(), " – ")
    return text or _("too few responses for an interval")


def insufficient() -> str:
    """What a change between periods says when a period has too few responses to test it."""
    return _("Not enough responses to conclude")


def decision_of(estimate: scoring.Estimate | None) -> str:
    if estimate is None or not math.isfinite(estimate.estimate) or estimate.decision not in DECISIONS:
        return NO_ESTIMATE
    return estimate.decision


@dataclass(frozen=True)
class Decision:
    """A target decision in words: a heading (``Đạt mục tiêu 90%``), a short label for tables, a sentence."""

    code: str
    heading: str
    short: str
    explanation: str


def reliability(estimate: scoring.Estimate, rules: scoring.ReliabilityRules | None = None) -> str:
    """Why an index cannot carry a verdict, in one sentence with its figures (empty when it can)."""
    rules = rules or scoring.NCHS_RULES
    code = estimate.reliability
    if code == scoring.FEW_ANSWERS:
        return _(
            "Only %(count)s answers: at least %(least)s are needed to conclude.",
            count=count(estimate.n),
            least=count(rules.min_n),
        )
    if code == scoring.SMALL_EFFECTIVE_SIZE:
        return _(
            "The %(count)s answers weigh as only %(effective)s independent answers (effective sample size): at "
            "least %(least)s are needed to conclude.",
            count=count(estimate.n),
            effective=count(estimate.n_eff),
            least=decimal(rules.min_effective, 0),
        )
    if code == scoring.WIDE_INTERVAL:
        return _(
            "The confidence interval (%(interval)s) is wider than %(width)s percentage points: too imprecise to "
            "conclude.",
            interval=interval(estimate.lower, estimate.upper),
            width=decimal(rules.max_width * 100, 0),
        )
    if code == scoring.WIDE_RELATIVE_INTERVAL:
        return _(
            "The confidence interval (%(interval)s) is too wide for an index this close to 0%% or 100%%: too "
            "imprecise to conclude.",
            interval=interval(estimate.lower, estimate.upper),
        )
    return ""


def reliability_rules(rules: scoring.ReliabilityRules) -> str:
    """The reliability rules in one sentence, with their figures."""
    text = _(
        "An index is given a verdict, a rank and a place on the funnel plot only when it rests on at least "
        "%(least)s answers, an effective sample size of at least %(effective)s, and a confidence interval no wider "
        "than %(width)s percentage points",
        least=count(rules.min_n),
        effective=decimal(rules.min_effective, 0),
        width=decimal(rules.max_width * 100, 0),
    )
    if rules.max_relative_width is not None:
        text += _(
            " and, when wider than %(exempt)s points, no wider than %(relative)s of the distance to 0%% or 100%%",
            exempt=decimal(rules.exempt_width * 100, 0),
            relative=percent(rules.max_relative_width, 0),
        )
    return text + _(
        " (NCHS presentation standards for proportions). Other indices are shown as “not enough responses to "
        "conclude” with their number of answers. A case evaluation's mean points are checked on their numbers "
        "of answers only."
    )


def reliability_rule(code: str) -> str:
    """The reliability rule an index fails, in a few words (for tables)."""
    return reliability_label(code)


def decision(
    estimate: scoring.Estimate | None,
    target: float,
    confidence: float,
    rules: scoring.ReliabilityRules | None = None,
) -> Decision:
    """The target decision of ``estimate`` in words, with the interval and the confidence it rests on."""
    code = decision_of(estimate)
    goal, level = target_text(target), target_text(confidence)
    risk = target_text((1 - confidence) / 2)
    if code == NO_ESTIMATE:
        return Decision(
            code, _("No estimate"), _("No data"), _("There are no valid answers to compute this index from.")
        )
    if code == INSUFFICIENT:
        return Decision(
            code,
            _("Not enough responses to conclude"),
            _("Too few responses"),
            _(
                "%(why)s No verdict, rank or comparison is drawn from this index; more responses will allow one.",
                why=reliability(estimate, rules),
            ),
        )
    bounds = interval(estimate.lower, estimate.upper)
    if code == MET:
        return Decision(
            code,
            _("Target of %(target)s met", target=goal),
            _("Met"),
            _(
                "The whole %(level)s confidence interval (%(interval)s) lies above the target of %(target)s: the "
                "target is met. The chance that this conclusion is wrong is at most %(risk)s.",
                level=level,
                interval=bounds,
                target=goal,
                risk=risk,
            ),
        )
    if code == NOT_MET:
        return Decision(
            code,
            _("Target of %(target)s not met", target=goal),
            _("Not met"),
            _(
                "The whole %(level)s confidence interval (%(interval)s) lies below the target of %(target)s: the "
                "target is not met. The chance that this conclusion is wrong is at most %(risk)s.",
                level=level,
                interval=bounds,
                target=goal,
                risk=risk,
            ),
        )
    return Decision(
        code,
        _("Not enough evidence to conclude"),
        _("Inconclusive"),
        _(
            "The %(level)s confidence interval (%(interval)s) contains the target of %(target)s: the responses do "
            "not yet show whether the target is met. The estimate is %(estimate)s; more responses narrow the "
            "interval.",
            level=level,
            interval=bounds,
            target=goal,
            estimate=percent(estimate.estimate),
        ),
    )


def change(change: scoring.PeriodChange | None, measure: Measure = SHARE_MEASURE) -> str:
    """The change of the headline index between the last two periods with data, in one sentence, in the
    measure's unit (percentage points between shares, points between mean points)."""
    if change is not None and change.insufficient:
        return _(
            "%(conclusion)s: too few responses to measure a change between %(before)s and %(period)s.",
            conclusion=insufficient(),
            period=period_label_of(change.period_to),
            before=period_label_of(change.period_from),
        )
    if change is None or not change.testable:
        return _("There are not enough periods with data to measure a change.")
    values = {
        "points": signed_points(change.difference, measure),
        "before": period_label_of(change.period_from),
        "level": target_text(change.level),
        "lower": signed_points(change.lower, measure),
        "upper": signed_points(change.upper, measure),
    }
    if not measure.is_share:
        return _points_change(change, values)
    if change.direction == scoring.INCREASE:
        return _(
            "%(points)s percentage points since %(before)s (%(level)s confidence interval of the change: %(lower)s "
            "to %(upper)s): a real increase.",
            **values,
        )
    if change.direction == scoring.DECREASE:
        return _(
            "%(points)s percentage points since %(before)s (%(level)s confidence interval of the change: %(lower)s "
            "to %(upper)s): a real decrease.",
            **values,
        )
    return _(
        "%(points)s percentage points since %(before)s (%(level)s confidence interval of the change: %(lower)s "
        "to %(upper)s): no evidence of a real change.",
        **values,
    )


def _points_change(change: scoring.PeriodChange, values: dict[str, str]) -> str:
    if change.direction == scoring.INCREASE:
        return _(
            "%(points)s points since %(before)s (%(level)s confidence interval of the change: %(lower)s to "
            "%(upper)s): a real increase.",
            **values,
        )
    if change.direction == scoring.DECREASE:
        return _(
            "%(points)s points since %(before)s (%(level)s confidence interval of the change: %(lower)s to "
            "%(upper)s): a real decrease.",
            **values,
        )
    return _(
        "%(points)s points since %(before)s (%(level)s confidence interval of the change: %(lower)s to "
        "%(upper)s): no evidence of a real change.",
        **values,
    )


def period_label(period: Period) -> str:
    return period_label_of(period.code)


def period_label_of(code: str) -> str:
    """``2026-Q3`` → ``Quý 3 năm 2026`` / ``Q3 2026``; ``2026-07`` → ``Tháng 7 năm 2026`` / ``July 2026``."""
    year, _sep, rest = code.partition("-")
    if not rest:
        return _("Year %(year)s", year=year)
    if rest.startswith("Q"):
        return _("Quarter %(quarter)s of %(year)s", quarter=rest[1:], year=year)
    months = (
        _("January"),
        _("February"),
        _("March"),
        _("April"),
        _("May"),
        _("June"),
        _("July"),
        _("August"),
        _("September"),
        _("October"),
        _("November"),
        _("December"),
    )
    return _("%(month)s %(year)s", month=months[int(rest) - 1], year=year)


def period_dates(period: Period) -> str:
    """The first and the last day of ``period``: ``01/07/2026 – 30/09/2026``."""
    last = period.end_day - dt.timedelta(days=1)
    return f"{period.first_day:%d/%m/%Y} – {last:%d/%m/%Y}"


def level_name(level: str, plural: bool = False) -> str:
    """A level of the organisation as a noun: ``district`` → ``Huyện`` (``Các huyện`` in the plural)."""
    singular = {
        "counter": _("Counter"),
        "agency": _("Agency"),
        "commune": _("Commune"),
        "district": _("District"),
        "former_district": _("Area (former district, a grouping)"),
        "province": _("Province"),
    }
    plurals = {
        "counter": _("Counters"),
        "agency": _("Agencies"),
        "commune": _("Communes"),
        "district": _("Districts"),
        "former_district": _("Areas (former districts, groupings of communes)"),
        "province": _("Provinces"),
    }
    return (plurals if plural else singular).get(level, level)


def funnel_position(category: str, levels: tuple[str, str]) -> str:
    """Where a unit lies on the funnel plot, as the chart's legend says it."""
    low, high = levels
    return {
        "inside": _("Within limits"),
        "above_95": _("Above the %(level)s limit", level=low),
        "above_998": _("Above the %(level)s limit", level=high),
        "below_95": _("Below the %(level)s limit", level=low),
        "below_998": _("Below the %(level)s limit", level=high),
    }[category]


def pair_decision(decision: str) -> str:
    return {
        scoring.HIGHER: _("higher"),
        scoring.LOWER: _("lower"),
        scoring.NO_EVIDENCE: _("no evidence of a difference"),
        scoring.NOT_TESTABLE: _("not testable"),
    }.get(decision, decision)


def weighting(name: str) -> str:
    """How respondents were weighted, for a manager (one of ``surveyapp.scores.models.WEIGHTINGS``)."""
    return {
        "none": _("Unweighted: every respondent counts once."),
        "base": _(
            "Each agency's respondents are weighted by the agency's case files in the period divided by its "
            "respondents, so that agencies that handle more cases count more in district and province figures."
        ),
        "poststratify": _(
            "Respondents are post-stratified to the case files of each agency and field of procedure in the "
            "period, so that agencies and fields that handle more cases count more in district and province "
            "figures, whatever their share of the kiosk answers."
        ),
        "rake": _(
            "Respondents are raked to the case files per agency and per field of procedure in the period, so that "
            "both margins match the case volumes."
        ),
    }.get(name, name)


def interval_method(name: str) -> str:
    return {
        "beta": _(
            "Korn–Graubard (beta) intervals, which never leave the range from 0 to 1 and are cautious with few "
            "responses"
        ),
        "xlogit": _("logit intervals"),
        "wilson": _("Wilson intervals on the effective sample size"),
        "jeffreys": _("Jeffreys intervals on the effective sample size"),
    }.get(name, name)
