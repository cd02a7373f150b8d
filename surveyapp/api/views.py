"""JSON API v1: kiosk devices fetch their questionnaire and submit responses; signed-in staff read scores.

Devices authenticate with ``Authorization: Bearer <token>``; the token binds them to one counter. Every error
is JSON ``{"error": ..., "message": ..., "where": ...}`` with a 4xx status, never a 500 or a partial row; a
database busy for a moment answers 503 with ``Retry-After`` (:mod:`surveyapp.errors`), and the kiosk sends again.
The contract is ``openapi.json`` beside this module, served at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from functools import cache
from pathlib import Path

import jsonschema_rs
from flask import current_app, g, jsonify, request
from jsonschema import FormatChecker
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from surveyapp.api import bp
from surveyapp.datafiles import format_path, validator
from surveyapp.db import db, utcnow
from surveyapp.devices.cache import device_cache
from surveyapp.devices.models import Device
from surveyapp.devices.service import authenticate, hash_token, note_seen, remember_seen, seen_changes
from surveyapp.extensions import csrf, limiter
from surveyapp.integrity.rules import FlagRules
from surveyapp.organisation.models import Agency, Area, Counter, Field
from surveyapp.questionnaires.loader import current_version, version_ref
from surveyapp.questionnaires.models import VersionRef
from surveyapp.responses.service import ConflictError, Draft, RetiredDeviceError, SubmissionError, record

csrf.exempt(bp)


@cache
def _body_validator():
    """The response body's JSON Schema, with format checks (``uuid``, ``date-time``)."""
    return validator("response").evolve(format_checker=FormatChecker())


@cache
def _fast_body_validator() -> jsonschema_rs.Validator:
    """The same schema compiled by jsonschema-rs: a valid body is checked in microseconds rather than the
    milliseconds a pure-Python validator takes, which is most of a submission's own work."""
    return jsonschema_rs.validator_for(validator("response").schema, validate_formats=True)


def _body_problem(body: dict) -> tuple[str, str | None] | None:
    """What is wrong with a body, as a message and where, or ``None`` when it fits the schema.

    Every body passes the fast validator; only a refused one is examined again, by :mod:`jsonschema`, for the
    message people have learnt to read (the first problem in document order).
    """
    if _fast_body_validator().is_valid(body):
        return None
    errors = sorted(_body_validator().iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        return errors[0].message, format_path(errors[0].absolute_path) or None
    error = next(iter(_fast_body_validator().iter_errors(body)))
    return error.message, format_path(error.instance_path) or None


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, where: str | None = None):
        self.status, self.error, self.message, self.where = status, error, message, where


