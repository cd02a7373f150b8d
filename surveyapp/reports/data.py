"""The content of dashboards and reports, prepared from a :class:`~surveyapp.scores.service.ScoreReport`.

Templates receive these objects and run no queries: a unit's indices with their labels, how it compares
with the district and the province, its trend over the last periods, what citizens want improved, their
comments (withheld for small groups), and comparisons of the units of a level (funnel plot, shrinkage,
multiplicity-adjusted pairwise differences).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

import scoring
from surveyapp.db import db
from surveyapp.numbers import SHARE_MEASURE, Measure
from surveyapp.organisation.history import History
from surveyapp.organisation.models import Agency, Area, Counter
from surveyapp.organisation.tree import OrgTree, Scope
from surveyapp.periods import Period, parse_period
from surveyapp.questionnaires.definition import Questionnaire
from surveyapp.reports.scope import unit_inside
from surveyapp.responses.models import COUNTED, STATUSES, Response
from surveyapp.scores.cache import cached_scores
from surveyapp.scores.measures import has_target, headline_index, measure_of
from surveyapp.scores.reconstruct import reconstruct
from surveyapp.scores.service import ScoreReport, ScoringError, Unit, compute_scores
from surveyapp.scores.settings import settings_for

#: How many of a unit's lowest criteria a report highlights.
WEAKEST = 3


@dataclass(frozen=True)
class IndexLine:
    code: str
    label: str
    #: ``criterion``, ``element`` or ``overall``.
    kind: str
    element: str | None
    estimate: scoring.Estimate
    weakest: bool = False

    @property
    def has_estimate(self) -> bool:
        return math.isfinite(self.estimate.estimate)


@dataclass(frozen=True)
class UnitView:
    unit: Unit
    level: str
    respondents: int
    left_out: int
    overall: IndexLine | None
    elements: tuple[IndexLine, ...]
    criteria: tuple[IndexLine, ...]
    #: Further indices by name: ``overall_question``, ``harassment``, ``informal_payment`` (SIPAS), or the
    #: rating's ``satisfied``, or the case evaluation's ``points`` and grade bands.
    extras: dict[str, scoring.Estimate]

    @property
    def headline(self) -> scoring.Estimate | None:
        if self.overall is not None:
            return self.overall.estimate
        for name in ("satisfied", "points"):
            if name in self.extras:
                return self.extras[name]
        return None


def trend_length(period: Period) -> int:
    """How many periods a trend shows by default: two years of quarters (so that a trend in 2026 still reaches
    back across the reorganisation of 1 July 2025), a year of months, four years."""
    rest = period.code.partition("-")[2]
    return 8 if rest.startswith("Q") else (12 if rest else 4)


def previous_periods(period: Period, count: int) -> list[Period]:
    """``count`` consecutive periods of the same kind ending with ``period``, oldest first."""
    year, _, rest = period.code.partition("-")
    periods = []
    for back in range(count - 1, -1, -1):
        if not rest:
            code = str(int(year) - back)
        elif rest.startswith("Q"):
            index = int(year) * 4 + int(rest[1]) - 1 - back
            code = f"{index // 4}-Q{index % 4 + 1}"
        else:
            index = int(year) * 12 + int(rest) - 1 - back
            code = f"{index // 12}-{index % 12 + 1:02d}"
        periods.append(parse_period(code))
    return periods


class Scores:
    """Score reports computed once per (period, instrument, field, respondent type) for the life of this object.

    ``compute`` computes a whole period's report: by default from the process-wide cache
    (:func:`surveyapp.scores.cache.cached_scores`), which recomputes a period only when its data changed.
    """

    def __init__(
        self,
        instrument: str = "sipas",
        field_code: str | None = None,
        compute: Callable[[Period, str, str | None, str | None], ScoreReport] | None = None,
        respondent: str | None = None,
    ):
        self.instrument = instrument
        self.field_code = field_code
        self.respondent = respondent
        self._compute = compute or cached_scores
        self._reports: dict[str, ScoreReport] = {}
        self._parts: dict[tuple[str, frozenset[int]], ScoreReport] = {}
        self._history: History | None = None
        #: Reconstructed estimates by (period, level, unit id, language, index); see reconstructed_estimate.
        self.reconstructed: dict[tuple, scoring.Estimate | None] = {}

    def history(self) -> History:
        """The organisation's succession links, read once for the life of this object."""
        if self._history is None:
            self._history = History.load()
        return self._history

    def __call__(self, period: Period) -> ScoreReport:
        if period.code not in self._reports:
            self._reports[period.code] = self._compute(period, self.instrument, self.field_code, self.respondent)
        return self._reports[period.code]

    def within(self, period: Period, agencies: frozenset[int]) -> ScoreReport:
        """Scores that hold the same figures as ``self(period)`` for every unit made of whole ``agencies``: the
        whole period's when it is already computed, else those of the responses in ``agencies`` only (faster
        for one unit's trend; see ``compute_scores``), or the whole period's when weights are raked."""
        if period.code in self._reports:
            return self._reports[period.code]
        key = (period.code, agencies)
        if key not in self._parts:
            if settings_for(period.code).weighting == "rake":
                return self(period)
            self._parts[key] = compute_scores(
                period, self.instrument, field_code=self.field_code, agencies=agencies, respondent=self.respondent
            )
        return self._parts[key]


