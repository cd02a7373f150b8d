"""The command line: set-up, loading with clear refusals, demo data and the CSV export."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from sqlalchemy import func, select

from surveyapp.audit.models import AuditEntry
from surveyapp.auth.models import User
from surveyapp.db import db
from surveyapp.organisation.models import Agency, Counter
from surveyapp.questionnaires.models import QuestionnaireVersion
from surveyapp.responses.models import Response


def invoke(runner, *args):
    return runner.invoke(args=list(args), catch_exceptions=False)


def test_setup_demo_builds_everything_and_is_repeatable(app, runner):
    result = invoke(runner, "setup-demo", "--responses", "300", "--seed", "7")
    assert result.exit_code == 0, result.output
    assert "288 areas, 114 agencies, 184 counters" in result.output
    assert "Generated 300 demo responses" in result.output
    gamed = re.search(r"games its counter: (\d+) responses, (\d+) of them flagged", result.output)
    assert gamed, result.output
    again = invoke(runner, "setup-demo", "--responses", "300")
    assert again.exit_code == 0
    assert "unchanged" in again.output and "keeping them" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 300 + int(gamed[1])
        assert db.session.scalar(select(func.count()).select_from(QuestionnaireVersion)) == 5


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


def test_first_office_account_reset_and_listing(app, runner):
    invoke(runner, "load-org")
    created = runner.invoke(
        args=["create-user", "--email", "Chanh.VP@sonla.gov.vn", "--name", "Chánh Văn phòng", "--password-stdin"],
        input="a long enough password\n",
    )
    assert created.exit_code == 0, created.output
    assert "chanh.vp@sonla.gov.vn (reform_office, province)" in created.output
    again = runner.invoke(
        args=["create-user", "--email", "chanh.vp@sonla.gov.vn", "--name", "X", "--password-stdin"],
        input="a long enough password\n",
    )
    assert again.exit_code == 1 and "already exists" in again.output
    short = runner.invoke(
        args=[
            "create-user",
            "--email",
            "b@sonla.gov.vn",
            "--name",
            "B",
            "--role",
            "viewer",
            "--scope",
            "area:phuong-moc-chau",
            "--password-stdin",
        ],
        input="short\n",
    )
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    wrong_scope = runner.invoke(
        args=[
            "create-user",
            "--email",
            "c@sonla.gov.vn",
            "--name",
            "C",
            "--role",
            "agency_manager",
            "--scope",
            "area:phuong-moc-chau",
            "--password-stdin",
        ],
        input="a long enough password\n",
    )
    assert wrong_scope.exit_code == 1 and "works over: agency" in wrong_scope.output
    reset = invoke(runner, "reset-password", "chanh.vp@sonla.gov.vn")
    assert reset.exit_code == 0 and "New password for chanh.vp@sonla.gov.vn: " in reset.output
    assert invoke(runner, "reset-password", "nobody@x.vn").exit_code == 1
    listing = invoke(runner, "list-users")
    assert "chanh.vp@sonla.gov.vn" in listing.output and "reform_office" in listing.output
    with app.app_context():
        stored = db.session.scalar(select(User).where(User.email == "chanh.vp@sonla.gov.vn"))
        assert stored.name == "Chánh Văn phòng" and stored.password_hash.startswith("scrypt:")
        assert [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))] == [
            "user_created",
            "password_reset",
        ]


def test_setup_demo_creates_one_account_per_role(app, runner):
    result = invoke(runner, "setup-demo", "--responses", "0")
    assert "office@demo.sonla.vn" in result.output and "demo-so-noi-vu" in result.output
    with app.app_context():
        roles = {u.role for u in db.session.scalars(select(User)) if u.demo}
    assert roles == {"reform_office", "area_officer", "agency_manager", "counter_supervisor", "viewer"}
