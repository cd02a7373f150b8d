"""Configuration from the environment, the embedded default and the instance secret."""

from __future__ import annotations

from pathlib import Path

from surveyapp import create_app
from surveyapp.config import instance_secret_key, normalise_database_url


def test_postgres_urls_use_the_psycopg_driver():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_database_url_and_settings_come_from_the_environment(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv("SURVEYAPP_KIOSK_THANKS_SECONDS", "5")
    monkeypatch.setenv("SURVEYAPP_SECRET_KEY", "from-env")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert app.config["KIOSK_THANKS_SECONDS"] == 5
    assert app.config["SECRET_KEY"] == "from-env"


def test_embedded_default_is_a_sqlite_file_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SURVEYAPP_DATABASE_URL", raising=False)
    monkeypatch.setenv("SURVEYAPP_SECRET_KEY", "x")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{Path(app.instance_path) / 'surveyapp.sqlite3'}"


def test_instance_secret_is_created_once_and_kept_private(tmp_path: Path):
    key = instance_secret_key(str(tmp_path))
    assert len(key) == 64
    assert instance_secret_key(str(tmp_path)) == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
