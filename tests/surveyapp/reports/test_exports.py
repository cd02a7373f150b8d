"""Exports open in a spreadsheet: XLSX read back with openpyxl, CSV with a byte-order mark; they carry the
period, questionnaire versions and settings, hold the numbers ``scoring`` computed, and leave out what could
identify a citizen."""

from __future__ import annotations

import csv
import io
import math

from openpyxl import load_workbook
from sqlalchemy import func, select

from surveyapp.db import db
from surveyapp.questionnaires.models import Instrument, QuestionnaireVersion
from surveyapp.reports import exports
from surveyapp.responses.export import ANONYMOUS_COLUMNS
from surveyapp.responses.models import Response
from surveyapp.scores.output import CSV_COLUMNS
from surveyapp.scores.service import compute_scores
from tests.staff import ACCOUNTS, sign_in
from tests.surveyapp.reports.conftest import HOSTILE, PERIOD

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def signed_in(app, role: str = "office"):
    client = app.test_client()
    account = ACCOUNTS[role]
    assert sign_in(client, account.email, account.password).status_code == 302
    return client


def workbook(response):
    with response:
        assert response.status_code == 200 and response.mimetype == XLSX
        return load_workbook(io.BytesIO(response.data))


def test_scores_as_xlsx_and_csv_carry_the_numbers_and_how_they_were_computed(demo_app):
    client = signed_in(demo_app)
    book = workbook(client.get(f"/reports/exports/scores.xlsx?period={PERIOD.code}&level=former_district"))
    assert book.sheetnames == ["scores", "Thông tin về tệp"]
    rows = list(book["scores"].iter_rows(values_only=True))
    assert rows[0] == CSV_COLUMNS
    about = dict(book["Thông tin về tệp"].iter_rows(values_only=True))
    with demo_app.app_context():
        report = compute_scores(PERIOD)
    assert about["Kỳ"].startswith("2026-Q3 (01/07/2026 – 30/09/2026)")
    assert about["Phiếu khảo sát"] == "sipas (sipas v1, sipas v2)"
    assert about["Cấu hình tính điểm"] == report.settings.describe()
    assert about["Số phiếu được tính"] == report.responses
    by_key = {(row[5], row[8]): dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]}
    for unit_id, unit in report.units["former_district"].items():
        if unit_id not in report.respondents["former_district"]:
            continue
        estimate = report.main.get("former_district", unit_id, "overall")
        row = by_key[(unit.code, "overall")]
        assert row["name"] == unit.name and row["period"] == "2026-Q3" and row["versions"] == "sipas v1 sipas v2"
        assert math.isclose(row["estimate"], estimate.estimate) and math.isclose(row["upper"], estimate.upper)
        assert (
            row["decision"] == estimate.decision
            and row["respondents"] == report.respondents["former_district"][unit_id]
        )
    assert "Thị xã Mộc Châu" in {row["name"] for row in by_key.values()}
    cell = book["scores"].cell(row=2, column=CSV_COLUMNS.index("estimate") + 1)
    assert cell.number_format == "0.0%"

    response = client.get(f"/reports/exports/scores.csv?period={PERIOD.code}&level=former_district")
    assert response.is_streamed and response.mimetype == "text/csv"
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(lines[0]) == CSV_COLUMNS and len(lines) == len(rows)
    assert {line[3] for line in lines[1:]} == {report.settings.describe()}


def test_responses_are_anonymised_and_scoped(demo_app):
    client = signed_in(demo_app)
    book = workbook(client.get(f"/reports/exports/responses.xlsx?period={PERIOD.code}"))
    rows = list(book["responses"].iter_rows(values_only=True))
    header = rows[0]
    assert header[: len(ANONYMOUS_COLUMNS)] == ANONYMOUS_COLUMNS and header[-1] == "comment"
    assert not {"response_id", "case_code", "started_at", "submitted_at"} & set(header)
    with demo_app.app_context():
        expected = db.session.scalar(
            select(func.count())
            .select_from(Response)
            .join(QuestionnaireVersion)
            .join(Instrument)
            .where(Instrument.code == "sipas")
            .where(Response.submitted_at >= PERIOD.start, Response.submitted_at < PERIOD.end)
        )
    assert len(rows) - 1 == expected
    records = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert {r["access_info"] for r in records} <= {None, 1, 2, 3, 4, 5}
    assert all(str(r["submitted_on"]).startswith("2026-0") for r in records)
    assert HOSTILE in {r["comment"] for r in records}
    about = dict(book["Thông tin về tệp"].iter_rows(values_only=True))
    assert about["Phạm vi"] == "province" and "Không có mã phiếu, mã hồ sơ" in about["Ẩn danh"]

    area = signed_in(demo_app, "area")
    text = area.get(f"/reports/exports/responses.csv?period={PERIOD.code}").data.decode("utf-8-sig")
    scoped = list(csv.DictReader(io.StringIO(text)))
    assert scoped and {r["area"] for r in scoped} == {"phuong-moc-chau"}
    counts = {}
    for r in scoped:
        counts[r["counter"]] = counts.get(r["counter"], 0) + 1
    for r in scoped:
        if counts[r["counter"]] < 5:
            assert r["comment"] == ""  # too few responses at that counter: a comment could identify someone


def test_bad_requests_get_a_sentence(demo_app, monkeypatch):
    client = signed_in(demo_app)
    cases = [
        ("/reports/exports/scores.csv?period=2026-Q9", 400, "is not a period"),
        (f"/reports/exports/scores.csv?period={PERIOD.code}&level=planet", 400, "không phải là cấp có phiếu"),
        (f"/reports/exports/scores.csv?period={PERIOD.code}&instrument=nothing", 422, "nothing"),
        (f"/reports/exports/scores.csv?period={PERIOD.code}&field=nowhere", 422, "nowhere"),
        (f"/reports/exports/responses.csv?period={PERIOD.code}&instrument=nothing", 400, "khảo sát &#39;nothing&#39;"),
        (f"/reports/exports/responses.pdf?period={PERIOD.code}", 404, "CSV (.csv) hoặc XLSX"),
        (f"/reports/agency/ttpv-moc-chau.pdf?period={PERIOD.code}&lang=fr", 400, "không có bằng &#39;fr&#39;"),
        (f"/reports/area/son-la/comparison.pdf?period={PERIOD.code}&level=province&lang=en", 400, "compare one of"),
        ("/reports/agency/ttpv-moc-chau.pdf?period=2020-Q1", 404, "được tính điểm trong kỳ 2020-Q1"),
        (f"/reports/planet/earth.pdf?period={PERIOD.code}", 404, "Không có đơn vị này."),
    ]
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)
    cases.append((f"/reports/exports/responses.xlsx?period={PERIOD.code}&lang=en", 422, "export CSV instead"))
    for url, status, words in cases:
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
        assert words in response.get_data(as_text=True), url
