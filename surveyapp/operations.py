"""Running in production: a health endpoint, structured request logs, and backups of the database.

* ``GET /healthz`` answers 200 when the database answers, 503 otherwise (for load balancers and monitors).
* With ``SURVEYAPP_LOG_FORMAT=json`` every request is logged as one JSON line (time, request id, method,
  path, status, duration, worker); no client address is logged, so that no log ties a person to an answer.
* ``flask --app surveyapp backup --out FILE`` copies a SQLite database while it is in use (SQLite's online
  backup); PostgreSQL is backed up with ``pg_dump`` (see the README).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
import uuid
from pathlib import Path

import click
from flask import Flask, Response, g, jsonify, request
from flask.cli import with_appcontext
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from surveyapp.db import db

log = logging.getLogger("surveyapp.requests")


def health() -> tuple[Response, int]:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        return jsonify(status="unavailable", database=type(exc).__name__), 503
    return jsonify(status="ok", database="ok"), 200


class JsonFormatter(logging.Formatter):
    """One JSON object per line: easy to ship to any log store and to query."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _start() -> None:
    g.request_started = time.perf_counter()
    g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex


def _finish(response: Response) -> Response:
    started = g.get("request_started")
    if started is not None:
        log.info(
            "request",
            extra={
                "fields": {
                    "request_id": g.get("request_id"),
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "pid": os.getpid(),
                }
            },
        )
    response.headers.setdefault("X-Request-Id", g.get("request_id", ""))
    return response


def init_app(app: Flask) -> None:
    app.add_url_rule("/healthz", "health", health)
    if app.config.get("LOG_FORMAT") == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        for name in ("surveyapp", app.logger.name):
            logger = logging.getLogger(name)
            logger.handlers[:] = [handler]
            logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
            logger.propagate = False
        app.before_request(_start)
        app.after_request(_finish)
    app.cli.add_command(backup_command)


@click.command("backup")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(out_path: Path) -> None:
    """Copy the SQLite database to FILE while the app keeps running (PostgreSQL: use pg_dump)."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        raise click.ClickException(
            "this database is PostgreSQL: back it up with pg_dump -Fc (see the README's 'Backup and restore')"
        )
    if out_path.exists():
        raise click.ClickException(f"{out_path} exists already; choose a new file")
    partial = out_path.with_name(out_path.name + ".part")
    source = sqlite3.connect(engine.url.database)
    target = sqlite3.connect(partial)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()
    partial.replace(out_path)
    click.echo(f"Backed up {engine.url.database} to {out_path}.")
