"""Downloads: PDF reports of a unit or comparing the units inside it, and exports of scores and responses.

Routes (``?period=2026-Q3`` defaults to the current quarter, ``?lang=en`` to Vietnamese):

``GET /reports/<kind>/<code>.pdf[?instrument=sipas][&field=land][&respondent=self|organisation]``
    The report of an area, agency or counter (``kind`` = ``area``, ``agency``, ``counter``) for one
    questionnaire (SIPAS by default; the one-tap rating and the case evaluation have a shorter report, each
    figure in its own unit); ``respondent`` keeps those who came for themselves, or on behalf of an
    organisation or business, and the report's title says so. Needs the ``download_reports`` action and the
    unit in the person's scope; comments only for roles that may read them.
``GET /reports/<kind>/<code>/comparison.pdf?level=district``
    The units of ``level`` inside an area or agency compared: intervals, funnel plot, shrunk estimates,
    Holm/BH-adjusted differences. The province-level report is ``/reports/area/son-la/comparison.pdf``.
``GET /reports/province/comparison.pdf``
    The same for the root of the organisation (the province), for links that do not know its code.
``GET /reports/exports/scores.<csv|xlsx>?level=agency[&instrument=sipas][&field=land][&respondent=self]``
    Every index of every unit of ``level`` inside the person's scope (``export_data``).
``GET /reports/exports/responses.<csv|xlsx>[?instrument=sipas]``
    The anonymised responses given inside the person's scope (``export_data``).

A missing right answers 403, a unit outside the scope 404; bad input 400 and a scoring problem 422, each with a
sentence. Every download and export is written to the audit log.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request, send_file, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from surveyapp.agency.queries import current_quarter
from surveyapp.audit import service as audit
from surveyapp.auth.access import authorize, may, org_tree, requires
from surveyapp.auth.roles import Action
from surveyapp.db import db
from surveyapp.i18n import supported_languages
from surveyapp.organisation.models import Agency, Area, Counter
from surveyapp.organisation.tree import Scope
from surveyapp.periods import Period, parse_period
from surveyapp.questionnaires.definition import RESPONDENT_TYPES
from surveyapp.reports import batch, exports, wording
from surveyapp.reports.data import Scores
from surveyapp.reports.render import Rendered, comparison_report, unit_report
from surveyapp.reports.scope import UNIT_MODELS, inside, kind_of, level_of, scope_of
from surveyapp.responses.export import ANONYMOUS_COLUMNS, response_table
from surveyapp.responses.models import Response as StoredResponse
from surveyapp.scores.cache import cached_scores
from surveyapp.scores.measures import measure_of
from surveyapp.scores.service import ScoreReport, ScoringError

bp = Blueprint("reports", __name__, url_prefix="/reports", cli_group=None)
bp.cli.add_command(batch.reports_command)  # ``flask reports ...``: a batch of PDF reports

FORMATS = ("csv", "xlsx")


def period_arg() -> Period:
    code = request.args.get("period")
    if not code:
        return current_quarter()
    try:
        return parse_period(code)
    except ValueError as exc:
        abort(400, description=str(exc))


def language_arg() -> str:
    language = request.args.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"]
    if language not in supported_languages():
        languages = ", ".join(supported_languages())
        abort(
            400,
            description=_(
                "Reports are written in %(languages)s, not in '%(language)s'.", languages=languages, language=language
            ),
        )
    return language


def respondent_arg() -> str | None:
    """``?respondent=self|organisation``, or ``None``; 400 with a sentence for anything else."""
    respondent = request.args.get("respondent") or None
    if respondent is not None and respondent not in RESPONDENT_TYPES:
        abort(400, description=_("There is no respondent type '%(code)s'.", code=respondent))
    return respondent


def respondent_label(respondent: str | None) -> str:
    """Who a filtered score is about, in the reader's language."""
    if respondent == "organisation":
        return _("on behalf of an organisation or business")
    return _("for themselves") if respondent == "self" else _("everyone")


def find_unit(kind: str, code: str, action: Action) -> Area | Agency | Counter:
    """The unit, when it exists and the person may take ``action`` on it; else 404 (or 403 for the action)."""
    model = UNIT_MODELS.get(kind)
    found = db.session.scalar(select(model).where(model.code == code)) if model is not None else None
    if found is None:
        if not current_user.may(action):
            abort(403)
        abort(404, description=_("There is no such unit."))
    authorize(action, found)
    return found


