"""Pages for staff of agencies and areas: their scope at a glance, units, kiosk devices."""

from flask import Blueprint

bp = Blueprint("agency", __name__, url_prefix="/agency")

from surveyapp.agency import devices, views  # noqa: E402, F401  - routes register themselves on ``bp``
