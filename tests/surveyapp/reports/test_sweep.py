"""Every unit of the shipped demo, in every period the interface offers, answers without a server error.

The demo is built once per database backend for this module, by the shipped ``setup-demo`` command (20,000
responses from 1 January 2025, on the organisation of 2021–2025 until 30 June 2025 and on the 75 communes since,
the three questionnaires, the service volumes and the tablet that games its counter), with the demo's "today"
pinned to 2 December 2026: every run sweeps the same periods and the same small units.

Signed in as the reform office (the whole province in scope), the sweep requests

* the dashboard page of every unit with scored responses — counter, agency, commune, former district (a
  grouping), district of 2021–2025 and the province — for every period the period menu offers (2025-Q1 to
  2026-Q4 and the two years) and every questionnaire with responses in that period; in the latest quarter, the
  page of every unit of the organisation, retired or not (a unit without responses says so); each must answer
  200 with an HTML page;
* every unit's PDF report for every questionnaire in the latest quarter (2026-Q4: a PDF for a unit with scored
  responses, a 404 with a sentence for one without, never a 5xx), and the SIPAS PDF of every area and agency
  with responses in 2025-Q2, the last quarter of the old organisation. A report takes 1–2 s to render and
  there are about 270 of them in a quarter, so the PDFs of every period would take far longer than the pages
  that already exercise every period's data.

Every unit's scores as JSON (the unit, the areas above it and its children) are also read: no index may claim an
effective sample size above its answers or a design effect below 1, nor carry a verdict that the reliability
rules refuse it; and ``flask scores`` is read at every level in every period for the same.

The sweep runs on SQLite. On PostgreSQL (items marked ``postgres``) it covers the latest quarter's pages and the
scores table; its PDFs are drawn from the same figures as on SQLite and cost 1–2 s each. Items are split by
period, questionnaire and kind of unit, so that pytest-xdist spreads them over its workers; each worker builds
the demo of a backend once, on first use.

Leave the PDFs out with ``-k "not test_every_unit_pdf"``; render them in every period with
``SURVEYAPP_SWEEP_ALL_PDFS=1``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import scoring
import surveyapp.demo
from surveyapp.agency.dashboard import available_periods
from surveyapp.db import db
from surveyapp.organisation.models import Agency, Area, Counter
from surveyapp.periods import LOCAL_ZONE, parse_period
from surveyapp.reports.scope import level_of
from surveyapp.scores.service import compute_scores, instruments_with_responses
from tests.conftest import BACKENDS, POSTGRES_URL, _app, _migrate
from tests.staff import ACCOUNTS, create_accounts, sign_in

#: The demo's "today": the demo covers 1 January 2025 to 1 December 2026.
TODAY = dt.date(2026, 12, 2)
#: What the period menu offers for that demo, newest first.
PERIODS = ("2026-Q4", "2026-Q3", "2026-Q2", "2026-Q1", "2026", "2025-Q4", "2025-Q3", "2025-Q2", "2025-Q1", "2025")
LATEST_QUARTER, LATEST_YEAR = "2026-Q4", "2026"
#: The last quarter of the organisation of 2021–2025.
OLD_QUARTER = "2025-Q2"
#: ``SURVEYAPP_SWEEP_ALL_PDFS=1`` renders every unit's PDFs in every period (about an hour more of CPU).
PDF_PERIODS = PERIODS if os.environ.get("SURVEYAPP_SWEEP_ALL_PDFS") == "1" else (LATEST_QUARTER,)
INSTRUMENTS = ("sipas", "rating", "case")
KINDS = ("counter", "agency", "area")


def _items(backend: str) -> list[tuple[str, ...]]:
    pages = [("pages", period, "", "") for period in PERIODS]
    reports = [
        ("pdf", period, instrument, kind) for period in PDF_PERIODS for instrument in INSTRUMENTS for kind in KINDS
    ]
    if OLD_QUARTER not in PDF_PERIODS:
        reports += [("pdf", OLD_QUARTER, "sipas", kind) for kind in KINDS if kind != "counter"]
    # PostgreSQL: the pages of the latest quarter (the PDFs render the same data as on SQLite, at 1-2 s each)
    return pages + reports if backend == "sqlite" else [item for item in pages if item[1] == LATEST_QUARTER]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One item per backend chosen with ``--backend``, and per period (pages) or period, questionnaire and kind
    of unit (PDFs); PostgreSQL gets the latest quarter's."""
    if "sweep" not in metafunc.fixturenames:
        return
    what = metafunc.function.__name__.removeprefix("test_every_unit_")
    params = []
    for backend in metafunc.config.getoption("backend") or list(BACKENDS):
        marks = [pytest.mark.postgres] if backend == "postgresql" else []
        for item in _items(backend):
            if (item[0] == "pages") == (what == "page"):
                values = (backend, *(part for part in item[1:] if part))
                params.append(pytest.param(values, id="-".join(values), marks=marks))
    metafunc.parametrize("sweep", params)


