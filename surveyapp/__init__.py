"""surveyapp: citizens' satisfaction with public administrative services, counter by counter (SIPAS method)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, redirect, url_for

from surveyapp import (
    _threads,  # noqa: F401 - before anything loads numpy
    agency,
    api,
    auth,
    cli,
    errors,
    i18n,
    kiosk,
    office,
    operations,
    ratelimit,
    security,
)
from surveyapp import models as models  # every table registered with the metadata, for migrations
from surveyapp.auth.session import configure_login
from surveyapp.config import PROJECT_ROOT, DefaultConfig, database_url_from_env, instance_secret_key
from surveyapp.extensions import babel, csrf, db, limiter, login_manager, migrate
from surveyapp.i18n import select_locale
from surveyapp.reports import views as reports

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the application: configuration from the environment (or ``test_config``), extensions, blueprints."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_object(DefaultConfig)
    app.config.from_prefixed_env("SURVEYAPP")
    url = database_url_from_env()
    if url:
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'surveyapp.sqlite3'}"
    if not app.config.get("SECRET_KEY"):
        if not (app.config["DEMO_MODE"] or app.testing):
            raise RuntimeError(
                "SURVEYAPP_SECRET_KEY must be set outside demo mode: it signs sessions and CSRF tokens. "
                "Generate one with: python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    if not app.config.get("KIOSK_AUDIO_DIR"):
        app.config["KIOSK_AUDIO_DIR"] = str(Path(app.instance_path) / "audio")
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = not app.config["DEMO_MODE"]

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    app.config["RATELIMIT_STORAGE_URI"] = ratelimit.storage_uri(app.config["RATELIMIT_STORAGE_URI"])
    limiter.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    i18n.init_app(app)
    operations.init_app(app)
    security.init_app(app)
    app.jinja_env.policies["ext.i18n.trimmed"] = True

    for blueprint in (kiosk.bp, kiosk.offline_bp, auth.bp, agency.bp, office.bp, api.bp, reports.bp):
        app.register_blueprint(blueprint)
    app.add_url_rule("/", "index", lambda: redirect(url_for("agency.home")))
    configure_login(login_manager)
    errors.register(app)
    cli.register(app)
    return app
