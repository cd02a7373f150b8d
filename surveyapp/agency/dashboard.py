"""The dashboard's view models: scores prepared for the templates, charts drawn as SVG.

Views gather the request's choices (period, field of procedure, instrument) and the person's scope; these
functions turn :mod:`surveyapp.reports.data` objects into what a page shows. Nothing here reads the request.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import func, select

from surveyapp import charts
from surveyapp.db import db
from surveyapp.numbers import SHARE_MEASURE, Measure, shown_interval
from surveyapp.periods import LOCAL_ZONE, Period, parse_period
from surveyapp.reports.data import IndexLine, LevelComparison, UnitView, index_estimate
from surveyapp.responses.models import Response
from surveyapp.scores.reconstruct import is_reconstructed


def _svg(document: str) -> Markup:
    """An SVG document drawn by :mod:`surveyapp.charts`, which escapes every text it draws (see its tests)."""
    return Markup(document)  # noqa: S704  # nosec B704  # the charts escape their labels themselves


def available_periods(today: dt.date | None = None) -> list[str]:
    """Quarters with responses, newest first, each year after its quarters."""
    first, last = db.session.execute(select(func.min(Response.submitted_at), func.max(Response.submitted_at))).one()
    today = today or dt.datetime.now(LOCAL_ZONE).date()
    if first is None:
        return [f"{today.year}-Q{(today.month - 1) // 3 + 1}"]
    first, last = first.astimezone(LOCAL_ZONE).date(), last.astimezone(LOCAL_ZONE).date()
    codes = []
    for year in range(last.year, first.year - 1, -1):
        for quarter in range(4, 0, -1):
            start = dt.date(year, 3 * quarter - 2, 1)
            if start <= last and dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) > first:
                codes.append(f"{year}-Q{quarter}")
        codes.append(str(year))
    return codes


def default_period(today: dt.date | None = None) -> Period:
    """The latest quarter with responses (the current one while it has them)."""
    return parse_period(next(code for code in available_periods(today) if "-Q" in code))


def bar_items(lines: tuple[IndexLine, ...]) -> list[charts.IndexItem]:
    items = []
    for line in lines:
        e = line.estimate
        if not line.has_estimate or not math.isfinite(e.lower) or not math.isfinite(e.upper):
            items.append(charts.IndexItem(line.label, n=e.n, no_estimate=True))
        elif not e.reliable:  # too thin to draw: the table gives its number and interval
            items.append(charts.IndexItem(line.label, n=e.n, insufficient=True))
        else:
            items.append(
                charts.IndexItem(line.label, e.estimate, e.lower, e.upper, max(e.n_eff, 1e-9), highlight=line.weakest)
            )
    return items


def bars(
    lines: tuple[IndexLine, ...], language: str, target: float, confidence: float, title: str, width: int = 640
) -> Markup:
    return _svg(
        charts.index_bar_chart(
            bar_items(lines), language=language, target=target, level=confidence, title=title, width=width
        )
    )


def trend(
    points,
    language: str,
    target: float | None,
    confidence: float,
    title: str,
    measure: Measure = SHARE_MEASURE,
) -> Markup:
    """Points: (period, estimate or None), oldest first, on the scale of ``measure``; ``target`` None draws no
    target line (mean points, indices without a target)."""
    trend_points = []
    for period, estimate in points:
        if estimate is None or not math.isfinite(estimate.estimate):
            trend_points.append(charts.TrendPoint(period.code, measure=measure))
            continue
        size = estimate.n_eff if math.isfinite(estimate.n_eff) else estimate.n
        bounds = shown_interval(estimate, measure)
        lower, upper = bounds if bounds is not None else (None, None)
        value = measure.clip(estimate.estimate)
        trend_points.append(
            charts.TrendPoint(
                period.code,
                value,
                lower,
                upper,
                max(size, 1e-9),
                measure=measure,
                reconstructed=is_reconstructed(estimate),
            )
        )
    return _svg(charts.trend_chart(trend_points, language=language, target=target, level=confidence, title=title))


#: Long openings of unit names and their usual short forms, for labels beside funnel points.
SHORT_NAMES = (
    ("Ủy ban nhân dân ", "UBND "),
    ("Trung tâm Phục vụ hành chính công ", "TTPVHCC "),
)


def short_name(name: str) -> str:
    """A unit's name as a label beside a point: ``Trung tâm Phục vụ hành chính công xã Mường Bú`` →
    ``TTPVHCC xã Mường Bú``."""
    for long, short in SHORT_NAMES:
        name = name.replace(long, short)
    return name


def funnel(comparison: LevelComparison, hrefs: dict[str, str], language: str, title: str) -> Markup | None:
    if comparison.funnel is None or comparison.curve is None:
        return None
    short = {v.unit.code: short_name(v.unit.name) for v in comparison.views}
    names = {v.unit.code: v.unit.name for v in comparison.views}
    points = charts.funnel_points(comparison.funnel, hrefs=hrefs, short_labels=short, names=names)
    lines = charts.FunnelLimitLines.from_limits(comparison.curve)
    return _svg(
        charts.funnel_plot(
            points,
            lines,
            target=comparison.report.settings.target,
            language=language,
            effective=comparison.report.settings.weighting != "none",
            title=title,
        )
    )


@dataclass(frozen=True)
class ComparisonRow:
    view: UnitView
    estimate: object
    shrunk: float | None
    prob_below: float | None
    funnel_95: str | None
    funnel_998: str | None


def comparison_rows(comparison: LevelComparison) -> list[ComparisonRow]:
    status = {}
    if comparison.funnel is not None:
        labels = list(comparison.funnel.labels)
        for i, label in enumerate(labels):
            status[label] = (str(comparison.funnel.status[0][i]), str(comparison.funnel.status[1][i]))
    rows = []
    for view in comparison.views:
        shrunk = comparison.shrunk(view)
        funnel_status = status.get(view.unit.code, (None, None))
        rows.append(
            ComparisonRow(
                view,
                index_estimate(view, comparison.index),
                shrunk[0] if shrunk else None,
                shrunk[1] if shrunk else None,
                *funnel_status,
            )
        )
    return rows


def pair_rows(comparison: LevelComparison, names: dict[str, str], adjust: str) -> list[dict]:
    """Pairwise differences with a decision at the adjusted level, the clearest first."""
    result = comparison.holm if adjust == "holm" else comparison.bh
    if result is None:
        return []
    rows = []
    for row in result.rows():
        row["name_a"], row["name_b"] = (
            names.get(row["label_a"], row["label_a"]),
            names.get(row["label_b"], row["label_b"]),
        )
        rows.append(row)
    return sorted(rows, key=lambda r: (not r["testable"], r["p_adjusted"] if r["testable"] else 2))
