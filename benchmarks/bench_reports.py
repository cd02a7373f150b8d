"""PDF report benchmark: one agency report, a batch for every agency, and WeasyPrint's floor, in one run.

    .venv/bin/python benchmarks/bench_reports.py                  # SQLite, 100 agencies, 20,000 responses a quarter
    .venv/bin/python benchmarks/bench_reports.py --backend postgresql
    .venv/bin/python benchmarks/bench_reports.py --serial         # also the batch in one process

The synthetic province (``benchmarks/synthetic.py``) has 12 districts, 100 agencies, 300 counters and 8 fields
of procedure, with service volumes and responses in 2026-Q1 to Q3; reports are for 2026-Q3, so each has a
trend over four quarters. Figures, each the median of several runs where it is cheap enough:

* **floor** — WeasyPrint rendering a fixed one-page HTML with the report stylesheet, through the same URL
  fetcher: what any PDF costs here;
* **one report (request)** — ``GET /reports/agency/<code>.pdf`` through the app as the reform office: scores
  of the period and of the agency's trend, the document, the PDF, the audit entry; nothing kept between
  requests (the score cache emptied before each);
* **one report (recent scores)** — the same request when the period's scores are in the process's score
  cache (valid while the data is unchanged);
* **one report (render)** — the same report once the period's scores are in memory (what each report of a
  batch costs);
* **batch** — ``flask reports --period 2026-Q3 --out DIR`` in a child process, one worker per core, every
  agency with responses; wall time from start to the last file.

Each figure is given in wall time and in CPU time: other work on the same cores (the load average is printed)
slows the wall time, not the CPU time, and a batch's CPU time divided by the cores is its wall time on an
otherwise idle machine. The database is kept under benchmarks/out/ for the next run.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
POSTGRES = os.environ.get("SURVEYAPP_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PERIOD = "2026-Q3"
QUARTERS = ("2026-Q1", "2026-Q2", "2026-Q3")
AGENCIES = 100
PER_QUARTER = 20_000
BENCH_USER, BENCH_PASSWORD = "bench@example.vn", "a long bench password"
sys.path.insert(0, str(ROOT))

FLOOR_HTML = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Trang mẫu</title>
<link rel="stylesheet" href="{css}"></head><body>
<h1>Báo cáo mức độ hài lòng của người dân</h1>
<p>Sự hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước.</p>
<table class="data"><thead><tr><th>Yếu tố</th><th class="num">Chỉ số</th><th class="num">n</th></tr></thead><tbody>
<tr><td>Tiếp cận dịch vụ</td><td class="num">91,2%</td><td class="num">412</td></tr>
<tr><td>Thủ tục hành chính</td><td class="num">86,1%</td><td class="num">409</td></tr>
</tbody></table></body></html>"""


