"""Error pages: every client error gets a page (or JSON for API clients) with a sentence saying what is wrong.

A database that is busy or unreachable for a moment (SQLite still locked by another writer after its busy
timeout, a PostgreSQL deadlock or lost connection: SQLAlchemy's ``OperationalError``) is not a fault of the
request: it answers 503 with ``Retry-After``, which kiosks treat like a network error and send again, instead of
a 500.
"""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, jsonify, make_response, render_template, request
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from surveyapp.db import db

log = logging.getLogger("surveyapp.database")
#: Seconds a client is asked to wait before sending again when the database is busy.
RETRY_AFTER_SECONDS = 2


def _wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def handle_http_error(error: HTTPException):
    if _wants_json():
        return jsonify(error=error.name.lower().replace(" ", "_"), message=error.description, where=None), error.code
    return render_template("error.html", error=error), error.code


def handle_database_unavailable(error: OperationalError):
    """503 with ``Retry-After`` when the database cannot serve the request now. The transaction is rolled back;
    a submission sent again is stored once (responses are idempotent by id)."""
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()
    log.warning(
        "database unavailable: %s",
        str(error.orig or error).partition("\n")[0],
        extra={"fields": {"path": request.path, "error": type(error.orig).__name__}},
    )
    if _wants_json():
        response = jsonify(error="unavailable", message="The database is busy; send again shortly.", where=None)
        response.status_code = 503
    else:
        unavailable = ServiceUnavailable()
        response = make_response(render_template("error.html", error=unavailable), unavailable.code)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
