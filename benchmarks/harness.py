"""Pieces for load and crash runs against the real server: a database with enrolled kiosks, gunicorn as a
subprocess that can be killed, valid response bodies, and a check of what the database holds afterwards.

Used by ``tests/proof`` and by the benchmarks; the names below are kept stable:

* :func:`prepare_database` migrates a database, loads the Sơn La organisation, questionnaires and service
  volumes, and enrols kiosk devices through the app's own enrolment service; it returns one :class:`Kiosk`
  per device (its token and everything needed to build a valid body).
* :func:`save_kiosks` / :func:`load_kiosks` keep kiosks in a JSON file (the load generator's ``--tokens-file``).
* :class:`Server` runs ``gunicorn -c gunicorn.conf.py 'surveyapp:create_app()'`` (or another app factory) on a
  free loopback port; :meth:`Server.kill9` kills the master and every worker at once.
* :func:`valid_body` builds a random but valid ``POST /api/v1/responses`` body for a kiosk.
* :func:`stored_responses`, :func:`compare` and :func:`integrity_problems` read the database afterwards.

The app is imported only inside the functions that open the database, so that the load generator, which imports
this module, starts in a moment and spends no memory on it.

Prepare a database and a tokens file from the command line::

    .venv/bin/python -m benchmarks.harness --database-url sqlite:////tmp/load.sqlite3 --devices 200 \\
        --out /tmp/kiosks.json
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
#: The device rate limit a load run uses, so that what is measured is the submission, not the limiter.
UNLIMITED = "100000 per minute"
#: Sơn La's offset: kiosks send their local time.
LOCAL = dt.timezone(dt.timedelta(hours=7))
COMMENTS = ("Cán bộ nhiệt tình, chu đáo.", "Thủ tục nhanh gọn.", "Cần thêm ghế ngồi chờ.", "Rất hài lòng.")


@dataclass(frozen=True)
class QuestionSpec:
    """A closed question as a body builder needs it."""

    code: str
    #: ``scale``, ``single`` or ``multi``.
    type: str
    #: Scale values (numbers) or option codes, in questionnaire order.
    choices: tuple[Any, ...]
    skippable: bool
    max_choices: int | None = None


@dataclass(frozen=True)
class Kiosk:
    """An enrolled device: its token, counter and questionnaire (what a tablet learns from ``GET /api/v1/device``)."""

    token: str
    device_id: int
    counter: str
    instrument: str
    version: int
    languages: tuple[str, ...]
    questions: tuple[QuestionSpec, ...]
    #: The free-text question, if the questionnaire has one (sent as ``comment``).
    comment_question: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Kiosk:
        questions = tuple(QuestionSpec(**{**q, "choices": tuple(q["choices"])}) for q in data["questions"])
        return cls(**{**data, "languages": tuple(data["languages"]), "questions": questions})


def _app(url: str):
    from surveyapp import create_app
    from surveyapp.config import normalise_database_url

    # Rate limits stay as configured: the limiter is one object shared by every app of the process.
    return create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url), "SECRET_KEY": "harness"})


def prepare_database(url: str, devices: int) -> list[Kiosk]:
    """Migrate the database at ``url``, load the shipped organisation, questionnaires and service volumes, and
    enrol ``devices`` kiosk devices spread round-robin over the counters in service.

    The database may be empty or already migrated; loading is idempotent, enrolment always adds devices.
    Read-aloud audio is not generated (the API never needs it). Returns the kiosks in enrolment order.
    """
    from flask_migrate import upgrade
    from sqlalchemy import select, update

    from surveyapp.db import db
    from surveyapp.devices.service import enrol
    from surveyapp.organisation.loader import load_organisation, load_volumes
    from surveyapp.organisation.models import Counter
    from surveyapp.questionnaires.loader import current_version, load_directory
    from surveyapp.questionnaires.models import QuestionnaireVersion

    if devices < 1:
        raise ValueError("at least one device is needed")
    app = _app(url)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        load_organisation(Path(app.config["ORGANISATION_FILE"]))
        load_directory(Path(app.config["SURVEYS_DIR"]))
        load_volumes(Path(app.config["VOLUMES_FILE"]))
        # The benchmarks date responses on the mornings before today; a device time before its questionnaire
        # version was loaded is a wrong clock (flag device_clock), so the versions are taken as loaded a year ago.
        year_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=365)
        db.session.execute(
            update(QuestionnaireVersion).where(QuestionnaireVersion.loaded_at > year_ago).values(loaded_at=year_ago)
        )
        db.session.commit()
        versions = {}
        counters = []
        for counter in db.session.scalars(select(Counter).order_by(Counter.code)):
            if not counter.in_service():
                continue
            if counter.instrument_code not in versions:
                versions[counter.instrument_code] = current_version(counter.instrument_code)
            if versions[counter.instrument_code] is not None:
                counters.append(counter)
        kiosks = []
        for i in range(devices):
            counter = counters[i % len(counters)]
            enrolment = enrol(counter, f"Máy tải {i + 1}", None)
            version = versions[counter.instrument_code]
            kiosks.append((enrolment, counter.code, version))
        db.session.commit()
        result = [_kiosk(e.token, e.device.id, code, version) for e, code, version in kiosks]
        db.session.remove()
        db.engine.dispose()
    return result


def _kiosk(token: str, device_id: int, counter: str, version) -> Kiosk:
    questionnaire = version.definition
    questions = []
    for question in questionnaire.questions:
        if question.type == "text":
            continue
        if question.type == "scale":
            choices = tuple(point.value for point in question.scale.points)
        else:
            choices = tuple(option.code for option in question.options)
        questions.append(QuestionSpec(question.code, question.type, choices, question.skippable, question.max_choices))
    text = questionnaire.comment_question
    return Kiosk(
        token=token,
        device_id=device_id,
        counter=counter,
        instrument=questionnaire.instrument,
        version=questionnaire.version,
        languages=tuple(questionnaire.languages),
        questions=tuple(questions),
        comment_question=text.code if text else None,
    )


def save_kiosks(path: Path | str, kiosks: Iterable[Kiosk]) -> None:
    """Write kiosks (tokens included: treat the file as a secret) as JSON."""
    Path(path).write_text(json.dumps([k.to_json() for k in kiosks], ensure_ascii=False), encoding="utf-8")


def load_kiosks(path: Path | str) -> list[Kiosk]:
    return [Kiosk.from_json(item) for item in json.loads(Path(path).read_text(encoding="utf-8"))]


def valid_body(kiosk: Kiosk, rng: random.Random, submitted_at: dt.datetime | None = None) -> dict[str, Any]:
    """A random response to the kiosk's questionnaire that the API accepts (201).

    Answers: every required question answered, a skippable one skipped now and then, multiple choice within
    ``max_choices``; a comment now and then. Times are local (+07:00) with milliseconds: submitted at
    ``submitted_at`` (default now), started a plausible while before (several seconds per answer, so the
    response is not flagged as too fast). Whether it is flagged otherwise (burst, opening hours) depends on
    the times given; a flagged response is stored all the same.
    """
    answers: dict[str, Any] = {}
    for question in kiosk.questions:
        if question.skippable and rng.random() < 0.05:
            continue
        if question.type == "multi":
            most = min(question.max_choices or len(question.choices), len(question.choices))
            least = 0 if question.skippable else 1
            chosen = set(rng.sample(question.choices, rng.randint(least, most)))
            answers[question.code] = [c for c in question.choices if c in chosen]
        else:
            answers[question.code] = rng.choice(question.choices)
    submitted = (submitted_at or dt.datetime.now(dt.UTC)).astimezone(LOCAL)
    started = submitted - dt.timedelta(seconds=20 + len(answers) * rng.uniform(3, 8))
    body: dict[str, Any] = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "questionnaire": {"instrument": kiosk.instrument, "version": kiosk.version},
        "counter": kiosk.counter,
        "language": kiosk.languages[0] if rng.random() < 0.9 else rng.choice(kiosk.languages),
        "started_at": started.isoformat(timespec="milliseconds"),
        "submitted_at": submitted.isoformat(timespec="milliseconds"),
        "answers": answers,
    }
    if kiosk.comment_question and rng.random() < 0.3:
        body["comment"] = rng.choice(COMMENTS)
    return body


def free_port() -> int:
    """A TCP port free on the loopback interface now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """gunicorn serving the app with the repository's ``gunicorn.conf.py``, as in production.

    Parameters
    ----------
    database_url
        Given to the app as ``DATABASE_URL``.
    workers, threads
        ``SURVEYAPP_WORKERS`` / ``SURVEYAPP_THREADS``; ``None`` keeps ``gunicorn.conf.py``'s default.
    env
        Extra environment (``SURVEYAPP_RATELIMIT_STORAGE_URI``, flag thresholds, ...). By default the device
        rate limit is :data:`UNLIMITED`, the secret key random, and requests are logged as JSON lines (with
        their duration in ms) to the log file.
    app
        The WSGI app (factory call) gunicorn serves, importable from the repository root.
    log_path
        Where gunicorn's and the app's output go (a temporary file by default); kept across restarts.
    port
        Chosen free at construction and kept across restarts, so clients keep one ``base_url``.

    ``start()`` returns once ``/healthz`` answers 200; ``kill9()`` sends SIGKILL to the whole process group
    (master and workers); ``stop()`` shuts down gracefully. ``with Server(...) as server:`` starts and stops.
    """

    database_url: str
    workers: int | None = None
    threads: int | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    app: str = "surveyapp:create_app()"
    log_path: Path | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.log_path is None:
            handle, name = tempfile.mkstemp(prefix="surveyapp-gunicorn-", suffix=".log")
            os.close(handle)
            self.log_path = Path(name)
        self.log_path = Path(self.log_path)
        self.secret_key = secrets.token_hex(32)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def environment(self) -> dict[str, str]:
        environment = {k: v for k, v in os.environ.items() if k not in ("SURVEYAPP_DATABASE_URL", "GUNICORN_CMD_ARGS")}
        environment.update(
            DATABASE_URL=self.database_url,
            SURVEYAPP_BIND=f"127.0.0.1:{self.port}",
            SURVEYAPP_SECRET_KEY=self.secret_key,
            SURVEYAPP_API_DEVICE_LIMIT=UNLIMITED,
            SURVEYAPP_LOG_FORMAT="json",
        )
        if self.workers is not None:
            environment["SURVEYAPP_WORKERS"] = str(self.workers)
        if self.threads is not None:
            environment["SURVEYAPP_THREADS"] = str(self.threads)
        environment.update(self.env)
        return environment

    def start(self, timeout: float = 60.0) -> Server:
        """Start gunicorn and wait until ``/healthz`` answers 200; raise ``RuntimeError`` with the log's end
        when it does not within ``timeout`` seconds."""
        if self.running:
            raise RuntimeError("the server is already running")
        command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), self.app]
        with self.log_path.open("ab") as log:
            log.write(f"--- start {dt.datetime.now(dt.UTC).isoformat()} ---\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.kill9()
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout} s:\n{self.log_tail()}")

    def kill9(self) -> None:
        """SIGKILL the master and every worker at once (its process group), as a power cut of the server does
        to the processes; returns when the master is gone and no process of the group is left alive."""
        if self.process is None:
            return
        group = self.process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        self.process.wait()
        self._wait_group_gone(group)
        self._mark("kill -9")

    def stop(self, timeout: float = 30.0) -> None:
        """Stop gracefully (SIGTERM: workers finish their requests); SIGKILL after ``timeout`` seconds."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
                return
        self._wait_group_gone(self.process.pid)
        self._mark("stopped")

    def _wait_group_gone(self, group: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _group_alive(group):
            time.sleep(0.02)

    def _mark(self, event: str) -> None:
        with self.log_path.open("ab") as log:
            log.write(f"--- {event} {dt.datetime.now(dt.UTC).isoformat()} ---\n".encode())

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _group_alive(group: int) -> bool:
    """Whether any process of the group is still running (zombies waiting to be reaped do not count)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