def database_url(backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{OUT / 'bench-reports.sqlite3'}"
    return f"{POSTGRES}?options=-csearch_path%3Dbench_reports"


def ensure_data(backend: str) -> None:
    """Create the synthetic province and its responses unless a complete database exists."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, func, select, text

    from benchmarks import synthetic
    from surveyapp import create_app
    from surveyapp.db import db
    from surveyapp.organisation.models import ServiceVolume
    from surveyapp.periods import parse_period
    from surveyapp.questionnaires.loader import load_directory
    from surveyapp.responses.models import Response

    OUT.mkdir(parents=True, exist_ok=True)
    if backend == "postgresql":
        engine = create_engine(POSTGRES)
        with engine.begin() as conn:
            conn.execute(text("CREATE SCHEMA IF NOT EXISTS bench_reports"))
        engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(backend), "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        if (db.session.scalar(select(func.count()).select_from(Response)) or 0) == PER_QUARTER * len(QUARTERS):
            return
        print(f"  generating {AGENCIES} agencies and {PER_QUARTER:,} responses a quarter ({backend}) ...", flush=True)
        db.session.execute(text("DELETE FROM response"))
        if db.session.scalar(text("SELECT count(*) FROM area WHERE code = 'bench'")) == 0:
            load_directory(ROOT / "surveys")
            synthetic.build_organisation(agencies=AGENCIES, period=PERIOD)
            for volume in db.session.scalars(select(ServiceVolume).where(ServiceVolume.period == PERIOD)).all():
                for quarter in QUARTERS[:-1]:
                    copy = {"agency_id": volume.agency_id, "field_id": volume.field_id, "cases": volume.cases}
                    db.session.add(ServiceVolume(period=quarter, **copy))
        for seed, quarter in enumerate(QUARTERS, start=2):
            synthetic.insert_responses(PER_QUARTER, parse_period(quarter), seed=seed)
        db.session.commit()
        db.engine.dispose()


def measure_in_process(url: str, repeat: int) -> dict[str, list[float]]:
    """The floor, one report through the app, and one report's rendering, in this process (warm imports)."""
    from sqlalchemy import select

    from surveyapp import create_app
    from surveyapp.auth.service import create_user, find_user
    from surveyapp.db import db
    from surveyapp.organisation.models import Agency
    from surveyapp.periods import parse_period
    from surveyapp.reports.data import Scores
    from surveyapp.reports.pdf import fetcher_for, render_pdf, static_url
    from surveyapp.reports.render import unit_report
    from surveyapp.scores import cache as score_cache

    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False}
    app = create_app({**config, "SESSION_COOKIE_SECURE": False})
    figures: dict[str, list[tuple[float, float]]] = {"floor": [], "request": [], "recent": [], "render": []}
    with app.app_context():
        html = FLOOR_HTML.format(css=static_url("css/report.css"))
        render_pdf(html, fetcher_for())  # fonts and the stylesheet parser warmed once, as in a running server
        for _ in range(repeat * 2):
            with timed(figures["floor"]):
                render_pdf(html, fetcher_for())
        if find_user(BENCH_USER) is None:
            create_user(BENCH_USER, "Bench", "reform_office", "province", BENCH_PASSWORD, None, "bench")
            db.session.commit()
        agencies = db.session.scalars(select(Agency).order_by(Agency.code).limit(repeat)).all()
        codes, ids = [a.code for a in agencies], [a.id for a in agencies]
        period = parse_period(PERIOD)
        scores = Scores()
        scores(period)
        for agency_id in ids:
            with timed(figures["render"]):
                unit_report(scores, period, "agency", agency_id, "vi", include_comments=True, minimum_group=5)
    app = create_app({**config, "SESSION_COOKIE_SECURE": False})
    for name in ("request", "recent"):
        client = app.test_client()
        client.post("/auth/sign-in", data={"email": BENCH_USER, "password": BENCH_PASSWORD})
        client.get(f"/reports/agency/{codes[-1]}.pdf?period={PERIOD}")  # the period's scores, in the cache
        for code in codes:
            if name == "request":
                with app.app_context():
                    score_cache.clear()  # nothing kept: every period of the report is scored again
            with timed(figures[name]):
                response = client.get(f"/reports/agency/{code}.pdf?period={PERIOD}")
            assert response.status_code == 200 and response.data.startswith(b"%PDF"), response.status_code
    return figures


@contextmanager
def timed(into: list[tuple[float, float]]):
    """Append (wall seconds, CPU seconds of this process) of the block to ``into``."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    into.append((time.perf_counter() - wall, time.process_time() - cpu))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def batch(url: str, jobs: int | None) -> tuple[float, float, int, str]:
    with tempfile.TemporaryDirectory() as folder:
        command = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "surveyapp", "reports", "--period", PERIOD]
        command += ["--out", folder, *(["--jobs", str(jobs)] if jobs else [])]
        env = {**os.environ, "SURVEYAPP_DATABASE_URL": url, "SURVEYAPP_SECRET_KEY": "bench"}
        started, cpu = time.perf_counter(), children_cpu()
        result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
        elapsed, cpu = time.perf_counter() - started, children_cpu() - cpu
        if result.returncode:
            raise SystemExit(f"the batch failed:\n{result.stdout}\n{result.stderr}")
        return elapsed, cpu, len(list(Path(folder).glob("*.pdf"))), result.stdout.strip().splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=5, help="agencies timed one by one (default 5)")
    parser.add_argument("--serial", action="store_true", help="also time the batch in a single process")
    args = parser.parse_args()
    ensure_data(args.backend)
    url = database_url(args.backend)
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}", flush=True)
    figures = measure_in_process(url, args.repeat)
    rows = [
        ("floor: one-page HTML → PDF", figures["floor"]),
        ("one agency report, request (scores + PDF)", figures["request"]),
        ("one agency report, request (recent scores)", figures["recent"]),
        ("one agency report, render (scores in memory)", figures["render"]),
    ]
    print(f"{'':<46} {'wall median':>11} {'wall min':>9} {'CPU median':>11}")
    for label, values in rows:
        walls, cpus = [w for w, _ in values], [c for _, c in values]
        print(
            f"{label:<46} {statistics.median(walls):9.3f} s {min(walls):7.3f} s {statistics.median(cpus):9.3f} s",
            flush=True,
        )
    cores = len(os.sched_getaffinity(0))
    elapsed, cpu, files, summary = batch(url, None)
    print(
        f"batch, every agency, one process per core: {elapsed:.1f} s wall for {files} reports; "
        f"{cpu:.1f} s CPU in all, {cpu / cores:.1f} s per core",
        flush=True,
    )
    print(f"  {summary}")
    if args.serial:
        elapsed, cpu, files, _ = batch(url, 1)
        print(f"batch, every agency, one process: {elapsed:.1f} s wall, {cpu:.1f} s CPU for {files} reports")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
