"""JSON API v1 for kiosk devices (token authenticated) and, later, signed-in staff."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from surveyapp.api import scores, views  # noqa: E402, F401  - routes register themselves on ``bp``
