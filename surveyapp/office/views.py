"""Accounts and the audit log (reform office only)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response as HttpResponse

from surveyapp.audit.models import AuditEntry
from surveyapp.auth.access import requires
from surveyapp.auth.models import User
from surveyapp.auth.roles import Action
from surveyapp.auth.service import AccountError, create_user, reset_password, update_user
from surveyapp.db import db
from surveyapp.office import bp
from surveyapp.office.forms import ROLE_LABELS, NewUserForm, ResetForm, UserForm

AUDIT_PAGE = 100


@bp.get("/users")
@requires(Action.MANAGE_USERS)
def users():
    listed = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    return render_template("office/users.html", users=listed, role_labels=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
@requires(Action.MANAGE_USERS)
def new_user():
    form = NewUserForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = create_user(
                form.email.data,
                form.name.data,
                form.role.data,
                form.scope.data or None,
                form.password.data,
                current_user,
            )
        except AccountError as exc:
            db.session.rollback()
            form.scope.errors.append(str(exc))
            status = 422
        else:
            db.session.commit()
            flash(_("Account %(email)s created.", email=user.email), "info")
            return redirect(url_for(".users"))
    elif request.method == "POST":
        status = 422
    return render_template("office/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires(Action.MANAGE_USERS)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user) if request.method == "GET" else UserForm()
    if request.method == "GET":
        form.scope.data = user.scope_label
    status = 200
    if form.validate_on_submit():
        try:
            update_user(
                user,
                current_user,
                name=form.name.data,
                role=form.role.data,
                scope=form.scope.data or None,
                active=form.active.data,
            )
        except AccountError as exc:
            db.session.rollback()
            form.scope.errors.append(str(exc))
            status = 422
        else:
            db.session.commit()
            flash(_("Account %(email)s saved.", email=user.email), "info")
            return redirect(url_for(".users"))
    elif request.method == "POST":
        status = 422
    return render_template("office/user_form.html", form=form, user=user, reset_form=ResetForm()), status


@bp.post("/users/<int:user_id>/reset")
@requires(Action.MANAGE_USERS)
def reset(user_id: int):
    user = db.get_or_404(User, user_id)
    if not ResetForm().validate_on_submit():
        abort(400)
    password = reset_password(user, current_user)
    db.session.commit()
    body = render_template("office/password_reset.html", user=user, password=password)
    response = HttpResponse(body, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/audit")
@requires(Action.VIEW_AUDIT)
def audit_log():
    page = max(request.args.get("page", 1, type=int), 1)
    action = request.args.get("action") or None
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    counting = select(func.count()).select_from(AuditEntry)
    if action:
        query, counting = query.where(AuditEntry.action == action), counting.where(AuditEntry.action == action)
    entries = db.session.scalars(query.limit(AUDIT_PAGE).offset((page - 1) * AUDIT_PAGE)).all()
    total = db.session.scalar(counting)
    actions = db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()
    return render_template(
        "office/audit.html",
        entries=entries,
        page=page,
        pages=max(1, -(-total // AUDIT_PAGE)),
        total=total,
        action=action,
        actions=actions,
    )
