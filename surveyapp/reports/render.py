"""Rendering the reports: data → document → HTML → PDF, in the report's language, without a request.

The same functions serve downloads (:mod:`surveyapp.reports.views`) and the batch command
(:mod:`surveyapp.reports.batch`). Building the document and the HTML happen under
``flask_babel.force_locale``, so every word and number is in the report's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from jinja2 import StrictUndefined

from surveyapp.periods import Period
from surveyapp.reports import wording
from surveyapp.reports.data import Scores, build_unit_report, compare_level, silent_units
from surveyapp.reports.documents import comparison_document, unit_document, unit_name
from surveyapp.reports.pdf import render_pdf, static_url
from surveyapp.scores.service import ScoreReport, Unit

#: Formatting functions every report template uses.
HELPERS = {
    "pct": wording.percent,
    "ci": wording.interval,
    "val": wording.value,
    "est": wording.estimate_text,
    "ci_of": wording.interval_of,
    "top": wording.scale_top,
    "num": wording.count,
    "dec": wording.decimal,
    "pts": wording.signed_points,
    "prob": wording.probability,
    "pval": wording.p_value,
    "share": wording.target_text,
}


@dataclass(frozen=True)
class Rendered:
    filename: str
    html: str
    pdf: bytes


def render_html(template: str, doc, language: str) -> str:
    """The report's HTML. Templates see only the document and the helpers, and a name they use that the
    document lacks is an error (``StrictUndefined``), never a silently empty part of a report."""
    app = current_app._get_current_object()
    environment = app.extensions.get("reports.jinja")
    if environment is None:  # the app's environment (filters, translations), strict about undefined names
        environment = app.extensions["reports.jinja"] = app.jinja_env.overlay(undefined=StrictUndefined)
    context = {"doc": doc, "methods": doc.methods, "lang": language, "static_url": static_url, **HELPERS}
    return environment.get_template(template).render(context)


def unit_report(
    scores: Scores,
    period: Period,
    level: str,
    unit_id: int,
    language: str,
    *,
    include_comments: bool,
    minimum_group: int,
) -> Rendered | None:
    """The PDF report of one unit for the questionnaire of ``scores``, or ``None`` when the unit has no scored
    response to it in the period. SIPAS has the full report; a rating or a case evaluation a shorter one."""
    with force_locale(language):
        data = build_unit_report(scores, period, level, unit_id, language, minimum_group=minimum_group)
        if data is None or data.view.headline is None:
            return None
        doc = unit_document(data, language, include_comments=include_comments)
        html = render_html("reports/unit.html" if doc.kind == "sipas" else "reports/unit_single.html", doc, language)
    questionnaire = "" if doc.kind == "sipas" else f"-{data.report.instrument}"
    name = f"{period.code}-{level}-{data.view.unit.code}{questionnaire}-{language}.pdf"
    return Rendered(name, html, render_pdf(html))


def comparison_report(
    report: ScoreReport,
    parent_level: str,
    parent_id: int,
    level: str,
    language: str,
    *,
    keep: Callable[[Unit], bool],
    minimum_group: int,
) -> Rendered | None:
    """The PDF comparing the units of ``level`` that ``keep`` accepts, inside the unit ``parent_id``; ``None``
    when that unit has no scored response in the period."""
    with force_locale(language):
        if parent_id not in report.respondents.get(parent_level, {}):
            return None
        comparison = compare_level(report, level, language, keep=keep)
        silent = tuple(unit_name(u, language) for u in silent_units(report, level, keep))
        doc = comparison_document(
            comparison, parent_level, parent_id, language, minimum_group=minimum_group, silent=silent
        )
        html = render_html("reports/comparison.html", doc, language)
    parent = report.units[parent_level][parent_id]
    name = f"{report.period.code}-{parent_level}-{parent.code}-{level}-comparison-{language}.pdf"
    return Rendered(name, html, render_pdf(html))
