"""Fixtures shared by every test: an app per test on each database backend, its client and CLI runner.

Tests that take the ``app`` fixture (or one built on it) run once on SQLite and once on PostgreSQL; choose with
``--backend sqlite`` or ``--backend postgresql``. The PostgreSQL runs use a schema of their own in the
``test`` database, so several test runs can share one server.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade

from surveyapp import (
    create_app,
    models,  # noqa: F401  - every table, for TRUNCATE
)
from surveyapp.db import db
from surveyapp.questionnaires.models import QuestionnaireVersion
from surveyapp.scores import cache

BACKENDS = ("sqlite", "postgresql")
POSTGRES_URL = os.environ.get("SURVEYAPP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        action="append",
        choices=BACKENDS,
        help="database backend for tests that need one (repeatable; default: both)",
    )


#: Lines of figures that tests noted (``user_properties`` named "figures", e.g. the load and crash proofs').
FIGURES: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Gather the figures of each test; here, in the root conftest, so that under pytest-xdist the controlling
    process (which loads only this conftest) receives them with the workers' reports."""
    if report.when == "call":
        FIGURES.extend(value for key, value in report.user_properties if key == "figures")


def pytest_terminal_summary(terminalreporter) -> None:
    if FIGURES:
        terminalreporter.section("load and crash figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        backends = metafunc.config.getoption("backend") or list(BACKENDS)
        if metafunc.definition.get_closest_marker("layout") and "sqlite" in backends:
            backends = ["sqlite"]
        metafunc.parametrize("backend", backends, scope="session")


def _app(url: str, **config) -> Flask:
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret", **config})


def _migrate(url: str) -> None:
    app = _app(url)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        db.engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite database; each test gets a copy."""
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_schema() -> Iterator[str]:
    """A migrated schema of this test run in the PostgreSQL ``test`` database; dropped at the end."""
    engine = sa.create_engine(POSTGRES_URL)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_URL} ({exc.orig}). Start it with "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, "
            "or run only SQLite with `--backend sqlite`.",
            pytrace=False,
        )
    schema = f"test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    _migrate(url)
    yield url
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty, migrated database for one test."""
    if backend == "sqlite":
        template = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("_postgres_schema")
    yield url
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = [t.name for t in db.metadata.sorted_tables]
        conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    cache.clear()  # score reports of an earlier test's database (PostgreSQL reuses ids after TRUNCATE)
    app = _app(database_url)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


LOAD_COMMANDS = ("load-org", "load-surveys", "load-volumes")


#: When the loaded questionnaire versions are taken to have been loaded. Tests give responses dated years
#: before the test session; in production no device shows a version before it is loaded, and a device time
#: before that is a wrong clock (surveyapp.integrity.rules.clock_problem).
VERSIONS_LOADED_AT = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def _load(app: Flask) -> None:
    runner = app.test_cli_runner()
    for command in LOAD_COMMANDS:
        result = runner.invoke(args=[command])
        assert result.exit_code == 0, result.output
    db.session.execute(sa.update(QuestionnaireVersion).values(loaded_at=VERSIONS_LOADED_AT))
    db.session.commit()


@pytest.fixture(scope="session")
def _sqlite_loaded_template(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated SQLite template with the shipped organisation, questionnaires and volumes loaded once."""
    path = tmp_path_factory.mktemp("sqlite-loaded") / "loaded.sqlite3"
    shutil.copyfile(_sqlite_template, path)
    app = _app(f"sqlite:///{path}")
    with app.app_context():
        _load(app)
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_loaded_schema(_postgres_schema: str) -> Iterator[str]:
    """A schema beside the test run's with the shipped data loaded once; each test copies its rows."""
    engine = sa.create_engine(POSTGRES_URL)
    schema = f"loaded_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    _migrate(url)
    app = _app(url)
    with app.app_context():
        _load(app)
        db.session.remove()
        db.engine.dispose()
    yield schema
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def loaded_app(app: Flask, backend: str, request: pytest.FixtureRequest) -> Flask:
    """An app whose database holds the Sơn La organisation, the shipped questionnaires and service volumes:
    copied from a database loaded once per test session (``load-org``, ``load-surveys``, ``load-volumes``)."""
    with app.app_context():
        db.engine.dispose()
        if backend == "sqlite":
            template = request.getfixturevalue("_sqlite_loaded_template")
            shutil.copyfile(template, db.engine.url.database)
            return app
        schema = request.getfixturevalue("_postgres_loaded_schema")
        with db.engine.begin() as conn:
            for table in db.metadata.sorted_tables:
                conn.execute(sa.text(f'INSERT INTO "{table.name}" SELECT * FROM "{schema}"."{table.name}"'))
                if "id" in table.c and table.c.id.autoincrement:
                    conn.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                            f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                        )
                    )
        db.engine.dispose()
    return app


@pytest.fixture
def loaded_client(loaded_app: Flask) -> FlaskClient:
    return loaded_app.test_client()
