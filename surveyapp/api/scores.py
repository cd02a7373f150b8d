"""Scores as JSON for signed-in staff, scoped exactly like the dashboards.

Authentication is the staff session (the cookie of ``/auth/sign-in``); the role needs the ``view_scores``
action, and only units inside the person's scope are returned (a unit outside it answers 404, as if it did not
exist). Errors are JSON ``{"error": ..., "message": ..., "where": ...}`` with a 4xx status.

``GET /api/v1/scores``
    Query: ``period`` (``2026``, ``2026-Q3``, ``2026-07``; default the current quarter), ``level`` (``counter``,
    ``agency`` (default), or an area level such as ``district``), ``instrument`` (default ``sipas``), ``field``
    (a field-of-procedure code; optional), ``respondent`` (``self`` or ``organisation``: only those who came
    for themselves, or on behalf of an organisation or business; responses that did not answer the question,
    or to a version that did not ask it, are in neither group; optional).

    200: ``{"period", "instrument", "versions", "settings", "weighting", "responses", "left_out_flagged",
    "field", "respondent", "computed_at", "notes", "level", "scope", "units": [Unit]}`` where ``Unit`` is ``{"code",
    "name", "name_en", "respondents", "indices": {name: Estimate}}`` and ``Estimate`` is ``{"estimate", "se",
    "lower", "upper", "n", "n_eff", "deff", "df", "p_value", "decision", "reliability", "reason", "se_raw",
    "n_eff_raw", "deff_raw"}`` (shares in [0, 1], except a case evaluation's ``points``: mean points of a case
    file, from 0 to the questionnaire's maximum, the sum of its indicators' highest points; ``null`` where there
    is no value; ``decision`` is ``met``, ``not_met``, ``inconclusive``, ``insufficient`` (the index fails the
    reliability rules: no verdict), ``no_estimate`` or ``""`` for indices without a target; ``reliability``
    names the rule an index fails; the ``*_raw`` figures are R's linearisation quantities without the
    design-effect floor).
    400 bad period, level or respondent · 401 not signed in · 403 no ``view_scores`` · 422 scores cannot be computed.

``GET /api/v1/scores/{kind}/{code}``
    ``kind`` is ``area``, ``agency`` or ``counter``. Query: ``period``, ``instrument``, ``field``, ``respondent``
    as above.

    200: the header fields as above, ``"responses_by_status"`` (the unit's responses in the period: ``ok``,
    ``noted`` (flagged for review, counted), ``flagged``, ``excluded``, and ``partial`` among them),
    ``"unit": Unit`` with ``"level"`` and ``"left_out_flagged"``, ``"above":
    [Unit]`` (the areas that contain it, finest first, as its PDF report compares them) and ``"children":
    [Unit]`` (its agencies or counters inside the person's scope). A unit without responses in the period
    has ``"respondents": 0`` and empty ``"indices"``.
    401 · 403 · 404 unknown unit or outside the scope · 400 · 422 as above.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import func, select

from surveyapp.agency.queries import current_quarter, unit_filter
from surveyapp.api import bp
from surveyapp.api.views import ApiError
from surveyapp.auth.access import org_tree
from surveyapp.auth.roles import Action
from surveyapp.db import db
from surveyapp.organisation.tree import Scope
from surveyapp.periods import Period, parse_period
from surveyapp.questionnaires.definition import RESPONDENT_TYPES
from surveyapp.reports.scope import UNIT_MODELS, inside, level_of, scope_of
from surveyapp.responses.models import Response
from surveyapp.scores.cache import cached_scores
from surveyapp.scores.output import estimate_dict, header
from surveyapp.scores.service import ScoreReport, ScoringError, Unit


def status_counts(condition, period: Period) -> dict[str, int]:
    """Responses per status (``ok``, ``noted``, ``flagged``, ``excluded``) and the partial ones among them."""
    window = (Response.submitted_at >= period.start, Response.submitted_at < period.end)
    counts = {"ok": 0, "noted": 0, "flagged": 0, "excluded": 0}
    counts.update(
        db.session.execute(
            select(Response.status, func.count()).where(condition, *window).group_by(Response.status)
        ).all()
    )
    counts["partial"] = db.session.scalar(
        select(func.count()).select_from(Response).where(condition, *window, Response.partial.is_(True))
    )
    return counts


def _signed_in_viewer() -> None:
    if not current_user.is_authenticated:
        raise ApiError(401, "unauthorized", "Sign in as staff to read scores.")
    if not current_user.may(Action.VIEW_SCORES):
        raise ApiError(403, "forbidden", "Your role does not view scores.")


def _period() -> Period:
    code = request.args.get("period")
    if not code:
        return current_quarter()
    try:
        return parse_period(code)
    except ValueError as exc:
        raise ApiError(400, "invalid", str(exc), "period") from None


def _report(period: Period) -> ScoreReport:
    instrument = request.args.get("instrument") or "sipas"
    respondent = request.args.get("respondent") or None
    if respondent is not None and respondent not in RESPONDENT_TYPES:
        raise ApiError(
            400, "invalid", f"The respondent type must be one of {', '.join(RESPONDENT_TYPES)}.", "respondent"
        )
    try:
        return cached_scores(period, instrument, request.args.get("field") or None, respondent)
    except ScoringError as exc:
        raise ApiError(422, "not_scored", str(exc)) from None


def _unit_json(report: ScoreReport, level: str, unit: Unit) -> dict[str, Any]:
    """A unit and its indices; none when the period's responses to this questionnaire have no unit of its level
    (e.g. a district where nobody answered the one-tap rating)."""
    indices = {}
    main, extra = report.main, report.extra
    for scores in (main, extra):
        if scores is not None and report.has(level) and unit.id in scores[level].domains:
            indices |= {name: estimate_dict(scores.get(level, unit.id, name)) for name in scores[level].names}
    return {
        "code": unit.code,
        "name": unit.name,
        "name_en": unit.name_en,
        "level": level,
        "respondents": report.respondents.get(level, {}).get(unit.id, 0),
        "left_out_flagged": report.left_out_by_unit.get(level, {}).get(unit.id, 0),
        "indices": indices,
    }


@bp.get("/scores")
def scores_of_level():
    """Every index of every unit of a level inside the person's scope (see the module's documentation)."""
    _signed_in_viewer()
    period = _period()
    report = _report(period)
    level = request.args.get("level") or "agency"
    if not report.has(level):
        choices = ", ".join((*report.levels, *report.groupings))
        raise ApiError(400, "invalid", f"'{level}' is not a level with responses; choose one of {choices}.", "level")
    keep = inside(org_tree(), current_user.scope)
    units = [row["unit"] for row in report.level_rows(level) if keep(row["unit"])]
    return jsonify(
        {
            **header(report),
            "level": level,
            "scope": current_user.scope_label,
            "units": [_unit_json(report, level, unit) for unit in units],
        }
    )


@bp.get("/scores/<kind>/<code>")
def scores_of_unit(kind: str, code: str):
    """One unit's indices, with the areas above it and its children (see the module's documentation)."""
    _signed_in_viewer()
    model = UNIT_MODELS.get(kind)
    found = db.session.scalar(select(model).where(model.code == code)) if model is not None else None
    tree = org_tree()
    if found is None or not tree.contains(current_user.scope, found):
        raise ApiError(404, "not_found", "There is no such unit.")
    period = _period()
    report = _report(period)
    level = level_of(found)
    unit = Unit(level, found.id, found.code, found.name, found.name_en, kind)
    above = []
    if report.has(level):
        mask = report.domains[level] == found.id
        for other in report.above(level):
            ids = np.unique(report.domains[other][mask])
            ids = ids[ids >= 0]
            if len(ids) == 1:
                above.append(_unit_json(report, other, report.units[other][int(ids[0])]))
    children = []
    child_level = {"counter": None, "agency": "counter"}.get(level, "agency")
    if child_level is not None:
        keep_child = inside(tree, scope_of(found))
        keep_person = inside(tree, current_user.scope)
        children = [
            _unit_json(report, child_level, row["unit"])
            for row in report.level_rows(child_level)
            if keep_child(row["unit"]) and keep_person(row["unit"])
        ]
    responses = status_counts(unit_filter(found, tree.areas_in(Scope(kind, found.id))), period)
    return jsonify(
        {
            **header(report),
            "responses_by_status": responses,
            "unit": _unit_json(report, level, unit),
            "above": above,
            "children": children,
        }
    )
