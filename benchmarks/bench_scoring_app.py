"""End-to-end scoring benchmark: a period of responses in the database → every index at every level.

    .venv/bin/python benchmarks/bench_scoring_app.py                 # 100k and 1M, SQLite and PostgreSQL
    .venv/bin/python benchmarks/bench_scoring_app.py --sizes 5000000 # the large case
    .venv/bin/python benchmarks/bench_scoring_app.py --r             # also R survey's svyby for one item

The synthetic province has 12 districts, 100 agencies, 300 counters and 8 fields of procedure; scoring is
post-stratified to agency × field volumes and computes the 19 criteria, 5 elements and the overall index with
Korn–Graubard intervals and target decisions for every counter, agency, district and the province, plus the
overall-question and integrity indices. Each timing runs in a fresh process (cold Python, warm database
cache), which also reports its peak memory. Beside it, in the same run: a plain SQL GROUP BY that only
counts satisfied answers per agency and criterion (the floor), and optionally R's ``svyby`` for one criterion
by agency on the same data. Generated databases are kept under benchmarks/out/ for the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
POSTGRES = os.environ.get("SURVEYAPP_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PERIOD = "2026-Q3"
sys.path.insert(0, str(ROOT))


def database_url(backend: str, size: int) -> str:
    if backend == "sqlite":
        return f"sqlite:///{OUT / f'bench-{size}.sqlite3'}"
    return f"{POSTGRES}?options=-csearch_path%3Dbench_{size}"


def ensure_data(backend: str, size: int) -> None:
    """Create the database for ``size`` responses unless a complete one exists."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, func, select, text

    from benchmarks import synthetic
    from surveyapp import create_app
    from surveyapp.db import db
    from surveyapp.periods import parse_period
    from surveyapp.questionnaires.loader import load_directory
    from surveyapp.responses.models import Response

    OUT.mkdir(parents=True, exist_ok=True)
    if backend == "postgresql":
        engine = create_engine(POSTGRES)
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS bench_{size}"))
        engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(backend, size), "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        if (db.session.scalar(select(func.count()).select_from(Response)) or 0) == size:
            return
        print(f"  generating {size:,} responses in {backend} ...", flush=True)
        started = time.perf_counter()
        db.session.execute(text("DELETE FROM response"))
        if db.session.scalar(text("SELECT count(*) FROM area WHERE code = 'bench'")) == 0:
            load_directory(ROOT / "surveys")
            synthetic.build_organisation()
        synthetic.insert_responses(size, parse_period(PERIOD))
        db.session.commit()
        print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
        db.engine.dispose()
    if backend == "postgresql":  # the visibility map lets the scoring read come from the index alone
        engine = create_engine(database_url(backend, size), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE response"))
        engine.dispose()


def measure(url: str, repeat: int) -> dict:
    """Run in a child process: time compute_scores and the SQL floor; report peak memory."""
    import resource

    from sqlalchemy import text

    from surveyapp import create_app
    from surveyapp.db import db
    from surveyapp.periods import parse_period
    from surveyapp.scores.service import compute_scores
    from surveyapp.scores.settings import Settings

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    times, floor = [], []
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        byte = "get_byte(answers, {k}) >= 4" if postgres else "substr(answers, {k1}, 1) IN (x'04', x'05')"
        counts = ", ".join(("sum(CASE WHEN " + byte.format(k=k, k1=k + 1) + " THEN 1 ELSE 0 END)") for k in range(19))
        floor_sql = text(f"SELECT agency_id, {counts} FROM response GROUP BY agency_id")
        for _ in range(repeat):
            started = time.perf_counter()
            report = compute_scores(parse_period(PERIOD), settings=Settings(weighting="poststratify"))
            times.append(time.perf_counter() - started)
            started = time.perf_counter()
            db.session.execute(floor_sql).all()
            floor.append(time.perf_counter() - started)
        estimates = sum(report.main[level].estimate.size for level in report.levels)
        estimates += sum(report.extra[level].estimate.size for level in report.levels)
    return {
        "score": times,
        "floor": floor,
        "responses": report.responses,
        "estimates": estimates,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def r_svyby(url: str) -> float | None:
    """Seconds R's survey package takes for svyby(one criterion, by agency), on the same responses."""
    if subprocess.run(["which", "Rscript"], capture_output=True).returncode:
        return None
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "one_item.csv"
        with engine.connect() as conn, data.open("w") as handle:
            postgres = conn.dialect.name == "postgresql"
            byte = "get_byte(answers, 0)" if postgres else "hex(substr(answers, 1, 1))"
            handle.write("agency,item\n")
            for agency, raw in conn.execute(text(f"SELECT agency_id, {byte} FROM response")):
                value = raw if postgres else int(raw, 16)
                handle.write(f"{agency},{'' if value == 0 else int(value >= 4)}\n")
        engine.dispose()
        script = Path(folder) / "svyby.R"
        script.write_text(
            "suppressMessages(library(survey)); options(survey.lonely.psu='adjust')\n"
            f"d <- read.csv('{data}')\n"
            "design <- svydesign(ids=~1, strata=~agency, data=d)\n"
            "t <- system.time(r <- svyby(~item, ~agency, design, svymean, na.rm=TRUE))\n"
            "cat(t[['elapsed']], '\\n')\n"
        )
        done = subprocess.run(["Rscript", str(script)], capture_output=True, text=True, check=False)
        if done.returncode:
            print(done.stderr[-500:])
            return None
        return float(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--r", action="store_true", help="time R survey's svyby for one criterion by agency")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.repeat)))
        return
    print(
        f"{'backend':<11} {'responses':>10} {'estimates':>10} {'score (best)':>13} {'median':>8} "
        f"{'SQL floor':>10} {'ratio':>6} {'peak MB':>8} {'R svyby 1 item':>15}"
    )
    for backend in args.backends.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            ensure_data(backend, size)
            url = database_url(backend, size)
            child = subprocess.run(
                [sys.executable, __file__, "--measure", url, "--repeat", str(args.repeat)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            result = json.loads(child.stdout.strip().splitlines()[-1])
            best, median = min(result["score"]), statistics.median(result["score"])
            floor = min(result["floor"])
            r_time = r_svyby(url) if args.r else None
            r_text = f"{r_time:.2f} s" if r_time is not None else "–"
            print(
                f"{backend:<11} {result['responses']:>10,} {result['estimates']:>10,} {best:>11.3f} s "
                f"{median:>6.3f} s {floor:>8.3f} s {best / floor:>6.2f} {result['peak_mb']:>8.0f} {r_text:>15}",
                flush=True,
            )


if __name__ == "__main__":
    main()
