"""The reform office's administration: accounts, the audit log, the review of flagged responses."""

from flask import Blueprint

bp = Blueprint("office", __name__, url_prefix="/office")

from surveyapp.office import flags, settings, views, voices  # noqa: E402, F401  - routes register themselves on ``bp``
