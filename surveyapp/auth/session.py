"""How Flask-Login finds the signed-in person, and what happens when nobody is."""

from __future__ import annotations

from flask import jsonify, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from surveyapp.auth.models import User
from surveyapp.db import db


def load_user(identifier: str) -> User | None:
    """The session holds ``<id>.<session token>``: a changed token (new password, deactivation) ends it."""
    user_id, _, token = identifier.partition(".")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def unauthorized():
    if request.path.startswith("/api/"):
        return jsonify(error="unauthorized", message="Sign in first."), 401
    return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))


def configure_login(manager: LoginManager) -> None:
    manager.user_loader(load_user)
    manager.unauthorized_handler(unauthorized)
    manager.session_protection = "basic"
    manager.login_message = _l("Please sign in to see this page.")
