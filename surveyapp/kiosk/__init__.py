"""The kiosk: the questionnaire a citizen answers on a tablet at a service counter.

``/k/<counter code>`` is the browser kiosk (server-rendered, works without JavaScript); ``/kiosk/`` is the
offline app for enrolled tablets (:mod:`surveyapp.kiosk.offline`).
"""

from flask import Blueprint

bp = Blueprint("kiosk", __name__, url_prefix="/k")

from surveyapp.kiosk import views  # noqa: E402, F401  - routes register themselves on ``bp``
from surveyapp.kiosk.offline import bp as offline_bp  # noqa: E402, F401  - registered by the app factory
