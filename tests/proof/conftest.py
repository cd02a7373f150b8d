"""Load and crash proofs against real gunicorn, on SQLite and PostgreSQL.

``SURVEYAPP_PROOF_SCALE`` chooses the size: ``ci`` (default: 200 kiosks, a few responses each, two kills, in
well under three minutes on two cores) or ``full`` (a province's worth of kiosks all submitting at once, more
kills, workers as ``gunicorn.conf.py`` sets them). The figures of every run are printed at the end of the
session.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from benchmarks.harness import Kiosk, Server, prepare_database
from benchmarks.loadgen import LoadResult
from surveyapp.config import normalise_database_url
from tests.conftest import POSTGRES_URL


@dataclass(frozen=True)
class Scale:
    name: str
    #: Simulated kiosk tablets, each with its own device token, spread over the 64 counters.
    kiosks: int
    #: Responses each kiosk sends in the load proof and in the crash proof.
    responses: int
    crash_responses: int
    #: Times the crash proof kills the server (master and workers) with SIGKILL.
    kills: int
    #: Requests in flight at once.
    concurrency: int
    #: gunicorn workers (``None``: ``gunicorn.conf.py``'s two per core) and threads per worker.
    workers: int | None
    threads: int | None
    #: Seconds after which the load generator leaves unacknowledged responses (a failure of the proof).
    give_up: float
    #: Whether SQLite may answer 503 (busy, sent again by the kiosk). SQLite writes one transaction at a time and
    #: its waiters poll rather than queue: with a province's kiosks on one file, a write can wait past the busy
    #: timeout. That is past what SQLite is for (one office); the proof still requires every response stored once.
    sqlite_busy: bool = False


SCALES = {
    "ci": Scale(
        "ci", kiosks=200, responses=2, crash_responses=2, kills=2, concurrency=64, workers=2, threads=4, give_up=150
    ),
    "full": Scale(
        "full",
        kiosks=1000,
        responses=5,
        crash_responses=5,
        kills=4,
        concurrency=128,
        workers=None,
        threads=None,
        give_up=1800,
        sqlite_busy=True,
    ),
}


@pytest.fixture(scope="session")
def scale() -> Scale:
    name = os.environ.get("SURVEYAPP_PROOF_SCALE", "ci")
    if name not in SCALES:
        raise pytest.UsageError(f"SURVEYAPP_PROOF_SCALE must be one of {', '.join(SCALES)}, not {name!r}")
    return SCALES[name]


@pytest.fixture(scope="package")
def proof_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database for the proofs of one backend: a SQLite file, or a schema of its own in PostgreSQL's
    ``test`` database (dropped at the end)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('proof') / 'proof.sqlite3'}"
        return
    schema = f"proof_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="package")
def province(proof_url: str, scale: Scale) -> list[Kiosk]:
    """The Sơn La organisation, questionnaires and volumes, and ``scale.kiosks`` enrolled kiosks."""
    return prepare_database(proof_url, scale.kiosks)


@pytest.fixture(scope="package")
def _server(proof_url: str, province: list[Kiosk], scale: Scale, tmp_path_factory) -> Iterator[Server]:
    server = Server(
        proof_url,
        workers=scale.workers,
        threads=scale.threads,
        log_path=tmp_path_factory.mktemp("gunicorn") / "gunicorn.log",
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(_server: Server, proof_url: str) -> Server:
    """gunicorn with ``gunicorn.conf.py`` serving the proof database, running, with no response stored yet."""
    engine = sa.create_engine(normalise_database_url(proof_url))
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM response_flag"))
        conn.execute(sa.text("DELETE FROM response"))
    engine.dispose()
    if not _server.running:
        _server.start()
    return _server


@pytest.fixture
def server_errors(backend: str, scale: Scale) -> Callable[[LoadResult], dict[str, int]]:
    """The 5xx answers of a run that the proof does not accept (none; 503 from SQLite at full size)."""
    allowed = {"503"} if backend == "sqlite" and scale.sqlite_busy else set()

    def unexpected(result: LoadResult) -> dict[str, int]:
        return {key: n for key, n in result.outcomes.items() if key.startswith("5") and key not in allowed}

    return unexpected


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Note a line of figures for the end-of-session summary (kept with the test's report, so that it reaches
    the summary from a pytest-xdist worker too; see ``tests/conftest.py``)."""
    return lambda line: request.node.user_properties.append(("figures", f"{request.node.name}: {line}"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The proofs load the machine: under pytest-xdist (``--dist loadgroup``) they run one after the other."""
    for item in items:
        if item.get_closest_marker("proof") is not None:
            item.add_marker(pytest.mark.xdist_group("proof"))
