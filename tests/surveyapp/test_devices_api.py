"""Kiosk devices: enrolment shows a token once, a token submits only for its own counter, retirement is
immediate; the device API refuses every malformed submission with a JSON 4xx."""

from __future__ import annotations

import datetime as dt
import importlib
import sqlite3
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from surveyapp import create_app
from surveyapp.api import views as api_views
from surveyapp.audit.models import AuditEntry
from surveyapp.db import db, utcnow
from surveyapp.devices.models import Device
from surveyapp.responses.models import Response
from tests.openapi import check
from tests.staff import ACCOUNTS, create_accounts, csrf_token, sign_in

SUPERVISOR = ACCOUNTS["supervisor"]  # agency:ttpv-moc-chau
OWN, OTHER = "ttpv-moc-chau-dat-dai", "so-tu-phap-1"


def enrol(client, counter: str) -> str:
    response = client.post(
        "/agency/devices", data={"csrf_token": csrf_token(client), "counter": counter, "label": "Máy 1"}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_data(as_text=True).split('<code class="token" id="token">')[1].split("</code>")[0]


@pytest.fixture
def supervisor(loaded_app):
    create_accounts(loaded_app, "supervisor", "office")
    client = loaded_app.test_client()
    sign_in(client, SUPERVISOR.email, SUPERVISOR.password)
    return client


def body(**changes) -> dict:
    now = utcnow()
    data = {
        "id": str(uuid.uuid4()),
        "questionnaire": {"instrument": "sipas", "version": 1},
        "counter": OWN,
        "language": "vi",
        "started_at": (now - dt.timedelta(minutes=2)).isoformat(),
        "submitted_at": now.isoformat(),
        "answers": {"access_info": 5, "staff_polite": 4, "harassment": "no", "improve": ["online"]},
        "comment": "Tốt",
    }
    data.update(changes)
    return data


def post(client, token, payload, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return check(client.post("/api/v1/responses", json=payload, headers=headers, **kwargs), "/responses", "POST")


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Response))


def device_status(app) -> tuple:
    with app.app_context():
        return tuple(db.session.execute(select(Device.last_seen_at, Device.last_sync_at, Device.queue_length)).one())


def test_a_queue_length_is_written_at_once_and_the_times_every_half_minute(loaded_app, supervisor, monkeypatch):
    token = enrol(supervisor, OWN)
    client = loaded_app.test_client()
    assert post(client, token, body(queue_length=2)).status_code == 201
    seen, synced, queue = device_status(loaded_app)
    assert seen is not None and synced is not None and queue == 2
    assert post(client, token, body(queue_length=1)).status_code == 201
    assert device_status(loaded_app) == (seen, synced, 1)  # the queue shrank; the times are fresh enough
    later = utcnow() + dt.timedelta(seconds=31)
    monkeypatch.setattr(api_views, "utcnow", lambda: later)
    assert post(client, token, body(queue_length=1)).status_code == 201
    assert device_status(loaded_app) == (later, later, 1)
    assert post(client, token, body(queue_length=1)).status_code == 201
    assert device_status(loaded_app) == (later, later, 1)  # nothing changed: nothing written


def test_a_device_is_read_again_once_its_cache_time_is_over(loaded_app, supervisor):
    token = enrol(supervisor, OWN)
    client = loaded_app.test_client()
    assert post(client, token, body()).status_code == 201
    cache = loaded_app.extensions["surveyapp.devices"]
    assert len(cache) == 1
    with loaded_app.app_context():  # another process gives the device a label: this one still knows the old
        db.session.execute(sa.update(Device).values(label="Máy mới"))
        db.session.commit()
    [entry] = cache._entries.values()
    assert entry.device.label == "Máy 1"
    cache._clock = lambda: entry.expires + 1
    assert post(client, token, body()).status_code == 201
    [entry] = cache._entries.values()
    assert entry.device.label == "Máy mới"


def test_a_token_retired_by_another_process_stops_at_once(loaded_app, supervisor):
    """Another process retires the device (here: straight in the database, so this process's cache still holds
    it): the next submission is refused and stores nothing, and the cache forgets the device."""
    token = enrol(supervisor, OWN)
    client = loaded_app.test_client()
    payload = body()
    assert post(client, token, payload).status_code == 201
    with loaded_app.app_context():
        db.session.execute(sa.update(Device).values(retired_at=utcnow()))
        db.session.commit()
    assert len(loaded_app.extensions["surveyapp.devices"]) == 1
    refused = post(client, token, body())
    assert refused.status_code == 401 and refused.get_json()["error"] == "unauthorized"
    assert stored(loaded_app) == 1
    assert len(loaded_app.extensions["surveyapp.devices"]) == 0
    assert post(client, token, payload).status_code == 401  # not even a repeat is acknowledged


