"""The command line: set-up, loading with clear refusals, demo data and the CSV export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import func, select

from surveyapp.db import db
from surveyapp.organisation.models import Agency, Counter
from surveyapp.questionnaires.models import QuestionnaireVersion
from surveyapp.responses.models import Response


def invoke(runner, *args):
    return runner.invoke(args=list(args), catch_exceptions=False)


def test_setup_demo_builds_everything_and_is_repeatable(app, runner):
    result = invoke(runner, "setup-demo", "--responses", "300", "--seed", "7")
    assert result.exit_code == 0, result.output
    assert "23 areas, 37 agencies, 64 counters" in result.output
    assert "Generated 300 demo responses" in result.output
    again = invoke(runner, "setup-demo", "--responses", "300")
    assert again.exit_code == 0
    assert "unchanged" in again.output and "keeping them" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 300
        assert db.session.scalar(select(func.count()).select_from(QuestionnaireVersion)) == 3


def test_init_db_on_a_migrated_database_is_a_no_op(runner):
    result = invoke(runner, "init-db")
    assert result.exit_code == 0 and "up to date" in result.output


def test_broken_definition_exits_with_the_place_and_no_traceback(runner, tmp_path: Path):
    (tmp_path / "bad.toml").write_text(
        'format = 1\ninstrument = "x"\nversion = 1\nkind = "sipas"\nlanguages = ["vi"]\n'
        'title = { vi = "X" }\n[[questions]]\ncode = "q"\ntype = "scale"\nscale = "nope"\nelement = "e"\n'
        'text = { vi = "Q" }\n',
        encoding="utf-8",
    )
    result = invoke(runner, "load-surveys", str(tmp_path))
    assert result.exit_code == 1
    assert "bad.toml: 3 problem(s)" in result.output
    assert "questions[0].scale: 'nope' is not defined under [scales]" in result.output
    assert "questions[0].element: 'e' is not one of the elements" in result.output
    assert "Traceback" not in result.output


def test_missing_folder_and_bad_organisation_file_exit_cleanly(runner, tmp_path: Path):
    result = invoke(runner, "load-surveys", str(tmp_path / "nowhere"))
    assert result.exit_code != 0
    (tmp_path / "org.toml").write_text("format = 2\n", encoding="utf-8")
    result = invoke(runner, "load-org", str(tmp_path / "org.toml"))
    assert result.exit_code == 1
    assert "org.toml" in result.output and "format" in result.output and "Traceback" not in result.output


def test_demo_needs_the_organisation_and_refuses_to_mix_with_real_data(app, runner):
    result = invoke(runner, "demo", "--responses", "10")
    assert result.exit_code == 1 and "load the organisation first" in result.output
    invoke(runner, "load-org")
    invoke(runner, "load-surveys")
    assert invoke(runner, "demo", "--responses", "10").exit_code == 0
    refused = invoke(runner, "demo", "--responses", "10")
    assert refused.exit_code == 1 and "--append" in refused.output
    assert invoke(runner, "demo", "--responses", "5", "--append", "--seed", "9").exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 15


def test_export_writes_utf8_csv_with_one_column_per_question(app, runner, tmp_path: Path):
    invoke(runner, "setup-demo", "--responses", "400", "--seed", "3")
    out = tmp_path / "export.csv"
    result = invoke(runner, "export-responses", "--instrument", "sipas", "--out", str(out))
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so that spreadsheet programs read UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    with app.app_context():
        sipas_rows = db.session.scalar(
            select(func.count()).select_from(Response).join(Counter).where(Counter.instrument_code == "sipas")
        )
        agencies = set(db.session.scalars(select(Agency.code)))
    assert len(rows) == sipas_rows > 0
    assert {"response_id", "agency", "access_info", "improve", "comment"} <= set(rows[0])
    assert {row["agency"] for row in rows} <= agencies
    assert all(row["access_info"] in {"", "1", "2", "3", "4", "5"} for row in rows)
    comments = [row["comment"] for row in rows if row["comment"]]
    assert comments and any("ư" in c or "ộ" in c or "ạ" in c for c in comments)


def test_export_period_filter_and_bad_period(runner, tmp_path: Path):
    invoke(runner, "setup-demo", "--responses", "200", "--seed", "3")
    whole = invoke(runner, "export-responses")
    quarter = invoke(runner, "export-responses", "--period", "2026-Q2")
    assert 1 < len(quarter.output.splitlines()) < len(whole.output.splitlines())
    bad = invoke(runner, "export-responses", "--period", "2026-Q7")
    assert bad.exit_code == 1 and "is not a period" in bad.output
    unknown = invoke(runner, "export-responses", "--instrument", "nothing")
    assert unknown.exit_code == 1 and "no questionnaire 'nothing' is loaded" in unknown.output
