"""surveyapp: citizens' satisfaction with public administrative services, counter by counter (SIPAS method)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from surveyapp import cli, errors, kiosk
from surveyapp.config import PROJECT_ROOT, DefaultConfig, database_url_from_env, instance_secret_key
from surveyapp.extensions import babel, csrf, db, migrate
from surveyapp.i18n import format_percent, language_name, local_name, select_locale

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
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters.update(percent=format_percent, local_name=local_name, language_name=language_name)
    app.jinja_env.policies["ext.i18n.trimmed"] = True

    app.register_blueprint(kiosk.bp)
    errors.register(app)
    cli.register(app)
    return app