def test_a_questionnaire_version_is_remembered_only_once_a_response_uses_it(loaded_app, supervisor):
    token = enrol(supervisor, OWN)
    client = loaded_app.test_client()
    refused = post(client, token, body(answers={"access_info": 9}))
    assert refused.status_code == 422
    assert not loaded_app.extensions.get("surveyapp.used_versions")  # unused: a corrected file may replace it
    assert post(client, token, body()).status_code == 201
    assert set(loaded_app.extensions["surveyapp.used_versions"]) == {("sipas", 1)}
    again = post(client, token, body())
    assert again.status_code == 201 and stored(loaded_app) == 2


def test_token_is_shown_once_and_kept_only_as_a_hash(loaded_app, supervisor):
    token = enrol(supervisor, OWN)
    assert token.startswith("kd_") and len(token) > 40
    assert token not in supervisor.get("/agency/devices").get_data(as_text=True)
    with loaded_app.app_context():
        device = db.session.scalar(select(Device))
        assert device.token_hash != token and token not in device.token_hash
        assert device.counter.code == OWN and device.label == "Máy 1"


def test_a_supervisor_cannot_enrol_outside_the_scope(supervisor):
    response = supervisor.post("/agency/devices", data={"csrf_token": csrf_token(supervisor), "counter": OTHER})
    assert response.status_code == 404


def test_device_fetches_its_questionnaire(loaded_app, supervisor):
    token = enrol(supervisor, OWN)
    client = loaded_app.test_client()
    response = check(client.get("/api/v1/device", headers={"Authorization": f"Bearer {token}"}), "/device", "GET")
    assert response.status_code == 200
    data = response.get_json()
    assert data["counter"]["code"] == OWN
    assert data["questionnaire"]["instrument"] == "sipas" and data["questionnaire"]["version"] == 2
    assert data["questionnaire"]["document"]["questions"][0]["code"] == "access_info"
    with loaded_app.app_context():
        assert db.session.scalar(select(Device.last_seen_at)) is not None


def test_submission_is_stored_once_and_acknowledged_again(loaded_app, supervisor):
    token = enrol(supervisor, OWN)
    client = loaded_app.test_client()
    payload = body(queue_length=3)
    first = post(client, token, payload)
    assert first.status_code == 201 and first.get_json() == {"id": payload["id"], "status": "stored"}
    again = post(client, token, payload)
    assert again.status_code == 200 and again.get_json()["status"] == "duplicate"
    conflict = post(client, token, {**payload, "answers": {"access_info": 1}})
    assert conflict.status_code == 409 and conflict.get_json()["error"] == "conflict"
    assert stored(loaded_app) == 1
    with loaded_app.app_context():
        row = db.session.scalar(select(Response))
        assert (row.counter.code, row.channel, row.comment) == (OWN, "kiosk", "Tốt")
        assert db.session.scalar(select(Device.queue_length)) == 3


@pytest.fixture
def impatient_app(loaded_app, backend, monkeypatch):
    """The same database, through an app that gives up waiting for another writer's lock after a moment."""
    url = loaded_app.config["SQLALCHEMY_DATABASE_URI"]
    if backend == "sqlite":
        # the module, not the ``db`` object that ``surveyapp`` re-exports under the same name
        monkeypatch.setattr(importlib.import_module("surveyapp.db"), "SQLITE_BUSY_TIMEOUT_MS", 50)
    else:
        url += "%20-clock_timeout%3D200"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret"})
    yield app
    with app.app_context():
        db.engine.dispose()