def labels(questionnaire: Questionnaire, language: str) -> dict[str, str]:
    """Display labels of every index name in ``language``."""
    names = {q.code: q.text.get(language) for q in questionnaire.questions}
    names |= {e.code: e.title.get(language) for e in questionnaire.elements}
    names |= {g.code: g.label.get(language) for g in questionnaire.grades}
    vietnamese = language == "vi"
    names |= {
        "overall": "Chỉ số hài lòng chung" if vietnamese else "Overall satisfaction index",
        "overall_question": "Câu hỏi hài lòng chung" if vietnamese else "Overall satisfaction question",
        "harassment": "Bị gây phiền hà, nhũng nhiễu" if vietnamese else "Reported harassment or delay",
        "informal_payment": "Bị đòi tiền ngoài quy định" if vietnamese else "Asked for an informal payment",
        "satisfied": "Tỷ lệ hài lòng" if vietnamese else "Share satisfied",
        "points": "Điểm trung bình" if vietnamese else "Mean points",
    }
    return names


def unit_view(report: ScoreReport, level: str, unit_id: int, language: str) -> UnitView | None:
    """The indices of one unit, or ``None`` when it has no scored response in the period."""
    if report.main is None or unit_id not in report.respondents.get(level, {}):
        return None
    names = labels(report.questionnaire, language)
    unit = report.units[level][unit_id]
    get = report.main.get
    overall = elements = criteria = ()
    if report.kind == "sipas":
        q = report.questionnaire
        criteria = [
            IndexLine(c.code, names[c.code], "criterion", c.element, get(level, unit_id, c.code)) for c in q.criteria
        ]
        ranked = sorted(
            (line for line in criteria if line.has_estimate and line.estimate.reliable),
            key=lambda line: line.estimate.estimate,
        )
        lowest = {line.code for line in ranked[:WEAKEST]}
        criteria = tuple(
            IndexLine(line.code, line.label, line.kind, line.element, line.estimate, line.code in lowest)
            for line in criteria
        )
        elements = tuple(
            IndexLine(e.code, names[e.code], "element", None, get(level, unit_id, e.code)) for e in q.elements
        )
        overall = IndexLine("overall", names["overall"], "overall", None, get(level, unit_id, "overall"))
    extras = {}
    for scores in (report.extra, report.main if report.kind != "sipas" else None):
        if scores is not None and unit_id in scores[level].domains:
            extras |= {name: scores.get(level, unit_id, name) for name in scores[level].names}
    return UnitView(
        unit,
        level,
        report.respondents[level][unit_id],
        report.left_out_by_unit.get(level, {}).get(unit_id, 0),
        overall or None,
        elements,
        criteria,
        extras,
    )


@dataclass(frozen=True)
class ImproveCount:
    code: str
    label: str
    count: int
    share: float


@dataclass(frozen=True)
class UnitReport:
    report: ScoreReport
    view: UnitView
    #: The same indices for the areas above the unit (district, province), finest first.
    above: tuple[UnitView, ...]
    children_level: str | None
    children: tuple[UnitView, ...]
    #: (period, overall estimate or None) for the last periods, oldest first.
    trend: tuple[tuple[Period, scoring.Estimate | None], ...]
    change: scoring.PeriodChange | None
    improve: tuple[ImproveCount, ...]
    improve_answered: int
    #: Citizens' comments, newest first; ``None`` when withheld because the group is too small.
    comments: tuple[tuple[dt.datetime, str], ...] | None
    minimum_group: int
    #: What the headline (and its trend and change) measures: a share, or a case evaluation's points.
    measure: Measure = SHARE_MEASURE


