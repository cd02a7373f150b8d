"""Staff accounts: sign-in, sign-out, password change; roles and what each may do."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from surveyapp.auth import views  # noqa: E402, F401  - routes register themselves on ``bp``
