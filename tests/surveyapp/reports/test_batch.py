"""``flask reports``: a batch of PDF reports rendered by a pool of processes, written atomically, summarised."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from surveyapp.audit.models import AuditEntry
from surveyapp.db import db
from surveyapp.reports import batch
from tests.surveyapp.reports.conftest import PERIOD, pdf_text


def test_a_batch_in_two_processes(demo_app, tmp_path):
    out = tmp_path / "reports"
    args = ["reports", "--period", PERIOD.code, "--unit", "ttpv-moc-chau", "--unit", "so-tu-phap"]
    result = demo_app.test_cli_runner().invoke(args=[*args, "--lang", "en", "--jobs", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Wrote 2 agency reports for 2026-Q3 (en) to {out} in " in result.output
    assert "with 2 processes." in result.output
    files = sorted(p.name for p in out.iterdir())
    assert files == ["2026-Q3-agency-so-tu-phap-en.pdf", "2026-Q3-agency-ttpv-moc-chau-en.pdf"]  # nothing partial
    text = pdf_text((out / files[0]).read_bytes(), tmp_path)
    assert "Department of Justice" in text and "CITIZEN SATISFACTION REPORT" in text and "Page 1 / " in text
    with demo_app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "reports_generated"))
    assert entry.actor == "cli" and entry.details["written"] == 2 and entry.details["failed"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026-Q9"], "is not a period"),
        (["--period", "2026-Q3", "--level", "planet"], "'planet' is not a level of the organisation"),
        (["--period", "2026-Q3", "--unit", "nope"], "There is no agency with the code 'nope'."),
        (["--period", "2026-Q3", "--level", "district", "--unit", "so-tu-phap"], "There is no district"),
        (["--period", "2026-Q3", "--lang", "fr"], "Reports are written in vi or en; not in 'fr'."),
        (["--period", "2026-Q3", "--jobs", "0"], "--jobs needs at least one process."),
        (["--level", "agency"], "Give the period (--period 2026-Q3)"),
    ],
)
def test_bad_input_exits_with_1_and_a_sentence(loaded_app, tmp_path, args, message):
    result = loaded_app.test_cli_runner().invoke(args=["reports", *args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_an_unwritable_folder_and_units_without_responses(loaded_app, tmp_path):
    runner = loaded_app.test_cli_runner()
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    result = runner.invoke(args=["reports", "--period", "2026-Q3", "--out", str(blocked / "sub")])
    assert result.exit_code == 1 and "Cannot create the folder" in result.output
    result = runner.invoke(args=["reports", "--period", "2020-Q1", "--unit", "so-tu-phap", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Wrote 0 agency reports" in result.output and "No scored responses, no report: so-tu-phap." in result.output


def test_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    def refuse(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(batch.os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        batch.write_atomically(tmp_path / "report.pdf", b"%PDF-1.7")
    assert list(tmp_path.iterdir()) == []
