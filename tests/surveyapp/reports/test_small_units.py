"""Honest numbers for every unit, however small: units with no, one or two responses in a period, an item nobody
answered, everyone answering 5, a case evaluation from one case file. Every page, PDF report, export and JSON
answer renders, and says what the data allow: points as points, no interval where there is none, and "not
enough responses to conclude" where a change cannot be tested."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from surveyapp.db import db
from surveyapp.organisation.models import Counter
from surveyapp.periods import LOCAL_ZONE
from surveyapp.questionnaires.loader import current_version
from surveyapp.responses.service import Draft, record
from tests.helpers import SIPAS_CRITERIA
from tests.staff import ACCOUNTS, create_accounts, sign_in
from tests.surveyapp.reports.conftest import pdf_text

PERIOD, BEFORE = "2026-Q3", "2026-Q2"
#: Counters and what they get in ``PERIOD`` (and ``BEFORE``).
ONE = "ttpv-bac-yen-dat-dai"  # one SIPAS response (three before): the change cannot be tested
ALL_FIVE = "ttpv-phu-yen-dat-dai"  # two responses, every answer 5
SKIPPED = "ttpv-sop-cop-dat-dai"  # six responses, nobody answered access_info
NONE_NOW = "ttpv-van-ho-dat-dai"  # none (two before)
CASE = "so-tu-phap-2"  # one case file (two before, 18 and 4 points)
RATING = "so-tai-chinh-3"  # one one-tap rating
#: Every unit of the data: the counters, their agencies, their districts and the province.
UNITS = [
    *(("counter", code) for code in (ONE, ALL_FIVE, SKIPPED, NONE_NOW, CASE, RATING)),
    *(("agency", code) for code in ("ttpv-bac-yen", "ttpv-phu-yen", "ttpv-sop-cop", "ttpv-van-ho", "so-tu-phap")),
    ("agency", "so-tai-chinh"),
    *(("area", code) for code in ("bac-yen", "phu-yen", "sop-cop", "van-ho", "son-la")),
]
INSTRUMENTS = ("sipas", "rating", "case")


def _at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, 9, 30, tzinfo=LOCAL_ZONE)


def _respond(counter_code: str, when: dt.datetime, answers: dict, instrument: str = "sipas") -> None:
    counter = db.session.scalar(select(Counter).where(Counter.code == counter_code))
    draft = Draft(
        uuid=uuid.uuid4(),
        counter=counter,
        version=current_version(instrument),
        answers=answers,
        language="vi",
        started_at=when - dt.timedelta(minutes=3),
        submitted_at=when,
    )
    record(draft, 2000)


def _sipas(value: int, skip: tuple[str, ...] = ()) -> dict:
    answers = {code: (None if code in skip else value) for code in SIPAS_CRITERIA}
    return answers | {"overall": value, "harassment": "no", "informal_payment": "no", "improve": ["faster"]}


def _case(points: int) -> dict:
    """Nine indicators scored 2/1/0 adding up to ``points`` (skippable ones answered too)."""
    codes = ["total_time", "stage_time", "contacts", "agencies", "submission", "disclosure", "attitude", "feedback"]
    values = [2] * (points // 2) + [1] * (points % 2)
    values += [0] * (9 - len(values))
    return dict(zip([*codes, "result"], values, strict=True))


@pytest.fixture
def small_app(loaded_app):
    create_accounts(loaded_app, "office")
    with loaded_app.app_context():
        _respond(ONE, _at(8, 4), _sipas(4))
        for day in (5, 6, 7):
            _respond(ONE, _at(5, day), _sipas(5 if day != 6 else 3))
        for day in (4, 5):
            _respond(ALL_FIVE, _at(8, day), _sipas(5))
        for day, value in zip((3, 4, 5, 6, 7, 10), (5, 4, 3, 5, 2, 4), strict=True):
            _respond(SKIPPED, _at(8, day), _sipas(value, skip=("access_info",)))
        for day in (5, 6):
            _respond(NONE_NOW, _at(5, day), _sipas(4))
        _respond(CASE, _at(8, 6), _case(14), "case")
        _respond(CASE, _at(5, 6), _case(18), "case")
        _respond(CASE, _at(5, 7), _case(4), "case")
        _respond(RATING, _at(8, 6), {"rating": 3}, "rating")
    return loaded_app


def _client(app):
    client = app.test_client()
    account = ACCOUNTS["office"]
    assert sign_in(client, account.email, account.password).status_code == 302
    return client


def test_every_page_report_export_and_answer_renders_for_small_units(small_app):
    client = _client(small_app)
    for period in (PERIOD, BEFORE, "2026"):
        for instrument in INSTRUMENTS:
            query = f"period={period}&instrument={instrument}"
            for kind, code in UNITS:
                page = client.get(f"/agency/{kind}/{code}?{query}")
                assert page.status_code == 200 and page.mimetype == "text/html", (kind, code, query)
                for language in ("vi", "en"):
                    if period != PERIOD and language == "en":
                        continue
                    pdf = client.get(f"/reports/{kind}/{code}.pdf?{query}&lang={language}")
                    assert pdf.status_code in (200, 404), (kind, code, query, pdf.status_code)
                    if pdf.status_code == 200:
                        assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF"), (kind, code, query)
                    else:
                        assert "không có phiếu khảo sát" in pdf.get_data(as_text=True) or language == "en"
                unit = client.get(f"/api/v1/scores/{kind}/{code}?{query}")
                assert unit.status_code == 200 and unit.is_json, (kind, code, query)
            for level in ("counter", "agency", "district", "province"):
                # a level without responses to the questionnaire (no district answered the rating) is a 400
                listing = client.get(f"/api/v1/scores?{query}&level={level}")
                assert listing.status_code in (200, 400) and listing.is_json, (level, query)
                assert listing.status_code == 200 or "not a level with responses" in listing.json["message"]
                for fmt in ("csv", "xlsx"):
                    with client.get(f"/reports/exports/scores.{fmt}?{query}&level={level}") as export:
                        assert export.status_code == listing.status_code and export.data, (level, query, fmt)
            for fmt in ("csv", "xlsx"):
                with client.get(f"/reports/exports/responses.{fmt}?{query}") as export:
                    assert export.status_code == 200 and export.data, (query, fmt)
    for index in ("access_info", "access", "overall", "harassment"):
        page = client.get(f"/agency/agency/ttpv-sop-cop/index/{index}?period={PERIOD}")
        assert page.status_code == 200, index
    case_index = client.get(f"/agency/counter/{CASE}/index/points?period={PERIOD}&instrument=case")
    assert case_index.status_code == 200


def test_small_units_say_what_their_data_allow(small_app, tmp_path):
    client = _client(small_app)
    one = client.get(f"/agency/agency/ttpv-bac-yen?period={PERIOD}").get_data(as_text=True)
    assert "Thay đổi so với 2026-Q2:" in one and "Chưa đủ phiếu để kết luận" in one
    english = client.get(f"/agency/agency/ttpv-bac-yen?period={PERIOD}&lang=en").get_data(as_text=True)
    assert "Not enough responses to conclude" in english

    all_five = client.get(f"/agency/agency/ttpv-phu-yen?period={PERIOD}").get_data(as_text=True)
    assert "<strong>100,0%</strong>" in all_five
    nobody = client.get(f"/agency/agency/ttpv-sop-cop/index/access_info?period={PERIOD}").get_data(as_text=True)
    assert "chưa có số liệu" in nobody
    none_now = client.get(f"/agency/agency/ttpv-van-ho?period={PERIOD}").get_data(as_text=True)
    assert "Đơn vị này chưa có phiếu nào trong kỳ." in none_now

    # one case file: points out of 18, no interval (a mean from one response has no variance to estimate)
    case = client.get(f"/agency/counter/{CASE}?period={PERIOD}&instrument=case").get_data(as_text=True)
    assert "<strong>14,0 / 18 điểm</strong>" in case
    assert "quá ít phiếu để có khoảng tin cậy" in case
    assert "1400" not in case and "14.0" not in case
    # two case files far apart: their t interval is cut to the scale, 0 to 18 points
    before = client.get(f"/agency/counter/{CASE}?period={BEFORE}&instrument=case&lang=en").get_data(as_text=True)
    assert "<strong>11.0 / 18 points</strong>" in before and "[0.0–18.0]" in before

    pdf = client.get(f"/reports/counter/{CASE}.pdf?period={PERIOD}&instrument=case")
    assert pdf.status_code == 200
    text = pdf_text(pdf.data, tmp_path)
    assert "14,0 / 18 điểm" in text and "Chưa đủ phiếu để kết luận" in text
    assert "quá ít phiếu để có khoảng tin cậy" in text
    rating = client.get(f"/reports/counter/{RATING}.pdf?period={PERIOD}&instrument=rating&lang=en")
    assert rating.status_code == 200 and "Share satisfied" in pdf_text(rating.data, tmp_path)

    with client.get(f"/reports/exports/scores.xlsx?period={BEFORE}&instrument=case&level=counter") as workbook:
        book = load_workbook(io.BytesIO(workbook.data))
    sheet = book["scores"]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    formats = {
        row[header.index("index")].value: row[header.index("estimate")].number_format
        for row in sheet.iter_rows(min_row=2)
    }
    book.close()
    assert formats["points"] == "0.0" and formats["very_good"] == "0.0%"