def build_unit_report(
    scores: Scores,
    period: Period,
    level: str,
    unit_id: int,
    language: str,
    *,
    trend_periods: int | None = None,
    minimum_group: int = 5,
    comment_limit: int = 30,
    child_filter: Callable[[Unit], bool] | None = None,
) -> UnitReport | None:
    """Everything a report or dashboard shows about one unit, or ``None`` when it has no responses."""
    report = scores(period)
    view = unit_view(report, level, unit_id, language)
    if view is None:
        return None
    tree = OrgTree.load()
    above = tuple(
        v
        for v in (_above(report, level, unit_id, other, language, tree) for other in report.above(level))
        if v is not None
    )
    children_level = {"counter": None, "agency": "counter"}.get(level, "agency")
    children = ()
    if children_level is not None:
        scope = Scope("area" if report.units[level][unit_id].kind == "area" else level, unit_id)
        inside = (
            child_id
            for child_id in sorted(report.respondents[children_level])
            if unit_inside(tree, scope, report.units[children_level][child_id])
        )
        children = tuple(
            v
            for v in (unit_view(report, children_level, child_id, language) for child_id in inside)
            if v is not None and (child_filter is None or child_filter(v.unit))
        )
    periods = previous_periods(period, trend_periods or trend_length(period))
    unit = report.units[level][unit_id]
    agencies = _agencies_of(unit, periods[0], period)
    headline = headline_index(report.questionnaire)
    trend = tuple(
        (
            p,
            reconstructed_estimate(scores, p, unit, language, headline)
            or _past_headline(scores, p, agencies, level, unit_id, language),
        )
        for p in periods
    )
    change = _change(trend, report.settings.confidence)
    improve, answered = _improve(report, level, unit_id, language)
    comments = None
    if view.respondents >= minimum_group:
        comments = _comments(report, level, unit_id, tree, comment_limit)
    measure = measure_of(report.questionnaire, headline_index(report.questionnaire))
    return UnitReport(
        report,
        view,
        above,
        children_level,
        children,
        trend,
        change,
        improve,
        answered,
        comments,
        minimum_group,
        measure,
    )


def _agencies_of(unit: Unit, first: Period, last: Period) -> frozenset[int] | None:
    """The agencies whose responses determine a counter's or an agency's figures from ``first`` to ``last``
    (those its responses were recorded in), or ``None`` for an area (its figures need every response)."""
    if unit.kind == "agency":
        return frozenset({unit.id})
    if unit.kind != "counter":
        return None
    rows = db.session.scalars(
        select(Response.agency_id)
        .where(Response.counter_id == unit.id, Response.submitted_at >= first.start, Response.submitted_at < last.end)
        .distinct()
    )
    return frozenset(rows)


def _above(report: ScoreReport, level: str, unit_id: int, other: str, language: str, tree: OrgTree):
    """The unit of level ``other`` that contains this unit's responses."""
    mask = report.domains[level] == unit_id
    ids = np.unique(report.domains[other][mask])
    ids = ids[ids >= 0]
    return unit_view(report, other, int(ids[0]), language) if len(ids) == 1 else None


def index_trend(
    scores: Scores, period: Period, level: str, unit_id: int, language: str, index: str, count: int | None = None
) -> tuple[tuple[Period, scoring.Estimate | None], ...]:
    """One index of one unit over the ``count`` periods ending with ``period`` (default :func:`trend_length`),
    oldest first; a period before the unit existed is reconstructed from its predecessors."""
    count = count or trend_length(period)
    points = []
    unit = scores(period).units.get(level, {}).get(unit_id)
    for each in previous_periods(period, count):
        report = scores(each)
        view = unit_view(report, level, unit_id, language) if report.has(level) else None
        estimate = reconstructed_estimate(scores, each, unit, language, index) if unit is not None else None
        points.append((each, estimate or (None if view is None else index_estimate(view, index))))
    return tuple(points)


def reconstructed_estimate(
    scores: Scores, period: Period, unit: Unit, language: str, index: str
) -> scoring.Estimate | None:
    """``index`` of ``unit`` in ``period`` reconstructed from its predecessors' answers, when predecessors
    served citizens then (see :mod:`surveyapp.scores.reconstruct`); else ``None``. Kept by ``scores``."""
    key = (period.code, unit.level, unit.id, language, index)
    if key not in scores.reconstructed:
        scores.reconstructed[key] = _reconstructed_estimate(scores, period, unit, language, index)
    return scores.reconstructed[key]


