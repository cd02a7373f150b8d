"""The kiosk: the questionnaire a citizen answers on a tablet at a service counter, at ``/k/<counter code>``."""

from flask import Blueprint

bp = Blueprint("kiosk", __name__, url_prefix="/k")

from surveyapp.kiosk import views  # noqa: E402, F401  - routes register themselves on ``bp``
