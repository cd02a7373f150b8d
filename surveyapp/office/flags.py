"""The reform office reviews flagged responses: confirm (excluded from scores) or clear (counted again)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import HiddenField
from wtforms.validators import AnyOf, InputRequired

from surveyapp.auth.access import authorize, requires
from surveyapp.auth.roles import Action
from surveyapp.db import db
from surveyapp.integrity import service
from surveyapp.integrity.models import ResponseFlag
from surveyapp.office import bp
from surveyapp.responses.models import STATUSES, Response

PAGE = 50


class ReviewForm(FlaskForm):
    decision = HiddenField(validators=[InputRequired(), AnyOf(list(service.OUTCOMES))])


@bp.get("/flags")
@requires(Action.REVIEW_FLAGS)
def flags():
    status = request.args.get("status", "flagged")
    if status not in STATUSES:
        abort(400, description=_("Unknown status."))
    page = max(request.args.get("page", 1, type=int), 1)
    flagged = select(ResponseFlag.response_id).distinct()
    query = select(Response).where(Response.status == status)
    if status == "ok":  # cleared: flagged once, counted again after review
        query = query.where(Response.id.in_(flagged))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    listed = db.session.scalars(
        query.order_by(Response.submitted_at.desc(), Response.id.desc()).limit(PAGE).offset((page - 1) * PAGE)
    ).all()
    by_status = dict(db.session.execute(select(Response.status, func.count()).group_by(Response.status)).all())
    by_reason = dict(
        db.session.execute(
            select(ResponseFlag.reason, func.count(ResponseFlag.response_id.distinct())).group_by(ResponseFlag.reason)
        ).all()
    )
    return render_template(
        "office/flags.html",
        responses=listed,
        flags=service.flags_of(r.id for r in listed),
        status=status,
        page=page,
        pages=max(1, -(-total // PAGE)),
        total=total,
        by_status=by_status,
        by_reason=by_reason,
        form=ReviewForm(),
    )


@bp.post("/flags/<uuid:response_uuid>")
@requires(Action.REVIEW_FLAGS)
def review_flag(response_uuid):
    response = db.session.scalar(select(Response).where(Response.uuid == response_uuid))
    if response is None:
        abort(404)
    authorize(Action.REVIEW_FLAGS, response.counter)
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400, description=_("Choose to confirm or to clear the flags."))
    try:
        service.review(response, form.decision.data, current_user)
    except service.ReviewError as exc:
        db.session.rollback()
        abort(409, description=str(exc))
    db.session.commit()
    if form.decision.data == "confirm":
        flash(_("The response is excluded from scores."), "info")
    else:
        flash(_("The flags are cleared: the response counts again."), "info")
    return redirect(url_for(".flags", status=request.args.get("status", "flagged")))
