"""What a PDF report shows, prepared for its template: rows with their decisions in words, and the charts.

:func:`unit_document` turns a :class:`~surveyapp.reports.data.UnitReport` into a :class:`UnitDocument` (the
agency or area report); :func:`comparison_document` turns a :class:`~surveyapp.reports.data.LevelComparison`
into a :class:`ComparisonDocument` (e.g. the province's districts). Both run inside the report's locale
(``flask_babel.force_locale``) and never touch the request: the same code serves downloads and the
command line. Charts are the app's own SVG (:mod:`surveyapp.charts`), drawn in the report's language.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from flask_babel import gettext as _
from markupsafe import Markup

import scoring
from surveyapp.charts import (
    FunnelLimitLines,
    IndexItem,
    TrendPoint,
    funnel_plot,
    funnel_points,
    index_bar_chart,
    trend_chart,
)
from surveyapp.numbers import SHARE_MEASURE, Measure, shown_interval
from surveyapp.periods import Period
from surveyapp.reports import wording
from surveyapp.reports.data import ImproveCount, LevelComparison, UnitReport, UnitView, labels, unit_view
from surveyapp.scores.measures import has_target, headline_index, measure_of
from surveyapp.scores.reconstruct import is_reconstructed
from surveyapp.scores.service import RESPONDENT_NOTE, ScoreReport, Unit

#: Chart width in viewBox units: printed 176 mm wide, the charts' text is 8–8.5 pt.
CHART_WIDTH = 860.0
#: The trend chart is drawn narrower (and printed 80% wide): its height follows its width.
TREND_WIDTH = 600.0
#: Most bars in one chart: a taller chart would not fit on an A4 page.
BARS_PER_CHART = 30
#: Most pairwise differences a comparison report lists.
PAIR_LIMIT = 60

#: Comments shown, withheld for a small group, not included for the reader's role, or none given.
SHOWN, WITHHELD, NOT_INCLUDED, NONE_GIVEN = "shown", "withheld", "not_included", "none"


def unit_name(unit: Unit, language: str) -> str:
    return unit.name_en if language != "vi" and unit.name_en else unit.name


@dataclass(frozen=True)
class Row:
    """One line of a results table: a label, its estimate (or none), its target decision in words (none for an
    index without a target) and what it measures (a share, or a case evaluation's points)."""

    label: str
    estimate: scoring.Estimate | None
    decision: wording.Decision | None
    weakest: bool = False
    measure: Measure = SHARE_MEASURE

    @property
    def has_estimate(self) -> bool:
        return self.estimate is not None and math.isfinite(self.estimate.estimate)


@dataclass(frozen=True)
class ElementGroup:
    element: Row
    criteria: tuple[Row, ...]


@dataclass(frozen=True)
class UnitLine:
    """A unit in a comparison table: its name, respondents, headline and element rows."""

    name: str
    level: str
    respondents: int
    headline: Row
    elements: tuple[Row, ...]


@dataclass(frozen=True)
class Weights:
    elements: tuple[tuple[str, float], ...]
    #: (element title, criterion text, criterion weight)
    criteria: tuple[tuple[str, str, float], ...]

    @property
    def equal(self) -> bool:
        return len({w for _, w in self.elements}) <= 1 and len({w for *_, w in self.criteria}) <= 1


@dataclass(frozen=True)
class Methods:
    """What the methods appendix states about how the figures were computed."""

    settings_source: str
    target: str
    #: The heading of a table's decision column: ``Mục tiêu 90%``.
    target_heading: str
    confidence: str
    risk: str
    #: The error rate of a two-sided test at the confidence level (``5%``).
    alpha: str
    interval_method: str
    weighting: str
    exclude_flagged: bool
    weights: Weights
    minimum_group: int
    left_out: int
    #: The questionnaire's kind (``sipas``, ``rating``, ``case``): the appendix explains its own indices.
    kind: str = "sipas"
    #: A case evaluation's scale: its indicators, the most points of one, and the most of a case file (``18
    #: điểm``).
    indicators: int = 0
    indicator_top: str = ""
    scale_top: str = ""
    #: The reliability rules in one sentence.
    reliability: str = ""
    #: The least respondents of a post-stratum, and the cells merged to reach it: (agency, fields, respondents).
    min_cell_size: int = 20
    merged_cells: tuple[tuple[str, str, int], ...] = ()
    #: The short form's split design, when the questionnaire has one: per element its title, number of
    #: criteria and the share of citizens asked each of them (``25%``).
    rotation: tuple[tuple[str, int, str], ...] = ()


@dataclass(frozen=True)
class Facts:
    """What every report's cover states about its data."""

    period_label: str
    period_dates: str
    cutoff: dt.datetime
    questionnaire: str
    versions: str
    responses: int
    left_out: int
    field: str | None
    notes: tuple[str, ...]
    #: Only those who came for themselves (``self``) or for an organisation (``organisation``), or everyone.
    respondent: str | None = None


@dataclass(frozen=True)
class UnitDocument:
    language: str
    unit: Unit
    name: str
    level: str
    level_label: str
    #: Names of the areas above the unit, finest first.
    above_names: tuple[str, ...]
    facts: Facts
    headline: Row
    elements: tuple[Row, ...]
    element_chart: Markup
    groups: tuple[ElementGroup, ...]
    criteria_chart: Markup
    weakest: tuple[Row, ...]
    comparison: tuple[UnitLine, ...]
    children_label: str | None
    children: tuple[UnitLine, ...]
    trend_chart: Markup
    trend: tuple[tuple[str, Row], ...]
    change: str
    integrity: tuple[Row, ...]
    overall_question: Row | None
    improve: tuple[ImproveCount, ...]
    improve_answered: int
    comments: tuple[tuple[dt.datetime, str], ...]
    comments_state: str
    methods: Methods
    #: The questionnaire's kind; a ``rating`` or ``case`` report has no elements, criteria, integrity or
    #: improvement chapters but the further indices in ``results`` (a case evaluation's grade bands).
    kind: str = "sipas"
    #: What the headline measures.
    measure: Measure = SHARE_MEASURE
    results: tuple[Row, ...] = ()
    #: How the headline is computed, in a sentence (rating and case reports).
    scale_note: str = ""


def _row(
    label: str,
    estimate: scoring.Estimate | None,
    report: ScoreReport,
    weakest: bool = False,
    index: str = "overall",
) -> Row:
    """A row of the index ``index``: in its measure, with a target decision when the index has a target."""
    settings, questionnaire = report.settings, report.questionnaire
    decision = None
    if has_target(questionnaire, index):
        decision = wording.decision(estimate, settings.target, settings.confidence, settings.rules)
    return Row(label, estimate, decision, weakest, measure_of(questionnaire, index))


def _plain_row(label: str, estimate: scoring.Estimate | None) -> Row:
    """A row without a target decision (integrity indices, the overall question)."""
    return Row(label, estimate, None)


def _item(row: Row, label: str | None = None, highlight: bool = False) -> IndexItem:
    e = row.estimate
    bounds = shown_interval(e, row.measure) if row.has_estimate else None
    if bounds is None:
        return IndexItem(label or row.label, no_estimate=True, n=e.n if e is not None else None, measure=row.measure)
    if not e.reliable:  # too thin to draw: the table beside the chart gives its number and interval
        return IndexItem(label or row.label, insufficient=True, n=e.n, measure=row.measure)
    return IndexItem(
        label or row.label,
        row.measure.clip(e.estimate),
        *bounds,
        n=max(e.n, 1),
        highlight=highlight or row.weakest,
        measure=row.measure,
    )


def _bars(
    rows: Sequence[Row],
    report: ScoreReport,
    language: str,
    title: str,
    note: str | None = None,
    axis_min: float | None = None,
) -> Markup:
    settings = report.settings
    svg = index_bar_chart(
        [_item(row) for row in rows],
        language=language,
        target=settings.target,
        level=settings.confidence,
        title=title,
        width=CHART_WIDTH,
        axis_min=axis_min,
        highlight_note=note,
    )
    return Markup(svg)  # noqa: S704  # nosec B704  # built by surveyapp.charts, which escapes every text


def _bar_pages(rows: Sequence[Row], report: ScoreReport, language: str, title: str) -> tuple[Markup, ...]:
    """Bar charts of at most :data:`BARS_PER_CHART` rows each (one chart must fit on a page), on one axis: it
    starts where the chart would start it for all the rows (50%, or the 10% step below the lowest interval or
    the target; the 20% step when the axis would span more than 60 points)."""
    if len(rows) <= BARS_PER_CHART:
        return (_bars(rows, report, language, title),)
    lowers = [r.estimate.lower for r in rows if r.has_estimate and math.isfinite(r.estimate.lower)]
    lowest = min([0.5, report.settings.target, *lowers])
    start = math.floor(lowest * 10 + 1e-9) / 10
    if 1.0 - start > 0.6 + 1e-9:
        start = math.floor(lowest * 5 + 1e-9) / 5
    chunks = range(0, len(rows), BARS_PER_CHART)
    return tuple(_bars(rows[i : i + BARS_PER_CHART], report, language, title, axis_min=start) for i in chunks)


def _facts(report: ScoreReport, language: str, left_out: int) -> Facts:
    questionnaire = report.questionnaire
    return Facts(
        period_label=wording.period_label(report.period),
        period_dates=wording.period_dates(report.period),
        cutoff=report.computed_at,
        questionnaire=questionnaire.title.get(language),
        versions=", ".join(label.rpartition(" v")[2] for label in report.versions),
        responses=report.responses,
        left_out=left_out,
        field=report.field_filter,
        notes=tuple(note for note in report.notes if note != RESPONDENT_NOTE),  # said in the report's words
        respondent=report.respondent_filter,
    )


def _methods(report: ScoreReport, language: str, minimum_group: int, left_out: int) -> Methods:
    """What the appendix states; ``left_out`` is the flagged responses of the report's own unit."""
    settings, questionnaire = report.settings, report.questionnaire
    indicators = questionnaire.by_role("case_indicator")
    case = {}
    if questionnaire.kind == "case":
        case = {
            "indicators": len(indicators),
            "indicator_top": wording.decimal(max((p.value for q in indicators for p in q.scale.points), default=0), 0),
            "scale_top": wording.scale_top(measure_of(questionnaire, "points")),
        }
    titles = {e.code: e.title.get(language) for e in questionnaire.elements}
    weights = Weights(
        tuple((e.title.get(language), e.weight) for e in questionnaire.elements),
        tuple((titles[q.element], q.text.get(language), q.weight) for q in questionnaire.criteria),
    )
    return Methods(
        settings_source=_("built-in defaults") if settings.source == "built-in" else settings.source,
        target=wording.target_text(settings.target),
        target_heading=_("Target %(target)s", target=wording.target_text(settings.target)),
        confidence=wording.target_text(settings.confidence),
        risk=wording.target_text((1 - settings.confidence) / 2),
        alpha=wording.target_text(1 - settings.confidence),
        interval_method=wording.interval_method(settings.method),
        weighting=wording.weighting(settings.weighting),
        exclude_flagged=settings.exclude_flagged,
        weights=weights,
        minimum_group=minimum_group,
        left_out=left_out,
        kind=questionnaire.kind,
        reliability=wording.reliability_rules(settings.rules),
        min_cell_size=settings.min_cell_size,
        merged_cells=_merged_cells(report, language),
        rotation=_rotation(questionnaire, language),
        **case,
    )


def _rotation(questionnaire, language: str) -> tuple[tuple[str, int, str], ...]:
    """Per element of a short form: its title, its criteria and the share of citizens asked each of them."""
    if not questionnaire.has_rotation:
        return ()
    rows = []
    for element in questionnaire.elements:
        members = [q for q in questionnaire.criteria if q.element == element.code]
        share = questionnaire.inclusion_probability(members[0].code)
        rows.append((element.title.get(language), len(members), wording.target_text(share)))
    return tuple(rows)


def _merged_cells(report: ScoreReport, language: str) -> tuple[tuple[str, str, int], ...]:
    """The post-strata merged before weighting: the agency, its fields merged (or its whole), respondents."""
    rows = []
    for cell in report.merged_cells:
        agency = report.units["agency"].get(cell.agency_id)
        if agency is None:
            continue
        if cell.whole_agency:
            fields = _("all fields together")
        else:
            fields = ", ".join(
                _("field unknown") if names is None else (names[1] if language != "vi" and names[1] else names[0])
                for names in cell.names
            )
        rows.append((unit_name(agency, language), fields, cell.respondents))
    return tuple(sorted(rows))


def _line(view: UnitView, report: ScoreReport, language: str) -> UnitLine:
    headline = view.overall.estimate if view.overall is not None else view.headline
    return UnitLine(
        unit_name(view.unit, language),
        view.level,
        view.respondents,
        _row(unit_name(view.unit, language), headline, report, index=headline_index(report.questionnaire)),
        tuple(_row(e.label, e.estimate, report, index=e.code) for e in view.elements),
    )


def _comments(unit_report: UnitReport, include_comments: bool) -> tuple[str, tuple]:
    """Whether comments are shown (or why not), and those shown."""
    if unit_report.comments is None:
        return WITHHELD, ()
    if not include_comments:
        return NOT_INCLUDED, ()
    if not unit_report.comments:
        return NONE_GIVEN, ()
    return SHOWN, unit_report.comments


def _trend(unit_report: UnitReport, label: str, index: str, language: str, title: str) -> tuple[Markup, tuple]:
    """The trend chart of the headline and its table rows, in the headline's measure."""
    report, measure = unit_report.report, unit_report.measure
    points, rows = [], []
    for period, estimate in unit_report.trend:
        points.append(_trend_point(period, estimate, measure))
        period_text = wording.period_label(period)
        if is_reconstructed(estimate):
            period_text = _("%(period)s (reconstructed from the units merged into it)", period=period_text)
        rows.append((period_text, _row(label, estimate, report, index=index)))
    settings = report.settings
    svg = trend_chart(
        points,
        language=language,
        target=settings.target if has_target(report.questionnaire, index) else None,
        level=settings.confidence,
        title=title,
        width=TREND_WIDTH,
    )
    return Markup(svg), tuple(rows)  # noqa: S704  # nosec B704  # drawn by surveyapp.charts, which escapes every text


def unit_document(unit_report: UnitReport, language: str, *, include_comments: bool) -> UnitDocument:
    """The agency (or area, or counter) report of ``unit_report`` in ``language``.

    ``include_comments`` is whether the reader may read citizens' comments; comments the data layer withheld
    for a small group stay withheld either way.
    """
    report, view = unit_report.report, unit_report.view
    if report.kind != "sipas":
        return _single_index_document(unit_report, language, include_comments=include_comments)
    if view.overall is None:
        raise ValueError("A SIPAS unit report needs the unit's overall index.")
    name = unit_name(view.unit, language)
    headline = _row(view.overall.label, view.overall.estimate, report)
    elements = tuple(_row(e.label, e.estimate, report, index=e.code) for e in view.elements)
    criteria = {e.code: [] for e in view.elements}
    for line in view.criteria:
        criteria[line.element].append(_row(line.label, line.estimate, report, line.weakest, index=line.code))
    groups = tuple(
        ElementGroup(element, tuple(criteria[line.code])) for element, line in zip(elements, view.elements, strict=True)
    )
    criteria_chart = _bars(
        [row for group in groups for row in group.criteria],
        report,
        language,
        _("Index by criterion"),
        _("Lowest criteria: improve first"),
    )
    weakest = tuple(
        sorted((r for rows in criteria.values() for r in rows if r.weakest), key=lambda r: r.estimate.estimate)
    )
    comparison = tuple(_line(v, report, language) for v in (view, *unit_report.above))
    children = tuple(_line(v, report, language) for v in unit_report.children)
    trend_svg, trend_rows = _trend(unit_report, headline.label, "overall", language, _("Overall index by period"))
    names = labels(report.questionnaire, language)
    extras = view.extras
    integrity = tuple(
        _plain_row(names[key], extras[key]) for key in ("harassment", "informal_payment") if key in extras
    )
    overall_question = (
        _plain_row(names["overall_question"], extras["overall_question"]) if "overall_question" in extras else None
    )
    state, comments = _comments(unit_report, include_comments)
    return UnitDocument(
        language=language,
        unit=view.unit,
        name=name,
        level=view.level,
        level_label=wording.level_name(view.level),
        above_names=tuple(unit_name(v.unit, language) for v in unit_report.above),
        facts=_facts(report, language, view.left_out),
        headline=headline,
        elements=elements,
        element_chart=_bars(elements, report, language, _("Index by element")),
        groups=groups,
        criteria_chart=criteria_chart,
        weakest=weakest,
        comparison=comparison,
        children_label=wording.level_name(unit_report.children_level, plural=True)
        if unit_report.children_level
        else None,
        children=children,
        trend_chart=trend_svg,
        trend=trend_rows,
        change=wording.change(unit_report.change),
        integrity=integrity,
        overall_question=overall_question,
        improve=unit_report.improve,
        improve_answered=unit_report.improve_answered,
        comments=comments,
        comments_state=state,
        methods=_methods(report, language, unit_report.minimum_group, view.left_out),
    )


def _single_index_document(unit_report: UnitReport, language: str, *, include_comments: bool) -> UnitDocument:
    """The report of a unit for a questionnaire scored as one headline index: a one-tap rating (the share
    satisfied) or a case evaluation (mean points out of the questionnaire's maximum, and the share of case
    files in each grade band), each figure in its own unit."""
    report, view = unit_report.report, unit_report.view
    questionnaire = report.questionnaire
    index = headline_index(questionnaire)
    names = labels(questionnaire, language)
    headline = _row(names[index], view.headline, report, index=index)
    results = tuple(
        _row(names.get(name, name), estimate, report, index=name)
        for name, estimate in view.extras.items()
        if name != index
    )
    trend_svg, trend_rows = _trend(
        unit_report, headline.label, index, language, _("%(index)s by period", index=headline.label)
    )
    state, comments = _comments(unit_report, include_comments)
    measure = unit_report.measure
    if questionnaire.kind == "case":
        indicators = questionnaire.by_role("case_indicator")
        scale_note = _(
            "A case file scores up to %(top)s: %(count)d indicators, each worth up to %(most)s points. When some "
            "indicators were not answered, the points of those answered are scaled up to all of them. Mean points "
            "have no target: the satisfaction target is a share.",
            top=wording.scale_top(measure),
            count=len(indicators),
            most=wording.decimal(max((p.value for q in indicators for p in q.scale.points), default=0), 0),
        )
    else:
        scale_note = _("The index is the weighted share of respondents who were satisfied.")
    return UnitDocument(
        language=language,
        unit=view.unit,
        name=unit_name(view.unit, language),
        level=view.level,
        level_label=wording.level_name(view.level),
        above_names=tuple(unit_name(v.unit, language) for v in unit_report.above),
        facts=_facts(report, language, view.left_out),
        headline=headline,
        elements=(),
        element_chart=Markup(""),
        groups=(),
        criteria_chart=Markup(""),
        weakest=(),
        comparison=tuple(_line(v, report, language) for v in (view, *unit_report.above)),
        children_label=wording.level_name(unit_report.children_level, plural=True)
        if unit_report.children_level
        else None,
        children=tuple(_line(v, report, language) for v in unit_report.children),
        trend_chart=trend_svg,
        trend=trend_rows,
        change=wording.change(unit_report.change, measure),
        integrity=(),
        overall_question=None,
        improve=(),
        improve_answered=0,
        comments=comments,
        comments_state=state,
        methods=_methods(report, language, unit_report.minimum_group, view.left_out),
        kind=questionnaire.kind,
        measure=measure,
        results=results,
        scale_note=scale_note,
    )


def _trend_point(period: Period, estimate: scoring.Estimate | None, measure: Measure = SHARE_MEASURE) -> TrendPoint:
    if estimate is None or not math.isfinite(estimate.estimate):
        return TrendPoint(period.code, measure=measure)
    value, n = measure.clip(estimate.estimate), max(estimate.n, 1)
    bounds = shown_interval(estimate, measure)
    rebuilt = is_reconstructed(estimate)
    if bounds is None:
        return TrendPoint(period.code, value, n=n, measure=measure, reconstructed=rebuilt)
    return TrendPoint(period.code, value, *bounds, n=n, measure=measure, reconstructed=rebuilt)


# ---------------------------------------------------------------------------------------------- comparisons


@dataclass(frozen=True)
class ComparedUnit:
    line: UnitLine
    code: str
    #: Why the unit is not compared, in words ("" when it is).
    not_compared: str
    #: Where the unit lies on the funnel plot, in words ("" when it is not on the plot).
    funnel: str
    funnel_category: str
    #: Empirical-Bayes estimate, its interval and the probability of being below the target (None: not shrunk).
    shrunk: float | None
    shrunk_lower: float | None
    shrunk_upper: float | None
    prob_below: float | None


@dataclass(frozen=True)
class Pair:
    """A difference between two units, with each adjustment's interval beside its verdict (an interval
    excludes zero exactly when its verdict calls a difference)."""

    a: str
    b: str
    difference: float
    holm_lower: float
    holm_upper: float
    bh_lower: float
    bh_upper: float
    p_holm: float
    p_bh: float
    holm: str
    bh: str


@dataclass(frozen=True)
class ComparisonDocument:
    language: str
    parent: UnitLine
    parent_unit: Unit
    level: str
    level_label: str
    facts: Facts
    #: The units compared (their index meets the reliability rules), from the highest index to the lowest.
    units: tuple[ComparedUnit, ...]
    #: The units whose index fails the rules: listed by name with their responses, never ranked.
    insufficient: tuple[ComparedUnit, ...]
    element_titles: tuple[str, ...]
    overall_label: str
    bar_charts: tuple[Markup, ...]
    funnel_chart: Markup | None
    dispersion: str | None
    shrinkage_note: str | None
    pairs: tuple[Pair, ...]
    pair_count: int
    holm_differences: int
    bh_differences: int
    pairs_left_out: int
    methods: Methods
    #: Names of the units of the level that served citizens in the period without any response.
    silent: tuple[str, ...] = ()


def comparison_document(
    comparison: LevelComparison,
    parent_level: str,
    parent_id: int,
    language: str,
    *,
    minimum_group: int,
    silent: tuple[str, ...] = (),
) -> ComparisonDocument:
    """The comparison report of the units in ``comparison`` (inside the unit ``parent_level``/``parent_id``);
    ``silent`` names the units of the level that served citizens in the period without any response."""
    report = comparison.report
    if report.kind != "sipas":
        raise ValueError("Comparison reports are drawn for SIPAS questionnaires.")
    parent_view = unit_view(report, parent_level, parent_id, language)
    if parent_view is None:
        raise ValueError("The unit has no scored responses in the period.")
    parent = _line(parent_view, report, language)
    funnel = comparison.funnel
    categories: dict[str, str] = {}
    funnel_svg = None
    levels = (wording.target_text(0.95), wording.target_text(0.998))
    names = {v.unit.code: unit_name(v.unit, language) for v in comparison.views}
    if funnel is not None and comparison.curve is not None:
        points = funnel_points(funnel, short_labels=names)
        categories = {p.label: p.category for p in points}
        funnel_svg = Markup(  # noqa: S704  # nosec B704  # drawn by surveyapp.charts, which escapes every text
            funnel_plot(
                points,
                FunnelLimitLines.from_limits(comparison.curve),
                target=report.settings.target,
                language=language,
                effective=True,
                label_points="outside",
                width=CHART_WIDTH,
            )
        )
    shrink = comparison.shrinkage
    shrunk = {}
    if shrink is not None:
        shrunk = {
            str(label): (float(m), float(lo), float(hi), float(p))
            for label, m, lo, hi, p in zip(
                shrink.labels, shrink.mean, shrink.lower, shrink.upper, shrink.prob_below, strict=True
            )
        }
    excluded = {view.unit.code: rule for view, rule in comparison.excluded}
    units = []
    for view in comparison.views:
        code = view.unit.code
        category = categories.get(code, "")
        s = shrunk.get(code)
        units.append(
            ComparedUnit(
                _line(view, report, language),
                code,
                wording.reliability_rule(excluded[code]) if code in excluded else "",
                wording.funnel_position(category, levels) if category else "",
                category,
                *(s if s is not None else (None, None, None, None)),
            )
        )
    units.sort(key=_by_estimate)
    insufficient = tuple(sorted((u for u in units if u.not_compared), key=lambda u: u.line.name))
    units = [u for u in units if not u.not_compared]
    bar_charts = _bar_pages(
        [u.line.headline for u in units], report, language, wording.level_name(comparison.level, plural=True)
    )
    pairs, holm_count, bh_count, total = _pairs(comparison, names)
    return ComparisonDocument(
        language=language,
        parent=parent,
        parent_unit=parent_view.unit,
        level=comparison.level,
        level_label=wording.level_name(comparison.level, plural=True),
        facts=_facts(report, language, parent_view.left_out),
        units=tuple(units),
        insufficient=insufficient,
        silent=silent,
        element_titles=tuple(e.title.get(language) for e in report.questionnaire.elements),
        overall_label=labels(report.questionnaire, language)["overall"],
        bar_charts=bar_charts,
        funnel_chart=funnel_svg,
        dispersion=_dispersion(funnel),
        shrinkage_note=_shrinkage_note(shrink),
        pairs=tuple(pairs[:PAIR_LIMIT]),
        pair_count=total,
        holm_differences=holm_count,
        bh_differences=bh_count,
        pairs_left_out=max(0, len(pairs) - PAIR_LIMIT),
        methods=_methods(report, language, minimum_group, parent_view.left_out),
    )


def _by_estimate(unit: ComparedUnit) -> tuple:
    e = unit.line.headline.estimate
    value = e.estimate if e is not None and math.isfinite(e.estimate) else -1.0
    return (-value, unit.line.name)


def _pairs(comparison: LevelComparison, names: dict[str, str]) -> tuple[list[Pair], int, int, int]:
    """Pairs with a difference after Benjamini–Hochberg adjustment, the most certain first, and the counts."""
    holm, bh = comparison.holm, comparison.bh
    if holm is None or bh is None:
        return [], 0, 0, 0
    pairs = []
    for j in np.argsort(bh.p_adjusted, kind="stable"):
        if bh.decision[j] not in (scoring.HIGHER, scoring.LOWER):
            continue
        pairs.append(
            Pair(
                names.get(str(bh.label_a[j]), str(bh.label_a[j])),
                names.get(str(bh.label_b[j]), str(bh.label_b[j])),
                float(bh.difference[j]),
                float(holm.adjusted_lower[j]),
                float(holm.adjusted_upper[j]),
                float(bh.adjusted_lower[j]),
                float(bh.adjusted_upper[j]),
                float(holm.p_adjusted[j]),
                float(bh.p_adjusted[j]),
                wording.pair_decision(str(holm.decision[j])),
                wording.pair_decision(str(bh.decision[j])),
            )
        )
    differs = (scoring.HIGHER, scoring.LOWER)
    holm_count = int(sum(d in differs for d in holm.decision))
    return pairs, holm_count, len(pairs), len(bh.decision)


def _dispersion(funnel: scoring.FunnelClassification | None) -> str | None:
    if funnel is None or funnel.dispersion is None:
        return None
    d = funnel.dispersion
    if d.overdispersed:
        return _(
            "The units differ more than chance alone explains (over-dispersion factor %(phi)s): real differences "
            "between units, or between the groups of citizens they serve, matter more than sampling here. The "
            "limits are not widened for it, so more units fall outside them than chance would put there.",
            phi=wording.decimal(d.phi),
        )
    return _(
        "The units differ about as much as chance alone explains (over-dispersion factor %(phi)s).",
        phi=wording.decimal(d.phi),
    )


def _shrinkage_note(shrink: scoring.Shrinkage | None) -> str | None:
    if shrink is None:
        return None
    if shrink.fit.capped:
        return _(
            "The units differ no more than chance explains, so the shrunk estimates are pulled strongly towards "
            "the common level of %(mean)s.",
            mean=wording.percent(shrink.fit.prior_mean),
        )
    return _(
        "Each unit's estimate is pulled towards the common level of %(mean)s, more strongly the fewer responses it "
        "has: small units are not ranked first or last by chance.",
        mean=wording.percent(shrink.fit.prior_mean),
    )