@dataclass(frozen=True)
class Demo:
    app: Flask
    client: FlaskClient
    #: (kind, code) of every unit, and each unit's level.
    units: tuple[tuple[str, str], ...]
    levels: dict[tuple[str, str], str]
    ids: dict[tuple[str, str], int]


def _database(backend: str, request: pytest.FixtureRequest, tmp_path: str, cleanups: list) -> str:
    if backend == "sqlite":
        path = f"{tmp_path}/demo.sqlite3"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    engine = sa.create_engine(POSTGRES_URL)
    schema = f"sweep_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()

    cleanups.append(drop)
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    _migrate(url)
    return url


@pytest.fixture(scope="session")
def demos(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable]:
    """The demo of a backend, built by ``setup-demo`` on its first use by this module's tests in this process.

    Session-scoped although only this module uses it: under pytest-xdist a worker runs this module's items
    between other modules' items, and a module-scoped demo would be torn down and built again each time."""
    built: dict[str, Demo] = {}
    cleanups: list[Callable[[], None]] = []

    def demo(backend: str) -> Demo:
        if backend in built:
            return built[backend]
        url = _database(backend, request, str(tmp_path_factory.mktemp(f"sweep-{backend}")), cleanups)
        app = _app(url, PROPAGATE_EXCEPTIONS=False)  # a failing page answers 500 and the sweep lists them all
        noon = dt.datetime.combine(TODAY, dt.time(12), LOCAL_ZONE).astimezone(dt.UTC)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(surveyapp.demo, "utcnow", lambda: noon)
            result = app.test_cli_runner().invoke(args=["setup-demo"])
        assert result.exit_code == 0, result.output
        create_accounts(app, "office")
        with app.app_context():
            assert available_periods(TODAY) == list(PERIODS), "the demo's periods changed: update PERIODS"
            units = [
                *(("counter", c) for c in db.session.scalars(select(Counter).order_by(Counter.code))),
                *(("agency", a) for a in db.session.scalars(select(Agency).order_by(Agency.code))),
                *(("area", a) for a in db.session.scalars(select(Area).order_by(Area.code))),
            ]
            levels = {(kind, unit.code): level_of(unit) for kind, unit in units}
            ids = {(kind, unit.code): unit.id for kind, unit in units}
            db.session.remove()
        client = app.test_client()
        account = ACCOUNTS["office"]
        assert sign_in(client, account.email, account.password).status_code == 302
        built[backend] = Demo(app, client, tuple(levels), levels, ids)
        return built[backend]

    yield demo
    for each in built.values():
        with each.app.app_context():
            db.session.remove()
            db.engine.dispose()
    for cleanup in cleanups:
        cleanup()


def _scored(demo: Demo, period: str, instrument: str) -> set[tuple[str, str]]:
    """The units with scored responses to ``instrument`` in ``period``: those that have a report."""
    with demo.app.app_context():
        report = compute_scores(parse_period(period), instrument)
        scored = {unit for unit, level in demo.levels.items() if demo.ids[unit] in report.respondents.get(level, {})}
        db.session.remove()
    return scored


def _instruments(demo: Demo, period: str) -> list[str]:
    with demo.app.app_context():
        found = instruments_with_responses(parse_period(period))
        db.session.remove()
    return found


def test_every_unit_page(sweep, demos):
    """Every unit's dashboard page and scores as JSON, for every questionnaire with responses in the period (200,
    HTML or JSON), and the exports of every level (200, or 400 for a level the questionnaire has no responses
    at)."""
    backend, period = sweep
    demo = demos(backend)
    instruments = _instruments(demo, period)
    assert instruments == sorted(INSTRUMENTS)
    failed, overclaims = [], []
    for instrument in instruments:
        query = f"period={period}&instrument={instrument}"
        scored = _scored(demo, period, instrument)
        every = period == LATEST_QUARTER and instrument == "sipas"
        for kind, code in (unit for unit in demo.units if every or unit in scored):
            url = f"/agency/{kind}/{code}?{query}"
            page = demo.client.get(url)
            body = page.get_data(as_text=True)
            if page.status_code != 200 or page.mimetype != "text/html" or "</html>" not in body:
                failed.append((page.status_code, url))
            url = f"/api/v1/scores/{kind}/{code}?{query}"
            answer = demo.client.get(url)
            if answer.status_code != 200 or not answer.is_json:
                failed.append((answer.status_code, url))
            else:
                overclaims.extend(f"{url} {claim}" for claim in _overclaims(answer.get_json()))
        for level in sorted(set(demo.levels.values())):
            for url in (
                f"/api/v1/scores?{query}&level={level}",
                f"/reports/exports/scores.csv?{query}&level={level}",
                f"/reports/exports/scores.xlsx?{query}&level={level}",
            ):
                with demo.client.get(url) as export:
                    if export.status_code not in (200, 400) or not export.data:
                        failed.append((export.status_code, url))
        for url in (f"/reports/exports/responses.csv?{query}", f"/reports/exports/responses.xlsx?{query}"):
            with demo.client.get(url) as export:
                if export.status_code != 200 or not export.data:
                    failed.append((export.status_code, url))
    assert failed == [], "\n".join(f"{status} {url}" for status, url in failed)
    assert overclaims == [], "\n".join(overclaims[:20])


