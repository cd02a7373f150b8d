"""Checking permissions in views: one place that combines a role's actions with the person's scope.

A missing action answers 403 Forbidden. A unit outside the person's scope answers 404 Not Found, exactly as
if it did not exist, so that nobody learns about units they may not see.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g
from flask_login import current_user, login_required

from surveyapp.auth.roles import Action
from surveyapp.organisation.tree import OrgTree, Unit


def org_tree() -> OrgTree:
    """The organisation tree, read once per request."""
    if "org_tree" not in g:
        g.org_tree = OrgTree.load()
    return g.org_tree


def requires(action: Action) -> Callable:
    """View decorator: signed in, and the role grants ``action``."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.may(action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def in_scope(unit: Unit) -> bool:
    return org_tree().contains(current_user.scope, unit)


def may(action: Action, unit: Unit | None = None) -> bool:
    """Whether the signed-in person may take ``action`` (on ``unit``, when given)."""
    if not current_user.is_authenticated or not current_user.may(action):
        return False
    return unit is None or in_scope(unit)


def authorize(action: Action, unit: Unit) -> None:
    """Abort unless the signed-in person may take ``action`` on ``unit`` (403 for the action, 404 for scope)."""
    if not current_user.may(action):
        abort(403)
    if not in_scope(unit):
        abort(404)
