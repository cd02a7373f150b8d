"""The reform office's administration: accounts and the audit log."""

from flask import Blueprint

bp = Blueprint("office", __name__, url_prefix="/office")

from surveyapp.office import settings, views  # noqa: E402, F401  - routes register themselves on ``bp``