def _overclaims(answer: dict) -> Iterator[str]:
    """What a unit's scores claim beyond their answers: an effective size above the answers, a design effect
    below 1, or a verdict on an index that fails the reliability rules."""
    for unit in (answer["unit"], *answer["above"], *answer["children"]):
        for name, e in unit["indices"].items():
            if e["n_eff"] is not None and e["n_eff"] > e["n"] * (1 + 1e-9):
                yield f"{unit['code']} {name}: n_eff {e['n_eff']} > n {e['n']}"
            if e["deff"] is not None and e["deff"] < 1 - 1e-9:
                yield f"{unit['code']} {name}: deff {e['deff']} < 1"
            if e["decision"] in ("met", "not_met", "inconclusive") and (e["reliability"] or e["n"] < 30):
                yield f"{unit['code']} {name}: {e['decision']} on {e['n']} answers ({e['reliability']})"
            if e["decision"] == "insufficient" and not e["reliability"]:
                yield f"{unit['code']} {name}: insufficient without a rule"


def test_every_level_and_period_in_the_scores_table(demos, backend):
    """``flask scores --format csv`` at every level, in every period (every questionnaire in the latest quarter):
    no index claims more than its answers, and the demo has both units large enough for a verdict and units
    too small for one."""
    demo = demos(backend)
    runner = demo.app.test_cli_runner()
    levels = sorted(set(demo.levels.values()))
    runs = [(period, "sipas") for period in PERIODS] + [(LATEST_QUARTER, i) for i in INSTRUMENTS if i != "sipas"]
    checked = decided = insufficient = 0
    for period, instrument in runs:
        for level in levels:
            args = ["scores", "--period", period, "--level", level, "--instrument", instrument, "--format", "csv"]
            result = runner.invoke(args=args)
            if result.exit_code != 0 and "not a level" in result.output:
                continue  # the questionnaire has no responses at that level
            assert result.exit_code == 0, (period, instrument, level, result.output)
            for row in csv.DictReader(io.StringIO(result.output)):
                where = (period, instrument, level, row["unit"], row["index"])
                checked += 1
                if row["n_eff"]:
                    assert float(row["n_eff"]) <= float(row["n"]) * (1 + 1e-9), where
                if row["deff"]:
                    assert float(row["deff"]) >= 1 - 1e-9, where
                if row["decision"] in ("met", "not_met", "inconclusive"):
                    decided += 1
                    assert row["reliability"] == "" and float(row["n"]) >= 30, where
                    assert int(row["respondents"]) >= 30, where
                if row["decision"] == "insufficient":
                    insufficient += 1
                    assert row["reliability"] in scoring.RELIABILITY_REASONS, where
    assert checked > 5000 and decided > 100 and insufficient > 100, (checked, decided, insufficient)


def test_every_unit_pdf(sweep, demos):
    """Every unit's PDF report of one questionnaire: a PDF for a unit with scored responses, else a 404."""
    backend, period, instrument, kind = sweep
    demo = demos(backend)
    scored = _scored(demo, period, instrument)
    units = [unit for unit in demo.units if unit[0] == kind]
    assert any(unit in scored for unit in units) or kind != "area", "the province always has responses"
    if period not in PDF_PERIODS:  # the old organisation's quarter: the reports that exist
        units = [unit for unit in units if unit in scored]
    failed = []
    for unit in units:
        url = f"/reports/{unit[0]}/{unit[1]}.pdf?period={period}&instrument={instrument}"
        report = demo.client.get(url)
        if unit in scored:
            ok = report.status_code == 200 and report.mimetype == "application/pdf" and report.data[:5] == b"%PDF-"
        else:
            ok = report.status_code == 404 and "được tính điểm" in report.get_data(as_text=True)
        if not ok:
            failed.append((report.status_code, url))
    assert failed == [], "\n".join(f"{status} {url}" for status, url in failed)
