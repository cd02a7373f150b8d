"""The dashboard: a unit's scores, its trend, and fair comparisons of the units under it, for any scope."""

from __future__ import annotations

import math

from flask import abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from surveyapp.agency import bp, dashboard
from surveyapp.auth.access import may, org_tree
from surveyapp.auth.roles import Action
from surveyapp.db import db
from surveyapp.i18n import resolve_language
from surveyapp.organisation.lineage import lineage
from surveyapp.organisation.models import Agency, Area, Counter, Field
from surveyapp.organisation.tree import Scope
from surveyapp.periods import parse_period
from surveyapp.questionnaires.definition import RESPONDENT_TYPES
from surveyapp.questionnaires.models import Instrument
from surveyapp.reports.data import Scores, build_unit_report, compare_level, index_estimate, index_trend, labels
from surveyapp.reports.scope import level_of
from surveyapp.scores.measures import has_target, headline_index, measure_of
from surveyapp.scores.service import RESPONDENT_NOTE, ScoringError

UNIT_MODELS = {"area": Area, "agency": Agency, "counter": Counter}
#: Pairwise differences are listed for up to this many units (districts: 66 pairs); beyond, the funnel plot
#: and the shrunk estimates carry the comparison.
MAX_PAIRWISE_UNITS = 20


def _choices() -> dict:
    """The page's period, field of procedure and instrument, checked (400 with a sentence when wrong)."""
    g.language = resolve_language(request.args.get("lang"))
    code = request.args.get("period")
    try:
        period = parse_period(code) if code else dashboard.default_period()
    except ValueError as exc:
        abort(400, description=str(exc))
    field_code = request.args.get("field") or None
    if field_code and db.session.scalar(select(Field.id).where(Field.code == field_code)) is None:
        abort(400, description=_("There is no field of procedure '%(code)s'.", code=field_code))
    respondent = request.args.get("respondent") or None
    if respondent is not None and respondent not in RESPONDENT_TYPES:
        abort(400, description=_("There is no respondent type '%(code)s'.", code=respondent))
    instrument = request.args.get("instrument") or "sipas"
    instruments = list(db.session.scalars(select(Instrument.code).order_by(Instrument.code)))
    if instrument not in instruments:
        abort(400, description=_("There is no questionnaire '%(code)s'.", code=instrument))
    return {
        "period": period,
        "field": field_code,
        "respondent": respondent,
        "instrument": instrument,
        "instruments": instruments,
        "language": g.language,
    }


def _args(choices: dict, **changes) -> dict:
    """Query arguments that keep the page's choices in links."""
    args = {
        "period": choices["period"].code,
        "field": choices["field"],
        "respondent": choices["respondent"],
        "instrument": choices["instrument"],
    }
    if choices["language"] != "vi":
        args["lang"] = choices["language"]
    args.update(changes)
    return {k: v for k, v in args.items() if v}


def _load(kind: str, code: str):
    model = UNIT_MODELS.get(kind)
    unit = db.session.scalar(select(model).where(model.code == code)) if model else None
    if unit is None or not org_tree().contains(current_user.scope, unit):
        abort(404)
    if not may(Action.VIEW_SCORES):
        abort(403)
    return unit


@bp.get("/")
@login_required
def home():
    if not may(Action.VIEW_SCORES):
        return redirect(url_for(".devices"))
    scope_unit = current_user.scope_unit
    if scope_unit is None:
        scope_unit = db.session.scalar(select(Area).where(Area.parent_id.is_(None)).order_by(Area.id))
        if scope_unit is None:
            abort(404, description=_("The organisation has not been loaded yet."))
        kind = "area"
    else:
        kind = current_user.scope.kind
    return redirect(url_for(".unit", kind=kind, code=scope_unit.code, **request.args))


def _in_scope(unit_ref) -> bool:
    model = UNIT_MODELS.get(unit_ref.kind, Area)
    return org_tree().contains(current_user.scope, db.session.get(model, unit_ref.id))


@bp.get("/<kind>/<code>")
@login_required
def unit(kind: str, code: str):
    found = _load(kind, code)
    choices = _choices()
    page = _page(kind, found, choices)
    return render_template("agency/unit.html", **page)


@bp.get("/<kind>/<code>/index/<name>")
@login_required
def index_detail(kind: str, code: str, name: str):
    found = _load(kind, code)
    choices = _choices()
    page = _page(kind, found, choices, index=name)
    if page["view"] is not None and index_estimate(page["view"], name) is None:
        abort(404)
    return render_template("agency/index.html", **page)


