"""Error pages: every client error gets a page (or JSON for API clients) with a sentence saying what is wrong."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


def _wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def handle_http_error(error: HTTPException):
    if _wants_json():
        return jsonify(error=error.name.lower().replace(" ", "_"), message=error.description, where=None), error.code
    return render_template("error.html", error=error), error.code


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