OPENAPI = Path(__file__).resolve().parent / "openapi.json"
UNIT_MODELS = {"area": Area, "agency": Agency, "counter": Counter}


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    response = jsonify(error=exc.error, message=exc.message, where=exc.where)
    response.status_code = exc.status
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="surveyapp"'
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    """Errors raised outside the views' own checks (body too large, rate limit, method) as the same JSON."""
    response = exc.get_response()
    body = jsonify(error=exc.name.lower().replace(" ", "_"), message=exc.description, where=None)
    body.status_code = exc.code or 400
    for header in ("Retry-After", "Allow", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        if header in response.headers:
            body.headers[header] = response.headers[header]
    return body


@bp.get("/openapi.json")
def openapi():
    """The contract of this API (OpenAPI 3.1)."""
    return current_app.response_class(OPENAPI.read_bytes(), mimetype="application/json")


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _device_key() -> str:
    token = _bearer()
    return "device:" + hash_token(token) if token else "address:" + (request.remote_addr or "unknown")


def _device_limit() -> str:
    return current_app.config["API_DEVICE_LIMIT"]


def current_device(cached: bool = False) -> Device:
    """The device of the request's token (401 without an active one); detached, see
    :func:`surveyapp.devices.service.authenticate`."""
    if "device" not in g:
        device = authenticate(_bearer(), cached=cached)
        if device is None:
            raise _unauthorized()
        g.device = device
    return g.device


def _unauthorized() -> ApiError:
    return ApiError(401, "unauthorized", "A valid device token is required (Authorization: Bearer ...).")


@bp.get("/device")
@limiter.limit(_device_limit, key_func=_device_key)
def device_info():
    """The device, its counter and the questionnaire its kiosk shows (for caching offline)."""
    device = current_device()
    counter = device.counter
    version = current_version(counter.instrument_code)
    if version is None:
        raise ApiError(503, "not_ready", "The counter's questionnaire has not been loaded yet.")
    seen = seen_changes(device, utcnow())
    note_seen(device, seen)
    db.session.commit()
    remember_seen(device, seen)
    return jsonify(
        device={"id": device.id, "label": device.label, "partial_policy": device.partial_policy},
        counter={
            "code": counter.code,
            "name": counter.name,
            "name_en": counter.name_en,
            "agency": counter.agency.code,
            "field": counter.field.code if counter.field else None,
            "opening_hours": counter.opening_hours,
        },
        questionnaire={
            "instrument": counter.instrument_code,
            "version": version.version,
            "digest": version.digest,
            "document": version.document,
        },
    )


@bp.post("/responses")
@limiter.limit(_device_limit, key_func=_device_key)
def submit_response():
    """Store one response exactly once: 201 when stored, 200 when the same response was already stored."""
    device = current_device(cached=True)  # its write checks that it is still active
    body = _json_body()
    problem = _body_problem(body)
    if problem:
        raise ApiError(400, "invalid", *problem)
    counter = device.counter
    if body.get("counter", counter.code) != counter.code:
        raise ApiError(403, "wrong_counter", f"This device is enrolled at counter {counter.code} only.", "counter")
    version = _version(body["questionnaire"])
    field = None
    if body.get("field"):
        field = db.session.scalar(select(Field).where(Field.code == body["field"]))
        if field is None:
            raise ApiError(422, "invalid", f"Unknown field of procedure '{body['field']}'.", "field")
    draft = Draft(
        uuid=uuid.UUID(body["id"]),
        counter=counter,
        version=version,
        answers=body["answers"],
        comment=body.get("comment"),
        language=body["language"],
        field=field,
        started_at=_time(body["started_at"], "started_at"),
        submitted_at=_time(body["submitted_at"], "submitted_at"),
        case_code=body.get("case_code"),
        device=device,
        partial=body.get("partial", False),
        honeypot=bool(body.get("honeypot")),
        asked=frozenset(body["asked"]) if "asked" in body else None,
        device_time=True,
        sent_at=_time(body["sent_at"], "sent_at") if "sent_at" in body else None,
    )
    seen = seen_changes(device, utcnow(), body.get("queue_length"), synced=True)
    note_seen(device, seen)  # committed with the response, in one transaction
    try:
        recorded = record(draft, current_app.config["COMMENT_MAX_LENGTH"], FlagRules.from_config(current_app.config))
    except RetiredDeviceError:
        device_cache().forget(device.token_hash)
        raise _unauthorized() from None
    except ConflictError as exc:
        raise ApiError(409, "conflict", exc.message, exc.where) from exc
    except SubmissionError as exc:
        raise ApiError(422, "invalid", exc.message, exc.where) from exc
    if recorded.duplicate:  # the device is seen again even though nothing new was stored
        note_seen(device, seen)
        db.session.commit()
    remember_seen(device, seen)
    _used_versions()[version.instrument_code, version.version] = version
    status = 200 if recorded.duplicate else 201
    return jsonify(id=str(recorded.response.uuid), status="duplicate" if recorded.duplicate else "stored"), status


def _json_body() -> dict:
    """The request's JSON object. JSON is UTF-8 (RFC 8259): other encodings, and nesting deeper than the
    parser's recursion limit, are malformed bodies, not errors of the server."""
    if not request.is_json:
        raise ApiError(400, "malformed", "The body must be a JSON object (Content-Type: application/json).")
    try:
        body = json.loads(request.get_data().decode("utf-8"))
    except UnicodeDecodeError:
        raise ApiError(400, "malformed", "The body is not valid UTF-8.") from None
    except RecursionError:
        raise ApiError(400, "malformed", "The body is nested too deeply.") from None
    except ValueError as exc:
        raise ApiError(400, "malformed", f"The body is not JSON: {exc}.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "malformed", "The body must be a JSON object.")
    return body


def _used_versions() -> dict[tuple[str, int], VersionRef]:
    """Questionnaire versions that responses of this process were stored with, by instrument and version.

    A version some response refers to never changes again (the loader refuses it), so it is kept for the life of
    the app and later submissions skip the query. A version is kept only once a response with it is committed:
    an unused one may still be replaced by loading a corrected file.
    """
    return current_app.extensions.setdefault("surveyapp.used_versions", {})


def _version(reference: dict) -> VersionRef:
    version = _used_versions().get((reference["instrument"], reference["version"]))
    if version is None:
        version = version_ref(reference["instrument"], reference["version"])
    if version is None:
        raise ApiError(
            422,
            "invalid",
            f"Questionnaire {reference['instrument']} v{reference['version']} does not exist.",
            "questionnaire",
        )
    return version


def _time(value: str, where: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ApiError(400, "invalid", f"'{value}' is not an ISO 8601 time.", where) from exc
    if parsed.tzinfo is None:
        raise ApiError(400, "invalid", "The time must include its offset (e.g. +07:00 or Z).", where)
    return parsed
