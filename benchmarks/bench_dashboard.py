"""Dashboard render times on the demo data (20,000 responses, SQLite), through the WSGI app.

    .venv/bin/python benchmarks/bench_dashboard.py [--responses 20000]

Each page is timed cold (score cache emptied: every period of the page computed again), warm (median of
five), and just after a new response in the page's period (what a page costs while kiosks keep submitting:
that period is scored again, the trend's earlier periods stay), beside a floor: the password page, which
renders a template and reads nothing else.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = {
    "province": "/agency/area/son-la?period={period}",
    "commune": "/agency/area/phuong-moc-chau?period={period}",
    "agency": "/agency/agency/ttpv-moc-chau?period={period}",
    "counter": "/agency/counter/ttpv-moc-chau-dat-dai?period={period}",
    "element": "/agency/agency/ttpv-moc-chau/index/staff?period={period}",
    "year": "/agency/area/son-la?period=2026",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=20000)
    parser.add_argument("--period", default="2026-Q3")
    args = parser.parse_args()

    from surveyapp import create_app
    from surveyapp.auth.service import create_user
    from surveyapp.db import db
    from surveyapp.scores import cache
    from tests.helpers import form_of

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                "SECRET_KEY": "bench",
                "SESSION_COOKIE_SECURE": False,
            }
        )
        result = app.test_cli_runner().invoke(args=["setup-demo", "--responses", str(args.responses)])
        assert result.exit_code == 0, result.output
        with app.app_context():
            create_user("bench@test.vn", "Bench", "reform_office", "province", "a long bench password", None, "bench")
            db.session.commit()
        client = app.test_client()
        _, hidden = form_of(client.get("/auth/sign-in").get_data(as_text=True))
        client.post("/auth/sign-in", data={**hidden, "email": "bench@test.vn", "password": "a long bench password"})

        def timed(url: str) -> float:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, (url, response.status_code)
            return elapsed

        floor = statistics.median(timed("/auth/password") for _ in range(5))
        print(f"{args.responses:,} demo responses, SQLite; floor (password page) {floor * 1000:.1f} ms")
        print(f"{'page':<10} {'cold ms':>8} {'warm ms':>8} {'new response ms':>16} {'warm / floor':>13}")
        for name, pattern in PAGES.items():
            url = pattern.format(period=args.period)
            timed(url)  # imports and first compilation of templates
            with app.app_context():
                cache.clear()
            cold = timed(url)
            warm = statistics.median(timed(url) for _ in range(5))
            with app.app_context():
                add_response(args.period)
            fresh = timed(url)
            print(f"{name:<10} {cold * 1000:>8.0f} {warm * 1000:>8.0f} {fresh * 1000:>16.0f} {warm / floor:>13.1f}")
        with app.app_context():
            db.engine.dispose()


def add_response(period_code: str) -> None:
    """One more kiosk response in the middle of the period, as the kiosk service stores it."""
    import datetime as dt
    import uuid

    from sqlalchemy import select

    from surveyapp.db import db
    from surveyapp.organisation.models import Counter
    from surveyapp.periods import parse_period
    from surveyapp.questionnaires.loader import current_version
    from surveyapp.responses.service import Draft, record

    period = parse_period(period_code)
    middle = period.start + (period.end - period.start) / 2
    counter = db.session.scalar(select(Counter).where(Counter.code == "ttpv-moc-chau-dat-dai"))
    record(
        Draft(
            uuid=uuid.uuid4(),
            counter=counter,
            version=current_version("sipas"),
            answers={"access_info": 5},
            language="vi",
            started_at=middle - dt.timedelta(minutes=2),
            submitted_at=middle,
        ),
        2000,
    )


if __name__ == "__main__":
    main()