@dataclass(frozen=True)
class StoredResponse:
    """What the database holds of one response, in the terms of a body (for :func:`compare`)."""

    uuid: str
    counter: str
    device_id: int | None
    instrument: str
    version: int
    language: str
    started_at: dt.datetime
    submitted_at: dt.datetime
    answers: dict[str, Any]
    comment: str | None


def stored_responses(url: str) -> list[StoredResponse]:
    """Every stored response (duplicates of an id included, should there be any), decoded."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from surveyapp.db import db
    from surveyapp.questionnaires.codec import decode
    from surveyapp.questionnaires.models import QuestionnaireVersion
    from surveyapp.responses.models import Response

    app = _app(url)
    with app.app_context():
        rows = db.session.scalars(
            select(Response).options(
                joinedload(Response.counter),
                joinedload(Response.questionnaire_version).joinedload(QuestionnaireVersion.instrument),
            )
        )
        result = [
            StoredResponse(
                uuid=str(row.uuid),
                counter=row.counter.code,
                device_id=row.device_id,
                instrument=row.questionnaire_version.instrument.code,
                version=row.questionnaire_version.version,
                language=row.language,
                started_at=row.started_at,
                submitted_at=row.submitted_at,
                answers=decode(row.questionnaire_version.definition, row.answers),
                comment=row.comment,
            )
            for row in rows.unique()
        ]
        db.session.remove()
        db.engine.dispose()
    return result


@dataclass(frozen=True)
class Comparison:
    """The database against what the clients were told: the proof holds when :attr:`holds`."""

    rows: int
    distinct: int
    acknowledged: int
    #: Acknowledged (200/201) but not stored.
    lost: frozenset[str]
    #: Stored but never acknowledged.
    unacknowledged: frozenset[str]
    #: Ids stored more than once.
    doubled: frozenset[str]
    #: Stored with content other than the body sent under that id (or an id no client sent).
    altered: frozenset[str]

    @property
    def holds(self) -> bool:
        return not (self.lost or self.unacknowledged or self.doubled or self.altered) and self.rows == self.distinct

    def __str__(self) -> str:
        return (
            f"{self.acknowledged} acknowledged, {self.rows} rows, {self.distinct} distinct ids; lost {len(self.lost)}, "
            f"unacknowledged {len(self.unacknowledged)}, doubled {len(self.doubled)}, altered {len(self.altered)}"
        )


def expected(kiosk: Kiosk, body: Mapping[str, Any]) -> dict[str, Any]:
    """The decoded answers a body should be stored as (skipped questions ``None``, no choice ``[]``)."""
    answers = body["answers"]
    return {
        q.code: list(answers.get(q.code) or []) if q.type == "multi" else answers.get(q.code) for q in kiosk.questions
    }


def compare(
    stored: Iterable[StoredResponse], acknowledged: Iterable[str], sent: Mapping[str, tuple[Kiosk, Mapping[str, Any]]]
) -> Comparison:
    """Check stored rows against the acknowledged ids and the bodies sent (``{id: (kiosk, body)}``)."""
    stored = list(stored)
    acknowledged = set(acknowledged)
    ids = [row.uuid for row in stored]
    seen: set[str] = set()
    doubled = {i for i in ids if i in seen or seen.add(i)}
    altered = set()
    for row in stored:
        if row.uuid not in sent:
            altered.add(row.uuid)
            continue
        kiosk, body = sent[row.uuid]
        same = (
            row.counter == kiosk.counter
            and row.device_id == kiosk.device_id
            and (row.instrument, row.version) == (kiosk.instrument, kiosk.version)
            and row.language == body["language"]
            and row.submitted_at == _seconds(body["submitted_at"])
            and row.started_at == _seconds(body["started_at"])
            and row.answers == expected(kiosk, body)
            and row.comment == body.get("comment")
        )
        if not same:
            altered.add(row.uuid)
    return Comparison(
        rows=len(ids),
        distinct=len(seen),
        acknowledged=len(acknowledged),
        lost=frozenset(acknowledged - seen),
        unacknowledged=frozenset(seen - acknowledged),
        doubled=frozenset(doubled),
        altered=frozenset(altered),
    )


def _seconds(value: str) -> dt.datetime:
    """A body's time as the database returns it: UTC (sub-second precision kept as stored)."""
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC)


