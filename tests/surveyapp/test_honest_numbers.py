"""On the shipped demo, no index claims more than its answers can support, at any level, in any period.

The demo (``setup-demo`` with its defaults, as ``scripts/run`` builds it) is built once for this module. For
every quarter and year with responses and every level of the organisation, ``flask scores --format csv``
must show: no effective sample size above the number of answers, no met/not-met decision for an index that
fails the reliability rules or for a unit with fewer than 30 respondents, and a reliability reason for every
``insufficient`` decision.
"""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from surveyapp import create_app
from surveyapp.db import db
from surveyapp.periods import LOCAL_ZONE, parse_period
from surveyapp.responses.models import Response
from surveyapp.scores.service import compute_scores


@pytest.fixture(scope="module")
def shipped_demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("shipped-demo") / "demo.sqlite3"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "test"})
    result = app.test_cli_runner().invoke(args=["setup-demo"])
    assert result.exit_code == 0, result.output
    return app


def _periods(app) -> list[str]:
    with app.app_context():
        first, last = db.session.execute(select(func.min(Response.submitted_at), func.max(Response.submitted_at))).one()
    first, last = first.astimezone(LOCAL_ZONE), last.astimezone(LOCAL_ZONE)
    quarters = []
    index = first.year * 4 + (first.month - 1) // 3
    while index <= last.year * 4 + (last.month - 1) // 3:
        quarters.append(f"{index // 4}-Q{index % 4 + 1}")
        index += 1
    return [*quarters, *(str(year) for year in range(first.year, last.year + 1))]


def test_no_index_claims_more_than_its_answers(shipped_demo):
    runner = shipped_demo.test_cli_runner()
    periods = _periods(shipped_demo)
    with shipped_demo.app_context():
        levels = compute_scores(parse_period(periods[-1])).levels
    checked = insufficient = decided = 0
    for period in periods:
        for level in levels:
            result = runner.invoke(args=["scores", "--period", period, "--level", level, "--format", "csv"])
            assert result.exit_code == 0, (period, level, result.output)
            for row in csv.DictReader(io.StringIO(result.output)):
                where = (period, level, row["unit"], row["index"])
                checked += 1
                n = float(row["n"])
                if row["n_eff"]:
                    assert float(row["n_eff"]) <= n * (1 + 1e-9), where
                if row["deff"]:
                    assert float(row["deff"]) >= 1 - 1e-9, where
                if row["decision"] in ("met", "not_met", "inconclusive"):
                    decided += 1
                    assert row["reliability"] == "", where
                    assert n >= 30 and int(row["respondents"]) >= 30, where
                if row["decision"] == "insufficient":
                    insufficient += 1
                    assert row["reliability"] in (
                        "few_answers",
                        "small_effective_size",
                        "wide_interval",
                        "wide_relative_interval",
                    ), where
    # The demo has both: units large enough for a verdict and units too small for one.
    assert checked > 5000 and decided > 100 and insufficient > 100, (checked, decided, insufficient)
