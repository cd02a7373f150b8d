"""End to end at province scale: responses submitted through the API, then scored and reported for every agency.

One run on one backend (PostgreSQL by default):

1. a fresh database with the Sơn La organisation, questionnaires, service volumes and ``--kiosks`` enrolled
   tablets; gunicorn (``gunicorn.conf.py``, rate limits in Redis) serving the app;
2. ``--responses`` responses (100,000 by default) submitted by the load generator through
   ``POST /api/v1/responses``, every one acknowledged, then checked in the database: each exactly once;
3. the reform office signs in and asks the server for the period's scores of every agency
   (``GET /api/v1/scores?level=agency``): scoring inside a gunicorn worker;
4. ``flask reports --level agency`` renders the PDF report of every agency with responses (one process per core).

Printed: the time of each step and of the whole run, submission throughput and latency, and peak memory — of
the gunicorn workers (the largest ``VmHWM``) and of the report batch (its processes' peak resident size).

    .venv/bin/python -m benchmarks.bench_end_to_end                              # 100,000 on PostgreSQL
    .venv/bin/python -m benchmarks.bench_end_to_end --backend sqlite --responses 20000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks import harness, loadgen
from benchmarks.bench_submit import MorningClock, scratch_database, weekdays_before

REDIS_URL = os.environ.get("SURVEYAPP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
OFFICE_EMAIL, OFFICE_PASSWORD = "bench-office@example.vn", "a long benchmark password"


def _peak_rss_mib(pids: list[int]) -> float:
    """The largest peak resident set (``VmHWM``) among the processes, in MiB."""
    peak = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        if found:
            peak = max(peak, int(found.group(1)))
    return peak / 1024


def _workers(master: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == master:
                children.append(int(entry.name))
    return children


def _rss_mib(pid: int) -> float:
    try:
        found = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.MULTILINE)
    except OSError:
        return 0.0
    return int(found.group(1)) / 1024 if found else 0.0


def _watch_memory(process: subprocess.Popen) -> tuple[float, float]:
    """Poll a running command and its worker processes until it ends: the peak resident size of the largest
    process and the peak of their sum, in MiB. (``getrusage`` cannot tell: a child's ``ru_maxrss`` starts from
    its parent's size at the fork.)"""
    largest = total = 0.0
    while process.poll() is None:
        sizes = [_rss_mib(pid) for pid in (process.pid, *_workers(process.pid))]
        largest, total = max(largest, *sizes), max(total, sum(sizes))
        time.sleep(0.2)
    return largest, total


def _create_office_user(url: str) -> None:
    from surveyapp import create_app
    from surveyapp.auth.service import create_user
    from surveyapp.db import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        create_user(OFFICE_EMAIL, "Benchmark", "reform_office", "province", OFFICE_PASSWORD, None, "bench")
        db.session.commit()
        db.engine.dispose()


def _signed_in(base_url: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=600)
    page = client.get("/auth/sign-in").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', page
    )
    if token is None:
        raise RuntimeError("no CSRF token on the sign-in page")
    answer = client.post(
        "/auth/sign-in", data={"csrf_token": token.group(1), "email": OFFICE_EMAIL, "password": OFFICE_PASSWORD}
    )
    if answer.status_code != 302:
        raise RuntimeError(f"sign-in failed with {answer.status_code}")
    return client


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--kiosks", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args(argv)

    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as scratch:
        url, drop = scratch_database(args.backend, Path(scratch))
        try:
            step = time.perf_counter()
            kiosks = harness.prepare_database(url, args.kiosks)
            _create_office_user(url)
            print(f"prepared {len(kiosks)} kiosks on {args.backend} in {time.perf_counter() - step:.1f} s", flush=True)
            env = {"SURVEYAPP_RATELIMIT_STORAGE_URI": REDIS_URL, "SURVEYAPP_SESSION_COOKIE_SECURE": "false"}
            with harness.Server(url, env=env) as server:
                step = time.perf_counter()
                # Genuine-looking responses (opening hours, no bursts) on the weekday mornings before today.
                clock = MorningClock(next(weekdays_before(dt.date.today())))
                result = loadgen.run(
                    server.base_url, kiosks, concurrency=args.concurrency, count=args.responses, body=clock
                )
                submit_seconds = time.perf_counter() - step
                print(f"submitted: {result.summary()}", flush=True)
                stored = harness.stored_responses(url)
                uuids = {str(s.uuid) for s in stored}
                print(
                    f"stored {len(stored)} rows, {len(uuids)} distinct; acknowledged but missing: "
                    f"{len(result.acknowledged - uuids)}",
                    flush=True,
                )
                client = _signed_in(server.base_url)
                step = time.perf_counter()
                scores = client.get("/api/v1/scores", params={"level": "agency"})  # the current quarter
                score_seconds = time.perf_counter() - step
                if scores.status_code != 200:
                    raise RuntimeError(f"scores answered {scores.status_code}: {scores.text[:300]}")
                answer = scores.json()
                period = answer["period"] if isinstance(answer["period"], str) else answer["period"]["code"]
                print(
                    f"scored every agency of {period} in the server: {len(answer['units'])} units in "
                    f"{score_seconds:.2f} s",
                    flush=True,
                )
                worker_peak = _peak_rss_mib(_workers(server.process.pid))
            step = time.perf_counter()
            out = Path(scratch) / "reports"
            log = (Path(scratch) / "reports.log").open("w+", encoding="utf-8")
            batch = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "flask",
                    "--app",
                    "surveyapp",
                    "reports",
                    "--period",
                    period,
                    "--level",
                    "agency",
                    "--out",
                    str(out),
                ],
                env={**os.environ, "DATABASE_URL": url, "SURVEYAPP_SECRET_KEY": "bench"},
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
                cwd=harness.ROOT,
            )
            batch_peak = _watch_memory(batch)
            log.seek(0)
            output = log.read()
            log.close()
            report_seconds = time.perf_counter() - step
            if batch.wait() != 0:
                raise RuntimeError(f"reports failed:\n{output}")
            pdfs = len(list(out.glob("*.pdf")))
            print(f"reported every agency: {pdfs} PDF files in {report_seconds:.1f} s", flush=True)
        finally:
            drop()
    total = time.perf_counter() - began
    print(
        f"\nend to end ({args.backend}): {args.responses} responses submitted in {submit_seconds:.0f} s "
        f"({result.throughput:.0f}/s, p99 {1000 * result.percentile(99):.0f} ms), scored in {score_seconds:.1f} s, "
        f"{pdfs} agency reports in {report_seconds:.0f} s; whole run {total:.0f} s. Peak memory: gunicorn worker "
        f"{worker_peak:.0f} MiB, report batch {batch_peak[0]:.0f} MiB in its largest process, "
        f"{batch_peak[1]:.0f} MiB in all"
    )


if __name__ == "__main__":
    main()