def _reconstructed_estimate(
    scores: Scores, period: Period, unit: Unit, language: str, index: str
) -> scoring.Estimate | None:
    try:
        report = scores(period)
    except ScoringError:
        return None
    if report.main is None:
        return None

    def estimate_of(level: str, unit_id: int) -> scoring.Estimate | None:
        view = unit_view(report, level, unit_id, language) if report.has(level) else None
        return None if view is None else index_estimate(view, index)

    questionnaire = report.questionnaire
    target = report.settings.target if has_target(questionnaire, index) else None
    return reconstruct(
        report,
        unit,
        index,
        estimate_of,
        target=target,
        proportion=measure_of(questionnaire, index).is_share,
        history=scores.history(),
    )


def _past_headline(
    scores: Scores, period: Period, agencies: frozenset[int] | None, level: str, unit_id: int, language: str
) -> scoring.Estimate | None:
    """The unit's headline in an earlier period; ``None`` when it cannot be scored (e.g. no service volumes were
    loaded for that period): a gap in the trend rather than no report."""
    try:
        report = scores(period) if agencies is None else scores.within(period, agencies)
    except ScoringError:
        return None
    return _headline(report, level, unit_id, language)


def _headline(report: ScoreReport, level: str, unit_id: int, language: str) -> scoring.Estimate | None:
    if not report.has(level):
        return None
    view = unit_view(report, level, unit_id, language)
    return None if view is None else view.headline


def _change(trend, confidence: float) -> scoring.PeriodChange | None:
    usable = [(p, e) for p, e in trend if e is not None and math.isfinite(e.estimate)]
    if len(usable) < 2:
        return None
    (first, a), (last, b) = usable[-2], usable[-1]
    return scoring.period_change(
        [a.estimate, b.estimate], np.diag([a.se**2, b.se**2]), [a.df, b.df], [first.code, last.code], level=confidence
    )


def _improve(report: ScoreReport, level: str, unit_id: int, language: str) -> tuple[tuple[ImproveCount, ...], int]:
    questions = report.questionnaire.by_role("improve")
    if not questions or report.arrays is None:
        return (), 0
    question = questions[0]
    slot = next(s for s in report.questionnaire.slots if s.question.code == question.code)
    mask = report.domains[level] == unit_id
    bits = report.arrays.answers[mask, slot.offset : slot.offset + slot.width].astype(np.uint64)
    value = np.zeros(len(bits), dtype=np.uint64)
    for byte in range(slot.width):
        value |= bits[:, byte] << np.uint64(8 * byte)
    answered = int((value > 0).sum())
    counts = []
    for j, option in enumerate(question.options):
        count = int(((value >> np.uint64(j)) & np.uint64(1)).sum())
        counts.append(ImproveCount(option.code, option.text.get(language), count, count / answered if answered else 0))
    return tuple(sorted(counts, key=lambda c: -c.count)), answered


def _comments(report: ScoreReport, level: str, unit_id: int, tree: OrgTree, limit: int):
    unit = report.units[level][unit_id]
    if unit.kind == "counter":
        condition = Response.counter_id == unit_id
    elif unit.kind == "agency":
        condition = Response.agency_id == unit_id
    else:
        condition = Response.area_id.in_(tree.areas_in(Scope("area", unit_id)))
    statuses = COUNTED if report.settings.exclude_flagged else STATUSES
    rows = db.session.execute(
        select(Response.submitted_at, Response.comment)
        .where(
            condition,
            Response.comment.is_not(None),
            Response.status.in_(statuses),
            Response.submitted_at >= report.period.start,
            Response.submitted_at < report.period.end,
        )
        .order_by(Response.submitted_at.desc())
        .limit(limit)
    )
    return tuple((when, text) for when, text in rows)


@dataclass(frozen=True)
class LevelComparison:
    report: ScoreReport
    level: str
    #: The index compared (``overall``, an element or a criterion code, or ``satisfied`` for a rating).
    index: str
    views: tuple[UnitView, ...]
    #: Units whose index fails the reliability rules, with the rule: listed with their n, never compared.
    excluded: tuple[tuple[UnitView, str], ...]
    funnel: scoring.FunnelClassification | None
    curve: scoring.FunnelLimits | None
    shrinkage: scoring.Shrinkage | None
    holm: scoring.Comparisons | None
    bh: scoring.Comparisons | None

    def estimate(self, view: UnitView) -> scoring.Estimate | None:
        return index_estimate(view, self.index)

    def excluded_counts(self) -> list[tuple[str, int]]:
        """How many units were left out of the comparison by each reliability rule, in the rules' order."""
        rules = [rule for _view, rule in self.excluded]
        return [(rule, rules.count(rule)) for rule in scoring.RELIABILITY_REASONS if rule in rules]

    @property
    def measure(self) -> Measure:
        return measure_of(self.report.questionnaire, self.index)

    def shrunk(self, view: UnitView) -> tuple[float, float] | None:
        """The unit's shrunk estimate and its probability of being below the target."""
        if self.shrinkage is None:
            return None
        labels = list(self.shrinkage.labels)
        if view.unit.code not in labels:
            return None
        i = labels.index(view.unit.code)
        return float(self.shrinkage.mean[i]), float(self.shrinkage.prob_below[i])