@contextmanager
def device_locked(app, backend):
    """Another connection holds the write lock a submission needs (SQLite: the database; PostgreSQL: the
    device's row), as a long write of another worker does."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if backend == "sqlite":
        blocker = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            blocker.rollback()
            blocker.close()
        return
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT id FROM device FOR UPDATE"))
            yield
            conn.rollback()
    finally:
        engine.dispose()


def test_a_busy_database_answers_503_and_the_response_sent_again_is_stored_once(
    loaded_app, supervisor, impatient_app, backend
):
    token = enrol(supervisor, OWN)
    client = impatient_app.test_client()
    payload = body()
    with device_locked(impatient_app, backend):
        busy = post(client, token, payload)
    assert busy.status_code == 503 and int(busy.headers["Retry-After"]) >= 1
    assert busy.get_json()["error"] == "unavailable"
    assert stored(loaded_app) == 0
    assert post(client, token, payload).status_code == 201
    assert post(client, token, payload).status_code == 200
    assert stored(loaded_app) == 1


def test_a_token_for_counter_a_cannot_submit_for_counter_b(loaded_app, supervisor):
    token = enrol(supervisor, OWN)
    response = post(loaded_app.test_client(), token, body(counter="ttpv-moc-chau-tu-phap"))
    assert response.status_code == 403
    assert response.get_json() == {
        "error": "wrong_counter",
        "where": "counter",
        "message": f"This device is enrolled at counter {OWN} only.",
    }
    assert stored(loaded_app) == 0


def test_a_retired_token_stops_at_once(loaded_app, supervisor):
    token = enrol(supervisor, OWN)
    client = loaded_app.test_client()
    assert post(client, token, body()).status_code == 201
    with loaded_app.app_context():
        device_id = db.session.scalar(select(Device.id))
    retired = supervisor.post(f"/agency/devices/{device_id}/retire", data={"csrf_token": csrf_token(supervisor)})
    assert retired.status_code == 302
    refused = post(client, token, body())
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/device", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert stored(loaded_app) == 1


@pytest.mark.parametrize(
    ("payload", "status", "where"),
    [
        ("not json", 400, None),
        ([1, 2], 400, None),
        (body(id="not-a-uuid"), 400, "id"),
        ({k: v for k, v in body().items() if k != "answers"}, 400, None),
        (body(extra="field"), 400, None),
        (body(answers={"access_info": 7}), 422, "access_info"),
        (body(answers={"nonsense": 1}), 422, "answers"),
        (body(answers={"access_info": "five"}), 422, "access_info"),
        (body(questionnaire={"instrument": "sipas", "version": 9}), 422, "questionnaire"),
        (body(questionnaire={"instrument": "rating", "version": 1}, answers={"rating": 3}), 422, "questionnaire"),
        (body(language="fr"), 422, "language"),
        (body(started_at="yesterday"), 400, "started_at"),
        (body(submitted_at="2026-01-01T08:00:00"), 400, "submitted_at"),
        (body(asked=["access_info", "overall", "nonsense"]), 422, "asked"),
        (body(asked=["access_info", "overall", "harassment", "informal_payment"]), 422, "staff_polite"),
        (body(asked=[]), 422, "asked"),
        (body(asked=["access_info", "access_info"]), 400, "asked"),
        (body(field="astrology"), 422, "field"),
        (body(comment="x" * 5001), 400, "comment"),
    ],
    ids=[
        "not-json",
        "array",
        "bad-id",
        "no-answers",
        "unknown-key",
        "out-of-range",
        "unknown-question",
        "wrong-type",
        "unknown-version",
        "other-instrument",
        "language",
        "bad-time",
        "naive-time",
        "asked-unknown",
        "answer-not-asked",
        "asked-nothing",
        "asked-twice",
        "unknown-field",
        "long-comment",
    ],
)
def test_bad_submissions_get_a_json_4xx_and_store_nothing(loaded_app, supervisor, payload, status, where):
    token = enrol(supervisor, OWN)
    client = loaded_app.test_client()
    if isinstance(payload, str):
        response = check(
            client.post(
                "/api/v1/responses",
                data=payload,
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            ),
            "/responses",
            "POST",
        )
    else:
        response = post(client, token, payload)
    assert response.status_code == status, response.get_json()
    data = response.get_json()
    assert data["message"] and data["error"]
    if where:
        assert data.get("where") == where
    assert stored(loaded_app) == 0


def test_missing_or_forged_tokens_are_401(loaded_app):
    client = loaded_app.test_client()
    assert post(client, None, body()).status_code == 401
    assert post(client, "kd_forged-token-that-does-not-exist", body()).status_code == 401
    assert client.post("/api/v1/responses", json=body(), headers={"Authorization": "Basic abc"}).status_code == 401


def test_oversized_body_is_413_json(loaded_app, supervisor):
    token = enrol(supervisor, OWN)
    response = post(loaded_app.test_client(), token, body(comment="x" * 70_000))
    assert response.status_code == 413 and response.is_json


def test_device_rate_limit_is_per_device(loaded_app, supervisor):
    loaded_app.config["API_DEVICE_LIMIT"] = "3 per minute"
    first, second = enrol(supervisor, OWN), enrol(supervisor, "ttpv-moc-chau-tu-phap")
    client = loaded_app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/device", headers={"Authorization": f"Bearer {first}"}).status_code == 200
    limited = check(client.get("/api/v1/device", headers={"Authorization": f"Bearer {first}"}), "/device", "GET")
    assert limited.status_code == 429 and limited.get_json()["error"] == "too_many_requests"
    assert client.get("/api/v1/device", headers={"Authorization": f"Bearer {second}"}).status_code == 200


def test_enrolment_and_retirement_are_audited(loaded_app, supervisor):
    enrol(supervisor, OWN)
    with loaded_app.app_context():
        device_id = db.session.scalar(select(Device.id))
    supervisor.post(f"/agency/devices/{device_id}/retire", data={"csrf_token": csrf_token(supervisor)})
    with loaded_app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("device_%"))).all()
        assert [(e.action, e.actor, e.actor_scope, e.target) for e in entries] == [
            ("device_enrolled", SUPERVISOR.email, "agency:ttpv-moc-chau", f"device:{device_id}"),
            ("device_retired", SUPERVISOR.email, "agency:ttpv-moc-chau", f"device:{device_id}"),
        ]
