"""The scope overview and unit pages."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from surveyapp.agency import bp, queries
from surveyapp.auth.access import may, org_tree
from surveyapp.auth.roles import Action
from surveyapp.db import db
from surveyapp.organisation.models import Agency, Area, Counter
from surveyapp.organisation.tree import Scope
from surveyapp.periods import parse_period

UNIT_MODELS = {"area": Area, "agency": Agency, "counter": Counter}


def _period():
    code = request.args.get("period")
    if not code:
        return queries.current_quarter()
    try:
        return parse_period(code)
    except ValueError as exc:
        abort(400, description=str(exc))


@bp.get("/")
@login_required
def home():
    tree = org_tree()
    scope = current_user.scope
    period = _period()
    agencies = queries.units(Agency, tree.agencies_in(scope))
    counts = queries.responses_by_agency([a.id for a in agencies], period)
    return render_template(
        "agency/home.html",
        scope_unit=current_user.scope_unit,
        agencies=agencies,
        counters=queries.units(Counter, tree.counters_in(scope)) if scope.kind == "counter" else [],
        counts=counts,
        period=period,
    )


@bp.get("/<kind>/<code>")
@login_required
def unit(kind: str, code: str):
    model = UNIT_MODELS.get(kind)
    if model is None:
        abort(404)
    found = db.session.scalar(select(model).where(model.code == code))
    if found is None or not org_tree().contains(current_user.scope, found):
        abort(404)
    if not (may(Action.VIEW_SCORES) or may(Action.VIEW_DEVICES)):
        abort(403)
    tree = org_tree()
    period = _period()
    own = Scope(kind, found.id)
    condition = queries.unit_filter(found, tree.areas_in(own))
    count = queries.response_count(condition, period)
    minimum = current_app.config["MIN_GROUP_SIZE"]
    comments = None
    if may(Action.VIEW_COMMENTS, found) and count >= minimum:
        comments = queries.latest_comments(condition, period)
    children = []
    if isinstance(found, Area):
        children = [("area", a) for a in sorted(found.children, key=lambda a: a.code)]
        children += [("agency", a) for a in sorted(found.agencies, key=lambda a: a.code)]
    elif isinstance(found, Agency):
        children = [("counter", c) for c in sorted(found.counters, key=lambda c: c.code)]
    children = [(k, u) for k, u in children if tree.contains(current_user.scope, u)]
    return render_template(
        "agency/unit.html",
        kind=kind,
        unit=found,
        period=period,
        count=count,
        comments=comments,
        comments_withheld=may(Action.VIEW_COMMENTS, found) and count < minimum,
        minimum=minimum,
        children=children,
    )