def deliver(
    rendered: Rendered | None, unit, period: Period, language: str, instrument: str = "sipas", **details
) -> Response:
    """The PDF as a download, the download audited and committed; 404 with a sentence when there is no report."""
    if rendered is None:
        message = _(
            "%(unit)s has no scored responses to the questionnaire '%(instrument)s' in %(period)s.",
            unit=unit.name,
            instrument=instrument,
            period=period.code,
        )
        abort(404, description=message)
    target = f"{kind_of(unit)}:{unit.code}"
    audit.record("report_downloaded", current_user, target=target, period=period.code, language=language, **details)
    db.session.commit()
    response = Response(rendered.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def scores_for(
    period: Period, instrument: str = "sipas", field: str | None = None, respondent: str | None = None
) -> ScoreReport:
    """The period's scores (from the process-wide cache while its data is unchanged); 422 with the reason when
    they cannot be computed."""
    try:
        return cached_scores(period, instrument, field, respondent)
    except ScoringError as exc:
        abort(422, description=str(exc))


@bp.get("/<kind>/<code>.pdf")
@login_required
def unit_pdf(kind: str, code: str):
    """The PDF report of one area, agency or counter for a period, for one questionnaire."""
    unit = find_unit(kind, code, Action.DOWNLOAD_REPORTS)
    period, language = period_arg(), language_arg()
    instrument = request.args.get("instrument") or "sipas"
    field = request.args.get("field") or None
    respondent = respondent_arg()
    comments = may(Action.VIEW_COMMENTS, unit)
    try:
        rendered = unit_report(
            Scores(instrument, field, respondent=respondent),
            period,
            level_of(unit),
            unit.id,
            language,
            include_comments=comments,
            minimum_group=current_app.config["MIN_GROUP_SIZE"],
        )
    except ScoringError as exc:
        abort(422, description=str(exc))
    return deliver(
        rendered, unit, period, language, instrument, report="unit", comments=comments, questionnaire=instrument
    )


@bp.get("/<kind>/<code>/comparison.pdf")
@login_required
def comparison_pdf(kind: str, code: str):
    """The PDF comparing the units of ``?level=`` inside an area or agency (the province's districts by default)."""
    if kind not in ("area", "agency"):
        abort(404, description=_("There is no such unit."))
    unit = find_unit(kind, code, Action.DOWNLOAD_REPORTS)
    period, language = period_arg(), language_arg()
    report = scores_for(period)
    parent_level = level_of(unit)
    level = comparison_level(report, parent_level, request.args.get("level"))
    rendered = comparison_report(
        report,
        parent_level,
        unit.id,
        level,
        language,
        keep=inside(org_tree(), scope_of(unit)),
        minimum_group=current_app.config["MIN_GROUP_SIZE"],
    )
    return deliver(rendered, unit, period, language, report="comparison", level=level)


@bp.get("/province/comparison.pdf")
@login_required
def province_comparison_pdf():
    """The comparison report of the whole province (its communes by default): the root area's."""
    root = db.session.scalar(select(Area).where(Area.parent_id.is_(None)).order_by(Area.id))
    if root is None:
        abort(404, description=_("There is no such unit."))
    return comparison_pdf("area", root.code)


def comparison_level(report: ScoreReport, parent_level: str, requested: str | None) -> str:
    """The level to compare inside a unit of ``parent_level``: ``requested`` when it is finer, else the
    default (districts in the province, agencies in an area, counters in an agency)."""
    levels = report.levels
    if not report.has(parent_level):
        abort(404, description=_("This unit has no scored SIPAS responses in %(period)s.", period=report.period.code))
    if parent_level in report.groupings:
        finer = tuple(lv for lv in levels[:-1] if lv != "counter")
    else:
        finer = levels[: levels.index(parent_level)]
        if parent_level == levels[-1]:
            finer = (*finer, *report.groupings)
    if requested:
        if requested not in finer:
            abort(400, description=_("Inside this unit, compare one of: %(levels)s.", levels=", ".join(finer)))
        return requested
    areas_below = [lv for lv in finer if lv not in ("counter", "agency", *report.groupings)]
    if parent_level in (levels[-1], *report.groupings) and areas_below:
        return areas_below[-1]
    return "agency" if "agency" in finer else finer[-1]


# ---------------------------------------------------------------------------------------------------- exports


def export_format(fmt: str) -> str:
    if fmt not in FORMATS:
        abort(404, description=_("Exports are CSV (.csv) or XLSX (.xlsx)."))
    return fmt


def download(body, fmt: str, filename: str) -> Response:
    """A streamed CSV (``body`` yields text) or an XLSX file (``body`` is an open temporary file) to save."""
    if fmt == "csv":
        response = Response(stream_with_context(body), mimetype=exports.CSV_TYPE)
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    else:
        response = send_file(body, mimetype=exports.XLSX_TYPE, as_attachment=True, download_name=f"{filename}.xlsx")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def scope_condition(scope: Scope):
    """The responses inside ``scope``: an area's subtree, an agency, a counter; ``None`` for the province."""
    if scope.kind == "province":
        return None
    if scope.kind == "area":
        return StoredResponse.area_id.in_(sorted(org_tree().areas_in(scope)))
    if scope.kind == "agency":
        return StoredResponse.agency_id == scope.id
    return StoredResponse.counter_id == scope.id


@bp.get("/exports/scores.<fmt>")
@requires(Action.EXPORT_DATA)
def export_scores(fmt: str):
    """Every index of every unit of ``?level=`` inside the person's scope, as CSV or XLSX."""
    fmt = export_format(fmt)
    period = period_arg()
    instrument = request.args.get("instrument") or "sipas"
    field = request.args.get("field") or None
    respondent = respondent_arg()
    report = scores_for(period, instrument, field, respondent)
    level = request.args.get("level") or "agency"
    if not report.has(level):
        choices = ", ".join((*report.levels, *report.groupings))
        message = _("'%(level)s' is not a level with responses in %(period)s; choose one of %(levels)s.")
        abort(400, description=message % {"level": level, "period": period.code, "levels": choices})
    keep = inside(org_tree(), current_user.scope)
    name = f"scores-{instrument}-{period.code}-{level}"
    if fmt == "csv":
        body = exports.scores_csv(report, level, keep)
    else:
        body = exports.scores_xlsx(report, level, keep, _score_about(report, level), _("About this file"))
    audit.record(
        "data_exported",
        current_user,
        target=f"scores:{level}",
        export="scores",
        format=fmt,
        period=period.code,
        instrument=instrument,
        field=field,
        **({"respondent": respondent} if respondent else {}),
    )
    db.session.commit()
    return download(body, fmt, name)


def _score_about(report: ScoreReport, level: str) -> list[tuple[str, object]]:
    settings = report.settings
    return [
        (_("Period"), f"{report.period.code} ({wording.period_dates(report.period)})"),
        (_("Questionnaire"), f"{report.instrument} ({', '.join(report.versions)})"),
        (_("Level"), level),
        (_("Scope"), current_user.scope_label),
        (_("Data as of"), report.computed_at.isoformat(timespec="seconds")),
        (_("Responses counted"), report.responses),
        (_("Flagged responses left out"), report.left_out if settings.exclude_flagged else 0),
        (_("Field of procedure"), report.field_filter or _("all")),
        *(
            ((_("Who the respondent came for"), respondent_label(report.respondent_filter)),)
            if report.respondent_filter
            else ()
        ),
        (_("Scoring settings"), settings.describe()),
        (_("Respondent weights"), report.weighting_note),
        (_("Shares"), _("estimate, se, lower and upper are shares between 0 and 1, shown as percentages")),
        *(
            (
                (
                    _("Points"),
                    _(
                        "for the index 'points', estimate, se, lower and upper are mean points of a case file, "
                        "out of %(top)s",
                        top=wording.scale_top(measure_of(report.questionnaire, "points")),
                    ),
                ),
            )
            if report.kind == "case"
            else ()
        ),
        *((_("Note"), note) for note in report.notes),
    ]


@bp.get("/exports/responses.<fmt>")
@requires(Action.EXPORT_DATA)
def export_responses(fmt: str):
    """The anonymised responses given inside the person's scope in a period, as CSV or XLSX."""
    fmt = export_format(fmt)
    period = period_arg()
    instrument = request.args.get("instrument") or "sipas"
    where = scope_condition(current_user.scope)
    comments = may(Action.VIEW_COMMENTS)
    minimum = current_app.config["MIN_GROUP_SIZE"]
    try:
        table = response_table(
            instrument, period, where=where, anonymous=True, comments=comments, minimum_group=minimum
        )
    except ValueError:
        abort(400, description=_("No questionnaire '%(instrument)s' is loaded.", instrument=instrument))
    name = f"responses-{instrument}-{period.code}"
    if fmt == "csv":
        body = exports.responses_csv(table)
    else:
        if exports.response_count(instrument, period, where) > exports.XLSX_MAX_ROWS:
            abort(422, description=_("Too many responses for one XLSX sheet: export CSV instead."))
        about = _responses_about(period, instrument, comments, minimum)
        body = exports.responses_xlsx(table, len(ANONYMOUS_COLUMNS), about, _("About this file"))
    audit.record(
        "data_exported",
        current_user,
        target=f"responses:{instrument}",
        export="responses",
        format=fmt,
        period=period.code,
        comments=comments,
    )
    db.session.commit()
    return download(body, fmt, name)


def _responses_about(period: Period, instrument: str, comments: bool, minimum: int) -> list[tuple[str, object]]:
    return [
        (_("Period"), f"{period.code} ({wording.period_dates(period)})"),
        (_("Questionnaire"), instrument),
        (_("Scope"), current_user.scope_label),
        (
            _("Anonymised"),
            _(
                "One row per response. No response identifier, no case-file code, no time of day (the local date "
                "only), no name or network address (neither is ever stored)."
            ),
        ),
        (
            _("Comments"),
            _(
                "Included, except at counters with fewer than %(count)d responses in this file, whose comments are "
                "blank so that nobody can be recognised.",
                count=minimum,
            )
            if comments
            else _("Not included: your role does not read citizens' comments."),
        ),
        (_("Answers"), _("Scale answers are numbers (1–5); options are their codes; several options are joined by ;")),
        (_("Status"), _("ok: counted in scores; flagged: looks produced rather than given; excluded: not genuine")),
    ]
