"""Production operations: health, structured logs, the secret key, backup and restore."""

from __future__ import annotations

import io
import json
import logging
import shutil
import sqlite3
import subprocess
import uuid
from contextlib import closing

import pytest
import sqlalchemy as sa

from surveyapp import create_app
from surveyapp.db import db
from tests.conftest import POSTGRES_URL


def test_health_answers_when_the_database_does(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}


def test_health_is_503_when_the_database_is_gone(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] == "unavailable"


def test_a_secret_key_is_required_outside_demo_mode(monkeypatch, tmp_path):
    monkeypatch.delenv("SURVEYAPP_SECRET_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(RuntimeError, match="SURVEYAPP_SECRET_KEY must be set outside demo mode"):
        create_app({"SQLALCHEMY_DATABASE_URI": url})
    assert create_app({"SQLALCHEMY_DATABASE_URI": url, "DEMO_MODE": True}).config["SECRET_KEY"]


@pytest.fixture
def restore_logging():
    yield
    for name in ("surveyapp", "surveyapp.app"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True


def test_json_request_logs_carry_no_client_address(database_url, restore_logging):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url, "LOG_FORMAT": "json"}
    )
    stream = io.StringIO()
    logging.getLogger("surveyapp").handlers[0].setStream(stream)
    response = app.test_client().get(
        "/healthz", headers={"X-Request-Id": "abc123"}, environ_base={"REMOTE_ADDR": "203.0.113.9"}
    )
    assert response.headers["X-Request-Id"] == "abc123"
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert (line["request_id"], line["path"], line["status"], line["message"]) == ("abc123", "/healthz", 200, "request")
    assert "203.0.113.9" not in stream.getvalue()
    with app.app_context():
        db.engine.dispose()


def _responses(url: str) -> set[str]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        ids = {str(row[0]) for row in conn.execute(sa.text("SELECT uuid FROM response"))}
    engine.dispose()
    return ids


def test_backup_and_restore_bring_back_every_response(app, backend, database_url, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["setup-demo", "--responses", "300"]).exit_code == 0
    before = _responses(database_url)
    assert len(before) >= 300  # and the demo's gaming tablet
    if backend == "sqlite":
        copy = tmp_path / "backup.sqlite3"
        result = runner.invoke(args=["backup", "--out", str(copy)])
        assert result.exit_code == 0, result.output
        with closing(sqlite3.connect(copy)) as check:
            assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        restored = tmp_path / "restored.sqlite3"
        shutil.copyfile(copy, restored)
        assert _responses(f"sqlite:///{restored}") == before
        again = runner.invoke(args=["backup", "--out", str(copy)])
        assert again.exit_code == 1 and "exists already" in again.output
        return
    refused = runner.invoke(args=["backup", "--out", str(tmp_path / "x")])
    assert refused.exit_code == 1 and "pg_dump" in refused.output
    schema = database_url.split("search_path%3D")[1]
    dump = tmp_path / "backup.dump"
    plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    subprocess.run(["pg_dump", "-Fc", "-n", schema, "-f", str(dump), plain], check=True)
    target = f"restore_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{target}"'))
    try:
        restored_url = plain.rsplit("/", 1)[0] + f"/{target}"
        subprocess.run(["pg_restore", "--no-owner", "-d", restored_url, str(dump)], check=True)
        url = f"postgresql+psycopg://{restored_url.split('://', 1)[1]}?options=-csearch_path%3D{schema}"
        assert _responses(url) == before
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{target}" WITH (FORCE)'))
        admin.dispose()


def test_security_headers_on_every_page(loaded_app):
    """HTML, JSON, static files, scripts of the offline app, and errors of every kind (4xx pages and JSON, a
    500) carry the same headers."""
    loaded_app.config["PROPAGATE_EXCEPTIONS"] = False
    loaded_app.add_url_rule("/test-broken", "test_broken", lambda: 1 / 0)
    client = loaded_app.test_client()

    def answered(response):
        response.close()  # static files are streamed from disk
        return response.status_code, response.headers

    responses = [
        answered(client.get(url))
        for url in (
            "/k/so-tu-phap-1",
            "/auth/sign-in",
            "/healthz",
            "/api/v1/openapi.json",
            "/k/nowhere",
            "/static/css/app.css",
            "/static/fonts/NotoSans-Regular.woff2",
            "/static/nothing.css",
            "/kiosk/sw.js",
            "/kiosk/manifest.webmanifest",
            "/api/v1/device",
            "/api/v1/nothing-here",
            "/auth/sign-out",
            "/k/so-tu-phap-1%00",
            "/test-broken",
        )
    ]
    responses += [
        answered(client.post("/auth/sign-in", data={"email": "x@y.vn"})),
        answered(client.post("/k/so-tu-phap-1/survey", data={"q-comment": "x" * 100_000})),
    ]
    assert {status for status, _ in responses} == {200, 400, 401, 404, 405, 413, 500}
    for _, headers in responses:
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp and headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin" and headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in headers
    assert "max-age" in client.get("/k/so-tu-phap-1", base_url="https://localhost").headers["Strict-Transport-Security"]
