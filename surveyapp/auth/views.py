"""Signing in and out, and changing one's password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from surveyapp.audit import service as audit
from surveyapp.auth import bp
from surveyapp.auth.forms import PasswordForm, SignInForm
from surveyapp.auth.service import AccountError, authenticate, change_password, normalise_email
from surveyapp.db import db
from surveyapp.extensions import limiter, remote_address


def _account_key() -> str:
    """Rate-limit key for sign-in attempts on one account, whatever address they come from."""
    return "account:" + normalise_email(request.form.get("email", ""))[:254]


def _failed(response) -> bool:
    return response.status_code == 401


def _account_limit() -> str:
    return current_app.config["SIGN_IN_ACCOUNT_LIMIT"]


def _address_limit() -> str:
    return current_app.config["SIGN_IN_ADDRESS_LIMIT"]


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after signing in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_account_limit, key_func=_account_key, deduct_when=_failed, methods=["POST"])
@limiter.limit(_address_limit, key_func=remote_address, deduct_when=_failed, methods=["POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("agency.home"))
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data, current_app.config["DEMO_MODE"])
        if user is not None:
            db.session.commit()
            session.clear()
            login_user(user)
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")) or url_for("agency.home"))
        db.session.commit()  # keeps the audit entry of the failed attempt
        flash(_("Wrong e-mail or password."), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/sign_in.html", form=form), status


@bp.post("/sign-out")
@login_required
def sign_out():
    audit.record("sign_out", current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.sign_in"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current.data, form.new.data)
        except AccountError as exc:
            db.session.rollback()
            form.new.errors.append(str(exc))
            status = 422
        else:
            db.session.commit()
            login_user(current_user)  # the session identifier changed with the password
            flash(_("Your password has been changed."), "info")
            return redirect(url_for("agency.home"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/password.html", form=form), status
