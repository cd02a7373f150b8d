"""Submission throughput: ``POST /api/v1/responses`` against a bare baseline, in the same gunicorn, same run.

For each backend (PostgreSQL, and the embedded SQLite), one gunicorn (the repository's ``gunicorn.conf.py``,
rate limits in Redis as in production) serves both the real endpoint and ``POST /bench/bare`` (see
:mod:`benchmarks.bare_app`: parse the JSON, insert one row, commit). The load generator (aiohttp + asyncio, in
this process, on the same two cores) drives 200 kiosks at ``--concurrency`` requests in flight. Rounds
alternate bare and real so that both see the same machine; the best round of each is compared.

Where the time goes: the CPU seconds of the gunicorn workers, of the database server's processes and of the
load generator during each round, per acknowledged response; ``--profile`` adds a cProfile of the real
endpoint in this process (the app called directly, no HTTP), split into the steps of a submission.

    .venv/bin/python -m benchmarks.bench_submit                      # both backends, 64 clients, 3 × 15 s rounds
    .venv/bin/python -m benchmarks.bench_submit --backend postgresql --seconds 30 --rounds 5 --profile
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import datetime as dt
import os
import pstats
import random
import statistics
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from benchmarks import bare_app, harness, loadgen

POSTGRES_URL = os.environ.get("SURVEYAPP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SURVEYAPP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Round:
    endpoint: str
    result: loadgen.LoadResult
    #: CPU seconds during the round: gunicorn (master and workers), the database server, this process.
    cpu: dict[str, float]

    @property
    def throughput(self) -> float:
        return self.result.throughput

    def line(self) -> str:
        r = self.result
        per = ", ".join(
            f"{name} {1000 * seconds / max(1, len(r.acknowledged)):.2f}" for name, seconds in self.cpu.items()
        )
        return (
            f"  {self.endpoint:5s} {r.throughput:7.0f}/s  p50 {1000 * r.percentile(50):6.1f} ms  "
            f"p99 {1000 * r.percentile(99):6.1f} ms  5xx {r.server_errors}  CPU ms per response: {per}"
        )


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _cpu_now(group: int) -> dict[str, float]:
    """CPU seconds used so far by gunicorn (the process group ``group``), the database server and this process.

    A component's figure is its live processes' own time plus the time of its children that have ended (a
    gunicorn worker recycled, a database backend whose connection closed), which their parent's ``cutime``
    and ``cstime`` hold. The database figure counts every ``postgres`` process: on a machine running other
    work, theirs too.
    """
    ticks = {"server": 0, "database": 0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        fields = _stat(pid)
        if fields is None:
            continue
        try:
            name = (entry / "comm").read_text().strip()
            in_group = os.getpgid(pid) == group
        except (OSError, ProcessLookupError):
            continue
        component = "server" if in_group else "database" if name == "postgres" else None
        if component:
            # fields[0] is the state; utime, stime, cutime, cstime are fields 14-17 of /proc/<pid>/stat.
            ticks[component] += sum(int(value) for value in fields[11:15])
    times = os.times()
    return {
        "server": ticks["server"] / CLOCK_TICKS,
        "database": ticks["database"] / CLOCK_TICKS,
        "load generator": times.user + times.system,
    }


class MorningClock:
    """Bodies given on weekday mornings, each kiosk's 150 s apart from 07:15 local time, 100 a morning, going back
    a weekday when a morning is full: inside every counter's opening hours and never a burst, so that what is
    measured is the common case, a genuine response (a flagged one also stores its flags). Each benchmark round
    starts on a day of its own, so rounds do not look like bursts together."""

    PER_MORNING = 100

    def __init__(self, day: dt.date):
        self.day = day
        self.given: collections.Counter[str] = collections.Counter()

    def __call__(self, kiosk: harness.Kiosk, rng: random.Random, clock: dt.datetime | None) -> dict:
        number = self.given[kiosk.token]
        self.given[kiosk.token] += 1
        day = self.day
        for _ in range(number // self.PER_MORNING):
            day = next(weekdays_before(day))
        start = dt.datetime.combine(day, dt.time(7, 15), tzinfo=harness.LOCAL)
        return harness.valid_body(kiosk, rng, start + (number % self.PER_MORNING) * loadgen.SPACING)


def weekdays_before(day: dt.date):
    """Monday to Friday, going back from the day before ``day``."""
    while True:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            yield day


def measure(
    server: harness.Server,
    kiosks,
    endpoint: str,
    concurrency: int,
    seconds: float,
    seed: int,
    day: dt.date,
    rate: float | None = None,
) -> Round:
    path = "/bench/bare" if endpoint == "bare" else "/api/v1/responses"
    group = server.process.pid  # gunicorn runs in a session (and process group) of its own
    before = _cpu_now(group)
    result = loadgen.run(
        server.base_url,
        kiosks,
        concurrency=concurrency,
        duration=seconds,
        seed=seed,
        path=path,
        body=MorningClock(day),
        rate=rate,
    )
    after = _cpu_now(group)
    return Round(endpoint, result, {name: after[name] - before[name] for name in before})


def scratch_database(backend: str, scratch: Path) -> tuple[str, Callable[[], None]]:
    """An empty database for a run: a SQLite file in ``scratch``, or a schema of its own in PostgreSQL's ``test``
    database. Returns its URL and the function that drops it."""
    if backend == "sqlite":
        return f"sqlite:///{scratch / 'bench.sqlite3'}", lambda: None
    schema = f"bench_submit_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()

    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", drop


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, list[Round]]:
    with tempfile.TemporaryDirectory(prefix="bench-submit-") as scratch:
        url, drop = scratch_database(backend, Path(scratch))
        try:
            kiosks = harness.prepare_database(url, args.kiosks)
            bare_app.create_table(url)
            env = {"SURVEYAPP_RATELIMIT_STORAGE_URI": REDIS_URL}
            server = harness.Server(
                url, workers=args.workers, threads=args.threads, env=env, app="benchmarks.bare_app:create_app()"
            )
            days = weekdays_before(dt.date.today())
            with server:
                for endpoint in ("bare", "real"):  # warm up: connections, compiled statements, page cache
                    measure(server, kiosks, endpoint, args.concurrency, 3, seed=99, day=next(days))
                rounds: dict[str, list[Round]] = {"bare": [], "real": []}
                for number in range(args.rounds):
                    for endpoint in ("bare", "real"):
                        day = next(days)
                        rounds[endpoint].append(
                            measure(server, kiosks, endpoint, args.concurrency, args.seconds, seed=number, day=day)
                        )
                        print(rounds[endpoint][-1].line(), flush=True)
                best = max(r.throughput for r in rounds["real"])
                for number, share in enumerate(args.paced):  # the latency of a server that keeps up
                    seed = 1000 + number  # bodies of their own (a seed gives the same ids)
                    paced = measure(
                        server, kiosks, "real", args.concurrency, args.seconds, seed, next(days), rate=share * best
                    )
                    rounds.setdefault("paced", []).append(paced)
                    print(f"{paced.line()}  (offered {share:.0%} of the best real round)", flush=True)
            stored = harness.stored_responses(url)
            acknowledged = set().union(*(r.result.acknowledged for r in rounds["real"] + rounds.get("paced", [])))
            doubled = len(stored) - len({s.uuid for s in stored})
            missing = len(acknowledged - {str(s.uuid) for s in stored})
            engine = sa.create_engine(url)
            with engine.connect() as connection:
                by_status = sa.text("SELECT status, count(*) FROM response GROUP BY status")
                statuses = dict(connection.execute(by_status).all())
            engine.dispose()
            print(
                f"  stored {len(stored)} responses ({statuses.get('flagged', 0)} flagged), {missing} acknowledged but "
                f"missing, {doubled} doubled"
            )
            if args.profile:
                profile(url, kiosks, args.profile_requests, next(days))
            return rounds
        finally:
            drop()


#: The steps of a submission, by the function that does each (cumulative time, so a step includes its queries).
STEPS = {
    "rate limit (Redis)": ("flask_limiter/_extension.py", "_check_request_limit"),
    "device token": ("surveyapp/devices/service.py", "authenticate"),
    "body schema": ("surveyapp/api/views.py", "_body_problem"),
    "questionnaire": ("surveyapp/api/views.py", "_version"),
    "answers and checks": ("surveyapp/responses/service.py", "prepare"),
    "integrity rules": ("surveyapp/integrity/service.py", "assess"),
    "insert": ("surveyapp/responses/service.py", "_insert_new"),
    "flags stored": ("surveyapp/integrity/service.py", "apply"),
    "commit": ("sqlalchemy/orm/scoping.py", "commit"),
}


def profile(url: str, kiosks, requests: int, day: dt.date) -> None:
    """cProfile ``requests`` submissions through the app in this process and print the time of each step."""
    from surveyapp import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "API_DEVICE_LIMIT": harness.UNLIMITED,
        }
    )
    client = app.test_client()
    rng = random.Random(7)
    clock = MorningClock(day)

    def submit(count: int) -> None:
        for i in range(count):
            kiosk = kiosks[i % len(kiosks)]
            headers = {"Authorization": f"Bearer {kiosk.token}"}
            response = client.post("/api/v1/responses", json=clock(kiosk, rng, None), headers=headers)
            assert response.status_code in (200, 201), response.get_json()

    submit(50)
    profiler = cProfile.Profile()
    profiler.enable()
    submit(requests)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = sum(v[2] for v in stats.values())  # (calls, primitive calls, own time, cumulative time, callers)
    print(f"  profile of {requests} submissions in this process: {1000 * total / requests:.2f} ms each (profiled)")
    for step, (module, function) in STEPS.items():
        cumulative = sum(v[3] for (file, _, name), v in stats.items() if name == function and file.endswith(module))
        print(f"    {step:20s} {1000 * cumulative / requests:6.2f} ms  {cumulative / total:5.1%}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", action="append", choices=("postgresql", "sqlite"))
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--kiosks", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--profile", action="store_true", help="split a submission's time into its steps")
    parser.add_argument(
        "--paced",
        type=lambda text: [float(x) for x in text.split(",") if x],
        default=[0.5, 0.8],
        help="after the rounds, kiosks offering these shares of the best real throughput (default 0.5,0.8)",
    )
    parser.add_argument("--profile-requests", type=int, default=1000)
    args = parser.parse_args(argv)
    summary = []
    for backend in args.backend or ["postgresql", "sqlite"]:
        print(f"{backend}: {args.kiosks} kiosks, {args.concurrency} in flight, {args.rounds} × {args.seconds:g} s")
        summary.append((backend, run_backend(backend, args)))
    print("\nbest rounds, and the median of the rounds (real/bare: of each real round to the bare one before it)")
    for backend, rounds in summary:
        bare = max(rounds["bare"], key=lambda r: r.throughput)
        real = max(rounds["real"], key=lambda r: r.throughput)
        ratios = [r.throughput / b.throughput for b, r in zip(rounds["bare"], rounds["real"], strict=True)]
        print(
            f"{backend:10s} best: real {real.throughput:6.0f}/s (p50 {1000 * real.result.percentile(50):.1f} ms, "
            f"p99 {1000 * real.result.percentile(99):.1f} ms)  bare {bare.throughput:6.0f}/s  "
            f"real/bare {real.throughput / bare.throughput:.0%}"
        )
        print(
            f"{'':10s} median: real {statistics.median(r.throughput for r in rounds['real']):6.0f}/s  "
            f"bare {statistics.median(r.throughput for r in rounds['bare']):6.0f}/s  "
            f"real/bare {statistics.median(ratios):.0%} (rounds: {', '.join(f'{x:.0%}' for x in ratios)})"
        )
        for paced in rounds.get("paced", []):
            print(
                f"{'':10s} paced: {paced.throughput:6.0f}/s offered by {args.kiosks} kiosks, at most "
                f"{args.concurrency} in flight: p50 {1000 * paced.result.percentile(50):.1f} ms, "
                f"p99 {1000 * paced.result.percentile(99):.1f} ms"
            )


if __name__ == "__main__":
    main()