def silent_units(report: ScoreReport, level: str, keep: Callable[[Unit], bool] | None = None) -> tuple[Unit, ...]:
    """The units of ``level`` (those ``keep`` accepts) that served citizens during the report's period but have
    no scored response to its questionnaire: a comparison names them, since collecting nothing is a finding."""
    period = report.period
    if level == "counter":
        model, kind = Counter, "counter"
    elif level == "agency":
        model, kind = Agency, "agency"
    elif level in report.levels:
        model, kind = Area, "area"
    else:
        return ()
    query = select(model).order_by(model.name)
    if model is Area:
        query = query.where(Area.level == level)
    answered = report.respondents.get(level, {})
    found = []
    for unit in db.session.scalars(query):
        if unit.id in answered:
            continue
        if unit.established_on is not None and unit.established_on >= period.end_day:
            continue
        if unit.retired_on is not None and unit.retired_on <= period.first_day:
            continue
        ref = Unit(level, unit.id, unit.code, unit.name, unit.name_en, kind)
        if keep is None or keep(ref):
            found.append(ref)
    return tuple(found)


def index_estimate(view: UnitView, index: str) -> scoring.Estimate | None:
    for line in (view.overall, *view.elements, *view.criteria):
        if line is not None and line.code == index:
            return line.estimate
    return view.extras.get(index)


def compare_level(
    report: ScoreReport, level: str, language: str, keep: Callable[[Unit], bool] | None = None, index: str | None = None
) -> LevelComparison:
    """Fair comparison of the units of ``level`` (those ``keep`` accepts) on one index (default: the headline):
    funnel plot around the target with 95% and 99.8% limits on the effective sample size, empirical-Bayes
    shrinkage with the probability of being below target, and every pairwise difference with Holm and
    Benjamini–Hochberg adjusted p-values and intervals. Only units whose index meets the reliability rules are
    compared; the others are listed in ``excluded`` with the rule they fail."""
    index = index or headline_index(report.questionnaire)
    candidates = sorted(report.respondents.get(level, {}))
    views = tuple(
        v
        for v in (unit_view(report, level, unit_id, language) for unit_id in candidates)
        if v is not None and (keep is None or keep(v.unit))
    )
    usable, excluded = [], []
    for v in views:
        e = index_estimate(v, index)
        if e is not None and e.reliable:
            usable.append(v)
        else:
            excluded.append((v, e.reliability if e is not None else scoring.FEW_ANSWERS))
    funnel = curve = shrinkage = holm = bh = None
    target = report.settings.target
    if measure_of(report.questionnaire, index).is_share and len(usable) >= 2:
        names = [v.unit.code for v in usable]
        estimates = [index_estimate(v, index) for v in usable]
        y = np.array([e.estimate for e in estimates])
        n = np.array([e.n_eff for e in estimates])
        if has_target(report.questionnaire, index):  # the funnel and the shrinkage are drawn around the target
            funnel = scoring.classify_funnel(y, n, target, labels=names)
            curve = scoring.funnel_curve(max(1.0, n.min() / 1.5), n.max() * 1.5, target, adjustment="none")
            try:
                shrinkage = scoring.beta_binomial_shrinkage(y * n, n, names, target=target)
            except ValueError:
                shrinkage = None  # every unit at 0% or at 100%: nothing to shrink towards
        scores = report.main if index in report.main[level].names else report.extra
        cov = np.array(scores.joint_covariance(level, index, [v.unit.id for v in usable]))
        # The variances behind the comparisons are floored as the units' own intervals are.
        np.fill_diagonal(cov, np.maximum(np.diag(cov), np.array([e.se for e in estimates]) ** 2))
        df = np.maximum(np.array([e.df for e in estimates], dtype=float), 1.0)
        confidence = report.settings.confidence
        holm = scoring.compare_pairs(y, cov, df, names, adjust="holm", level=confidence, df_per="unit")
        bh = scoring.compare_pairs(y, cov, df, names, adjust="bh", level=confidence, df_per="unit")
    return LevelComparison(report, level, index, views, tuple(excluded), funnel, curve, shrinkage, holm, bh)
