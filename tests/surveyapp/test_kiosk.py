"""The server-rendered kiosk: welcome, questionnaire, thank-you, and every way a post can be wrong."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid

import pytest
from sqlalchemy import select

import surveyapp.kiosk.views
from surveyapp.db import db
from surveyapp.organisation.models import Counter
from surveyapp.questionnaires.codec import decode
from surveyapp.responses.models import Response
from tests.helpers import form_of, response_count, sipas_form_answers, whole_form_of

SIPAS_COUNTER = "so-tu-phap-1"  # a counter with a fixed field of procedure
CHOOSING_COUNTER = "ttpv-moc-chau-tong-hop"  # the citizen chooses the field


def open_form(client, url, short: bool = False):
    """The form's action and hidden fields. Without ``short`` the list of questions asked is left out, as from
    a page that asked every question, so that tests can answer the whole questionnaire."""
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)
    return (form_of if short else whole_form_of)(page.get_data(as_text=True))


def is_checked(html: str, name: str, value: str) -> bool:
    inputs = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
    return any(f'value="{value}"' in tag and " checked" in tag for tag in inputs)


def stored(app) -> list[Response]:
    with app.app_context():
        rows = db.session.scalars(select(Response)).all()
        for row in rows:
            row.decoded = decode(row.questionnaire_version.definition, row.answers)
            row.counter_code, row.agency_code = row.counter.code, row.agency.code
            row.area_code = row.area.code
            row.field_code = row.field.code if row.field else None
        return rows


def test_welcome_is_vietnamese_by_default(loaded_client):
    page = loaded_client.get(f"/k/{SIPAS_COUNTER}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="vi">' in html
    assert "Hôm nay chúng tôi phục vụ Ông/Bà thế nào?" in html
    assert "Sở Tư pháp" in html and "Bắt đầu" in html
    assert "Tiếng Việt" in html and "English" in html


def test_welcome_in_english(loaded_client):
    html = loaded_client.get(f"/k/{SIPAS_COUNTER}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "How was our service today?" in html and "Department of Justice" in html


def test_unknown_language_falls_back_to_vietnamese(loaded_client):
    html = loaded_client.get(f"/k/{SIPAS_COUNTER}?lang=xx").get_data(as_text=True)
    assert '<html lang="vi">' in html


def test_counter_without_a_field_asks_for_one(loaded_client):
    html = loaded_client.get(f"/k/{CHOOSING_COUNTER}").get_data(as_text=True)
    assert "Hồ sơ của Ông/Bà thuộc lĩnh vực nào?" in html
    assert f"/k/{CHOOSING_COUNTER}/survey?lang=vi&amp;field=land" in html
    redirect = loaded_client.get(f"/k/{CHOOSING_COUNTER}/survey")
    assert redirect.status_code == 302 and redirect.headers["Location"].endswith(f"/k/{CHOOSING_COUNTER}?lang=vi")


def test_unknown_counter_is_404_with_a_sentence(loaded_client):
    page = loaded_client.get("/k/no-such-counter")
    assert page.status_code == 404
    assert "Không có quầy phục vụ nào mang mã no-such-counter." in page.get_data(as_text=True)


def test_retired_counter_is_410(loaded_app, loaded_client):
    import datetime as dt

    with loaded_app.app_context():
        counter = db.session.scalar(select(Counter).where(Counter.code == SIPAS_COUNTER))
        counter.retired_on = dt.date(2020, 1, 1)
        db.session.commit()
    page = loaded_client.get(f"/k/{SIPAS_COUNTER}")
    assert page.status_code == 410
    assert "Quầy này không còn hoạt động." in page.get_data(as_text=True)
    assert loaded_client.post(f"/k/{SIPAS_COUNTER}/survey", data={}).status_code == 410


def test_questionnaire_page_shows_one_question_per_screen_and_a_fresh_response_id(loaded_client):
    page = loaded_client.get(f"/k/{SIPAS_COUNTER}/survey")
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert html.count('class="screen"') == 9  # the short form's closed questions
    assert html.count('class="screen review"') == 1  # the comment, what was left unanswered, Send
    assert "Nhìn chung, Ông/Bà hài lòng thế nào" in html and "Rất hài lòng" in html and "Không ý kiến" in html
    full = loaded_client.get("/k/so-noi-vu-1/survey").get_data(as_text=True)  # a counter keeping the full form
    assert full.count('class="screen"') == 30 and "Trụ sở sạch sẽ, văn minh" in full
    _, first = form_of(html)
    _, second = form_of(loaded_client.get(f"/k/{SIPAS_COUNTER}/survey").get_data(as_text=True))
    assert uuid.UUID(first["response_id"]) != uuid.UUID(second["response_id"])
    assert first["csrf_token"]


def test_a_complete_answer_is_stored_once_with_its_context(loaded_app, loaded_client):
    loaded_app.config["FLAG_HOURS_GRACE_MINUTES"] = 24 * 60  # whatever the hour the test runs at
    action, hidden = open_form(loaded_client, f"/k/{SIPAS_COUNTER}/survey")
    started = dt.datetime.fromisoformat(hidden["started_at"]) - dt.timedelta(minutes=2)  # a person reads
    hidden["started_at"] = started.isoformat()
    data = {**hidden, **sipas_form_answers(4), "q-access_info": "skip", "q-comment": "Rất tốt"}
    posted = loaded_client.post(action, data=data)
    assert posted.status_code == 303
    assert posted.headers["Location"].endswith(f"/k/{SIPAS_COUNTER}/thanks?lang=vi")
    thanks = loaded_client.get(posted.headers["Location"]).get_data(as_text=True)
    assert "Xin cảm ơn Ông/Bà!" in thanks and f'url=/k/{SIPAS_COUNTER}"' in thanks

    [row] = stored(loaded_app)
    assert str(row.uuid) == hidden["response_id"]
    assert (row.counter_code, row.agency_code, row.area_code, row.field_code) == (
        SIPAS_COUNTER,
        "so-tu-phap",
        "son-la",
        "judicial-record",
    )
    assert row.language == "vi" and row.channel == "kiosk" and row.status == "ok"
    assert row.decoded["access_info"] is None and row.decoded["access_signs"] == 4
    assert row.decoded["improve"] == ["online", "faster"] and row.decoded["sex"] is None
    assert row.comment == "Rất tốt"
    assert row.started_at <= row.submitted_at <= row.received_at or row.received_at >= row.started_at


def test_double_tap_and_reload_store_once(loaded_app, loaded_client, monkeypatch):
    action, hidden = open_form(loaded_client, f"/k/{SIPAS_COUNTER}/survey")
    data = {**hidden, **sipas_form_answers(5)}
    late = dt.datetime.now(dt.UTC).replace(microsecond=900000) + dt.timedelta(seconds=2)
    moments = iter([late, late + dt.timedelta(milliseconds=200)])  # the two taps straddle a second
    monkeypatch.setattr(surveyapp.kiosk.views, "utcnow", lambda: next(moments, dt.datetime.now(dt.UTC)))
    assert loaded_client.post(action, data=data).status_code == 303
    assert loaded_client.post(action, data=data).status_code == 303  # a second later: the same response
    with loaded_app.app_context():
        assert response_count() == 1


def test_same_id_with_other_answers_is_a_conflict(loaded_app, loaded_client):
    action, hidden = open_form(loaded_client, f"/k/{SIPAS_COUNTER}/survey")
    assert loaded_client.post(action, data={**hidden, **sipas_form_answers(5)}).status_code == 303
    conflict = loaded_client.post(action, data={**hidden, **sipas_form_answers(1)})
    assert conflict.status_code == 409
    assert "Phiếu này đã được gửi trước đó với nội dung khác." in conflict.get_data(as_text=True)
    with loaded_app.app_context():
        assert response_count() == 1


def test_english_answers_record_their_language(loaded_app, loaded_client):
    action, hidden = open_form(loaded_client, f"/k/{SIPAS_COUNTER}/survey?lang=en")
    assert "Satisfaction with administrative services" in loaded_client.get(action).get_data(as_text=True)
    assert loaded_client.post(action, data={**hidden, **sipas_form_answers(4)}).status_code == 303
    assert stored(loaded_app)[0].language == "en"


def test_field_chosen_on_the_welcome_screen_is_stored(loaded_app, loaded_client):
    action, hidden = open_form(loaded_client, f"/k/{CHOOSING_COUNTER}/survey?lang=vi&field=civil-status")
    assert loaded_client.post(action, data={**hidden, **sipas_form_answers(4)}).status_code == 303
    assert stored(loaded_app)[0].field_code == "civil-status"


def test_unknown_field_of_procedure_on_post_is_400(loaded_client):
    _, hidden = open_form(loaded_client, f"/k/{CHOOSING_COUNTER}/survey?field=land")
    posted = loaded_client.post(
        f"/k/{CHOOSING_COUNTER}/survey?field=astrology", data={**hidden, **sipas_form_answers()}
    )
    assert posted.status_code == 400


def test_comment_is_normalised_to_nfc(loaded_app, loaded_client):
    action, hidden = open_form(loaded_client, f"/k/{SIPAS_COUNTER}/survey")
    decomposed = unicodedata.normalize("NFD", "Cán bộ hướng dẫn tận tình")
    data = {**hidden, **sipas_form_answers(5), "q-comment": decomposed}
    assert loaded_client.post(action, data=data).status_code == 303
    comment = stored(loaded_app)[0].comment
    assert comment == unicodedata.normalize("NFC", decomposed) and comment != decomposed


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"q-access_info": "6"}, 422, "Not a valid choice"),
        ({"q-harassment": "perhaps"}, 422, "Not a valid choice"),
        ({"q-improve": ["online", "faster", "simpler", "skills"]}, 422, "Chọn tối đa 3 ý."),
        ({"q-comment": "x" * 1001}, 422, "Ý kiến xin không dài quá 1000 ký tự."),
        ({"q-sneaky": "1"}, 400, "Biểu mẫu có trường không hợp lệ: q-sneaky."),
        ({"response_id": "not-a-uuid"}, 400, ""),
        ({"started_at": "yesterday"}, 400, "Thời điểm bắt đầu của phiếu không hợp lệ."),
        ({"started_at": "2026-01-01T08:00:00"}, 400, "thiếu múi giờ"),
    ],
    ids=[
        "out-of-range",
        "unknown-option",
        "too-many-choices",
        "comment-too-long",
        "unknown-field",
        "bad-id",
        "bad-start",
        "naive-start",
    ],
)
def test_invalid_posts_are_refused_and_store_nothing(loaded_app, loaded_client, change, status, words):
    action, hidden = open_form(loaded_client, f"/k/{SIPAS_COUNTER}/survey")
    posted = loaded_client.post(action, data={**hidden, **sipas_form_answers(5), **change})
    assert posted.status_code == status
    assert words in posted.get_data(as_text=True)
    with loaded_app.app_context():
        assert response_count() == 0


def test_missing_required_answer_is_shown_beside_the_question(loaded_app, loaded_client):
    action, hidden = open_form(loaded_client, "/k/so-tu-phap-2/survey")  # the case evaluation
    posted = loaded_client.post(action, data={**hidden, "q-total_time": "2"})
    html = posted.get_data(as_text=True)
    assert posted.status_code == 422
    assert "Xin Ông/Bà chọn một câu trả lời." in html
    assert is_checked(html, "q-total_time", "2")  # what was answered stays answered
    with loaded_app.app_context():
        assert response_count() == 0


def test_missing_or_forged_csrf_token_keeps_the_answers_and_stores_nothing(loaded_app, loaded_client):
    action, hidden = open_form(loaded_client, f"/k/{SIPAS_COUNTER}/survey")
    hidden["csrf_token"] = "forged"
    posted = loaded_client.post(action, data={**hidden, **sipas_form_answers(4), "q-comment": "Giữ lại"})
    html = posted.get_data(as_text=True)
    assert posted.status_code == 400
    assert "xin bấm Gửi ý kiến một lần nữa" in html
    assert "Giữ lại" in html and is_checked(html, "q-access_info", "4")
    with loaded_app.app_context():
        assert response_count() == 0
    _, fresh = form_of(html)
    assert fresh["csrf_token"] != "forged" and fresh["response_id"] == hidden["response_id"]
    again = loaded_client.post(action, data={**fresh, **sipas_form_answers(4), "q-comment": "Giữ lại"})
    assert again.status_code == 303


def test_oversized_body_is_413(loaded_client):
    posted = loaded_client.post(f"/k/{SIPAS_COUNTER}/survey", data={"q-comment": "x" * 70_000})
    assert posted.status_code == 413


def test_one_tap_rating(loaded_app, loaded_client):
    action, hidden = open_form(loaded_client, "/k/ttpv-quynh-nhai-tong-hop/survey?field=land")
    assert loaded_client.post(action, data={**hidden, "q-rating": "3"}).status_code == 303
    [row] = stored(loaded_app)
    assert row.decoded == {"rating": 3, "reason": None}


def test_the_one_tap_faces_are_the_welcome_screen_and_need_no_field(loaded_app, loaded_client):
    page = loaded_client.get("/k/ttpv-quynh-nhai-tong-hop")
    html = page.get_data(as_text=True)
    assert 'data-one-tap="true"' in html and html.count('class="choice tone-') == 5
    action, hidden = form_of(html)
    answer = {**hidden, "q-rating": "5", "q-reason": "staff"}
    sent = loaded_client.post(action, data=answer, headers={"Accept": "application/json"})
    assert sent.status_code == 201 and sent.get_json()["status"] == "stored"  # what kiosk.js reads
    again = loaded_client.post(action, data=answer, headers={"Accept": "application/json"})
    assert again.status_code == 201  # a retry of the same answers stores nothing twice
    [row] = stored(loaded_app)
    assert row.decoded == {"rating": 5, "reason": "staff"}
    assert row.field_code is None


def test_the_short_form_stores_what_was_asked_and_refuses_other_questions(loaded_app, loaded_client):
    action, hidden = open_form(loaded_client, f"/k/{SIPAS_COUNTER}/survey", short=True)
    asked = hidden["asked"].split()
    assert len(asked) == 10  # one criterion per element, overall, two integrity questions, who for, comment
    data = {**hidden, **{f"q-{code}": "5" for code in asked[:6]}, "q-respondent": "organisation"}
    assert loaded_client.post(action, data=data).status_code == 303
    [row] = stored(loaded_app)
    assert {code for code, value in row.decoded.items() if value not in (None, [])} == {*asked[:6], "respondent"}
    action, hidden = open_form(loaded_client, f"/k/{SIPAS_COUNTER}/survey", short=True)
    refused = loaded_client.post(action, data={**hidden, "asked": "access_info nowhere"})
    assert refused.status_code == 400
    assert "không thuộc bảng hỏi này" in refused.get_data(as_text=True)
    assert len(stored(loaded_app)) == 1


def test_errors_answer_json_to_api_clients(loaded_client):
    page = loaded_client.get("/k/nowhere", headers={"Accept": "application/json"})
    assert page.status_code == 404 and page.is_json
    assert "nowhere" in page.get_json()["message"]