def integrity_problems(url: str) -> list[str]:
    """What the database engine itself finds wrong after a run (empty when all is well).

    SQLite: ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``. PostgreSQL: amcheck's B-tree checks
    (parent/child, heap entries present) of every index of the schema's tables and its heap check of the
    ``response`` table, inside a transaction that is rolled back so nothing is left installed; the
    extension's absence is reported as a problem.
    """
    import sqlalchemy as sa

    from surveyapp.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(url))
    problems: list[str] = []
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                check = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]
                if check != ["ok"]:
                    problems.extend(check)
                orphans = conn.exec_driver_sql("PRAGMA foreign_key_check")
                problems.extend(f"foreign key: {tuple(row)}" for row in orphans)
                return problems
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
            installed = conn.exec_driver_sql(
                "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                "WHERE e.extname = 'amcheck'"
            ).scalar()
            if installed is None:
                conn.exec_driver_sql(f'CREATE EXTENSION amcheck SCHEMA "{schema}"')
                installed = schema
            indexes = (
                conn.execute(
                    sa.text(
                        "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                        "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = :schema AND a.amname = 'btree'"
                    ),
                    {"schema": schema},
                )
                .scalars()
                .all()
            )
            for index in indexes:
                try:
                    with conn.begin_nested():
                        conn.exec_driver_sql(f'SELECT "{installed}".bt_index_check(%s::regclass, true)', (index,))
                except sa.exc.DBAPIError as exc:
                    problems.append(f"{index}: {exc.orig}")
            heap = conn.exec_driver_sql(
                f"SELECT blkno, offnum, msg FROM \"{installed}\".verify_heapam('response'::regclass)"
            ).all()
            problems.extend(f"response heap block {b} item {o}: {m}" for b, o, m in heap)
            if not indexes:
                problems.append("no index found to check")
            conn.rollback()
    finally:
        engine.dispose()
    return problems


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Prepare a database with enrolled kiosks for a load run.")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--out", type=Path, required=True, help="JSON file of the kiosks and their tokens")
    args = parser.parse_args(argv)
    kiosks = prepare_database(args.database_url, args.devices)
    save_kiosks(args.out, kiosks)
    print(f"{len(kiosks)} kiosks at {len({k.counter for k in kiosks})} counters written to {args.out}")


if __name__ == "__main__":
    main()