def _page(kind: str, found, choices: dict, index: str | None = None) -> dict:
    history = lineage(found) if index is None else None  # on the unit's page, not an index's
    language, period = choices["language"], choices["period"]
    adjust = "bh" if request.args.get("adjust") == "bh" else "holm"
    scores = Scores(choices["instrument"], choices["field"], respondent=choices["respondent"])
    try:
        report = scores(period)
    except ScoringError as exc:
        abort(400, description=str(exc))
    settings = report.settings
    level = level_of(found)
    scope = Scope(kind, found.id)
    tree = org_tree()
    unit_report = None
    if report.has(level):
        unit_report = build_unit_report(
            scores,
            period,
            level,
            found.id,
            language,
            minimum_group=current_app.config["MIN_GROUP_SIZE"],
            child_filter=_in_scope,
        )
    view = unit_report.view if unit_report else None
    questionnaire = report.questionnaire
    names = labels(questionnaire, language)
    index = index or headline_index(questionnaire)
    measure = measure_of(questionnaire, index)
    target = settings.target if has_target(questionnaire, index) else None

    def inside(unit_ref) -> bool:
        model = UNIT_MODELS.get(unit_ref.kind, Area)
        probe = db.session.get(model, unit_ref.id)
        return tree.contains(scope, probe) and tree.contains(current_user.scope, probe)

    comparisons = []
    scope_key = (kind, found.id, current_user.scope)
    if view is not None:
        for comparison_level in _comparison_levels(kind, level, report.levels, report.groupings):
            comparison = report.derive(
                ("comparison", comparison_level, language, index, scope_key),
                lambda lv=comparison_level: compare_level(report, lv, language, inside, index),
            )
            if comparison.views:
                comparisons.append((comparison_level, comparison))
    charts = {}
    if view is not None:
        title_bits = f"{period.code}"
        if report.kind == "sipas":
            charts["elements"] = dashboard.bars(
                view.elements, language, settings.target, settings.confidence, f"{names['overall']} · {title_bits}"
            )
            charts["criteria"] = dashboard.bars(
                view.criteria, language, settings.target, settings.confidence, _("Criteria") + f" · {title_bits}"
            )
        trend_points = index_trend(scores, period, level, found.id, language, index)
        charts["trend"] = dashboard.trend(
            trend_points, language, target, settings.confidence, names.get(index, index), measure
        )
        for lv, comparison in comparisons:
            hrefs = {
                v.unit.code: url_for(".unit", kind=v.unit.kind, code=v.unit.code, **_args(choices))
                for v in comparison.views
            }
            charts[f"funnel_{lv}"] = report.derive(
                ("funnel", lv, language, index, scope_key, tuple(sorted(hrefs.items()))),
                lambda c=comparison, h=hrefs: dashboard.funnel(c, h, language, names.get(index, index)),
            )
    group_areas = {a.id: a for a in db.session.scalars(select(Area).where(Area.id.in_(set(tree.area_group.values()))))}

    def group_of(unit_ref) -> Area | None:
        """The former district (a grouping) a compared unit lies in, if any."""
        area_id = unit_ref.id if unit_ref.kind == "area" else None
        if unit_ref.kind == "counter":
            area_id = tree.agency_area.get(tree.counter_agency.get(unit_ref.id))
        elif unit_ref.kind == "agency":
            area_id = tree.agency_area.get(unit_ref.id)
        group_id = tree.area_group.get(area_id) if area_id is not None else None
        return None if group_id is None or group_id == unit_ref.id else group_areas.get(group_id)

    return {
        "kind": kind,
        "unit": found,
        "history": history,
        "group_of": group_of,
        "choices": choices,
        "args": lambda **kw: _args(choices, **kw),
        #: The query of the unit's downloads: the page's period, questionnaire and field of procedure.
        "pdf_args": lambda: {
            k: v
            for k, v in (
                ("period", period.code),
                ("instrument", choices["instrument"]),
                ("field", choices["field"]),
                ("respondent", choices["respondent"]),
            )
            if v
        },
        "report": report,
        #: The English note a respondent filter adds to the report's notes; the page says it in its own words.
        "respondent_note": RESPONDENT_NOTE,
        "unit_report": unit_report,
        "view": view,
        "names": names,
        "index": index,
        #: The estimate the page leads with (the headline, or the index of an index page) and its measure.
        "estimate": index_estimate(view, index) if view is not None else None,
        "measure": measure,
        "measure_of": lambda name: measure_of(questionnaire, name),
        "comparisons": [
            (
                lv,
                c,
                dashboard.comparison_rows(c),
                dashboard.pair_rows(c, {v.unit.code: v.unit.name for v in c.views}, adjust)
                if len(c.views) <= MAX_PAIRWISE_UNITS
                else [],
            )
            for lv, c in comparisons
        ],
        "charts": charts,
        "periods": dashboard.available_periods(),
        "fields": db.session.scalars(select(Field).order_by(Field.code)).all(),
        "show_comments": may(Action.VIEW_COMMENTS, found),
        "adjust": adjust,
        "language": language,
        "isfinite": math.isfinite,
    }


def _comparison_levels(kind: str, level: str, levels: tuple[str, ...], groupings: tuple[str, ...] = ()) -> list[str]:
    """Which units a page compares: an area's sub-areas (the level just below) and its agencies, and for the
    province also the former districts (a grouping); a former district's communes and agencies; an agency's
    counters."""
    if kind == "counter":
        return []
    if kind == "agency":
        return ["counter"]
    if level in groupings:
        return [*[lv for lv in levels[2:-1]][:1], "agency"]
    below = [lv for lv in levels[2:] if levels.index(lv) < levels.index(level)]
    groups = list(groupings) if level == levels[-1] else []
    return [*below[-1:], *groups, "agency"]
