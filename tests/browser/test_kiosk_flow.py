"""A citizen answers the browser kiosk by tapping, in headless Chromium: one question per screen, faces in one
row at every size, the answers stored once even when sending fails, and nothing left for the next person."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from surveyapp.db import db
from surveyapp.questionnaires.codec import decode
from surveyapp.responses.models import Response

pytestmark = pytest.mark.browser
# Storage on both databases is the concern of the tests of the kiosk views and the response service; here the
# screens are (``layout``: SQLite only), except the two walks that check what is stored end to end.

SIPAS = "so-tu-phap-1"  # the short form
FULL = "so-noi-vu-1"  # a counter that keeps the full form
WITH_FIELDS = "ttpv-moc-chau-tong-hop"  # the citizen chooses the field of their case
RATING = "ttpv-quynh-nhai-tong-hop"
VIEWPORTS = {"landscape tablet": (1280, 800), "portrait tablet": (800, 1280), "phone": (390, 844)}


def stored_responses(app):
    with app.app_context():
        rows = db.session.scalars(select(Response).order_by(Response.id)).all()
        return [
            (
                str(row.uuid),
                row.language,
                row.field.code if row.field else None,
                row.comment,
                decode(row.questionnaire_version.definition, row.answers),
            )
            for row in rows
        ]


def visible_screens(page) -> list[str]:
    return page.eval_on_selector_all("section.screen", "els => els.filter(e => !e.hidden).map(e => e.id)")


def current_screen(page):
    [screen] = visible_screens(page)
    return page.locator(f"#{screen}")


SHOWN = "() => JSON.stringify([...document.querySelectorAll('section.screen')].filter(e => !e.hidden).map(e => e.id))"


def advance_by(page, locator) -> None:
    """Tap ``locator`` and wait until the kiosk has moved to another screen by itself."""
    before = page.evaluate(SHOWN)
    locator.tap()
    page.wait_for_function(f"before => ({SHOWN})() !== before", arg=before)


def tap_face(page, position: int) -> None:
    """Tap the face at ``position`` (0 = very dissatisfied) on the current screen; the next screen follows."""
    advance_by(page, current_screen(page).locator("label.choice:not(.skip)").nth(position))


@pytest.fixture
def kiosk_page(browser, live_server, request):
    """A kiosk tablet at the viewport given by ``request.param`` (default: landscape)."""
    width, height = getattr(request, "param", VIEWPORTS["landscape tablet"])
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=True, base_url=live_server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], errors


def next_until_the_last_screen(page) -> None:
    while page.locator(".steps .next").is_visible():
        page.locator(".steps .next").tap()


def test_the_full_form_one_question_per_screen_in_vietnamese(page, loaded_app):
    page.goto(f"/k/{FULL}")
    assert page.locator("h1").inner_text() == "Hôm nay chúng tôi phục vụ Ông/Bà thế nào?"
    page.get_by_role("link", name="Bắt đầu").tap()
    page.wait_for_selector("form.survey")
    total = page.locator("section.screen:not(.review)").count()
    assert total == 30
    assert page.locator(".progress-text").inner_text() == f"Câu 1/{total}"

    advance_by(page, current_screen(page).locator("label.choice.skip"))  # "Không ý kiến" moves on by itself too
    assert page.locator(".progress-text").inner_text() == f"Câu 2/{total}"
    while True:
        screen = current_screen(page)
        if "review" in (screen.get_attribute("class") or ""):
            break
        kind = screen.locator(".question").get_attribute("data-type")
        if kind == "scale":
            tap_face(page, 3)  # "Hài lòng" (4)
        elif kind == "single":
            if screen.get_attribute("data-code") in ("sex", "age", "ethnicity", "education", "occupation"):
                page.get_by_role("button", name=re.compile("Tiếp")).tap()  # skipped without a word
            else:
                advance_by(page, screen.locator("label.option").last)  # "no opinion"
        else:  # choose up to three, then Next
            screen.locator("label.option").nth(1).tap()
            page.get_by_role("button", name=re.compile("Tiếp")).tap()

    assert page.locator(".progress-text").inner_text() == "Đã xem hết các câu hỏi"
    skipped = page.locator(".unanswered-list button").all_inner_texts()
    assert skipped[0].startswith("Giới tính") and len(skipped) == 5  # the profile questions passed by
    page.locator("#screen-review textarea").fill("Cán bộ tận tình, chu đáo")
    page.get_by_role("button", name=re.compile("Gửi ý kiến")).tap()
    page.wait_for_selector("#thanks:not([hidden])")

    [(_, language, field, comment, answers)] = stored_responses(loaded_app)
    assert (language, field, comment) == ("vi", "other", "Cán bộ tận tình, chu đáo")
    assert answers["access_info"] is None  # tapped "Không ý kiến"
    assert answers["access_signs"] == 4 and answers["feedback_notified"] == 4 and answers["overall"] == 4
    assert answers["harassment"] is None and answers["improve"] == ["simpler"]
    assert answers["sex"] is None

    page.wait_for_url(re.compile(rf"/k/{FULL}$"), timeout=10_000)  # forgets the citizen after thanking them
    assert page.locator("h1").inner_text() == "Hôm nay chúng tôi phục vụ Ông/Bà thế nào?"


@pytest.mark.layout
def test_the_short_form_takes_at_most_twelve_taps_and_asks_every_element(page, loaded_app):
    taps = 0

    def tap(locator) -> None:
        nonlocal taps
        taps += 1
        advance_by(page, locator)

    page.goto(f"/k/{WITH_FIELDS}")
    taps += 1
    page.get_by_role("link", name="Đất đai").tap()  # the field of the case is the start
    page.wait_for_selector("form.survey")
    while True:
        screen = current_screen(page)
        if "review" in (screen.get_attribute("class") or ""):
            break
        if screen.locator(".question").get_attribute("data-type") == "scale":
            tap(screen.locator("label.choice:not(.skip)").nth(4))
        else:
            tap(screen.locator("label.option").first)  # "Có" / for myself
    taps += 1
    page.get_by_role("button", name=re.compile("Gửi ý kiến")).tap()
    page.wait_for_selector("#thanks:not([hidden])")
    assert taps <= 12, taps
    [(_, _, field, _, answers)] = stored_responses(loaded_app)
    criteria = [code for code, value in answers.items() if value == 5 and code != "overall"]
    assert field == "land" and answers["overall"] == 5 and answers["respondent"] == "self"
    assert sorted(code.split("_")[0] for code in criteria) == ["access", "feedback", "procedure", "result", "staff"]
    assert sum(value is not None for code, value in answers.items() if code.split("_")[0] in {"access", "staff"}) == 2


@pytest.mark.layout
def test_a_question_left_is_named_before_sending_and_can_be_answered(page, loaded_app):
    page.goto(f"/k/{WITH_FIELDS}?lang=en")
    page.get_by_role("link", name="Land").tap()
    page.wait_for_selector("form.survey")
    tap_face(page, 4)
    assert visible_screens(page) == ["screen-2"]
    page.get_by_role("button", name=re.compile("Back")).tap()
    assert visible_screens(page) == ["screen-1"]
    assert page.locator("#screen-1 input:checked").count() == 1  # the answer given is still there
    next_until_the_last_screen(page)
    assert visible_screens(page) == ["screen-review"]
    left = page.locator(".unanswered-list button")
    assert left.count() == 8  # the short form's nine questions, less the one answered
    second = page.locator("#screen-2").get_attribute("data-code")
    left.first.tap()
    assert visible_screens(page) == ["screen-2"]
    tap_face(page, 0)
    assert visible_screens(page) == ["screen-review"]  # straight back to the last screen
    assert page.locator(".unanswered-list button").count() == 7
    first = page.locator("#screen-1").get_attribute("data-code")
    page.get_by_role("button", name=re.compile("Send")).tap()
    page.wait_for_selector("text=Thank you!")
    [(_, language, field, _, answers)] = stored_responses(loaded_app)
    assert (language, field, answers[first], answers[second]) == ("en", "land", 5, 1)


@pytest.mark.layout
def test_the_language_changes_in_the_middle_without_losing_answers(page, loaded_app):
    page.goto(f"/k/{SIPAS}/survey")
    entries = page.evaluate("history.length")
    tap_face(page, 4)
    tap_face(page, 2)
    response_id = page.locator("input[name=response_id]").input_value()
    assert page.locator(".languages").is_visible()
    page.get_by_role("link", name="English").tap()
    page.wait_for_url(re.compile(r"lang=en"))
    assert visible_screens(page) == ["screen-3"]
    assert page.locator(".progress-text").inner_text() == "Question 3 of 9"
    assert page.locator("input[name=response_id]").input_value() == response_id
    assert page.locator("#screen-1 input:checked").get_attribute("value") == "5"
    assert page.locator("#screen-2 input:checked").get_attribute("value") == "3"
    assert page.evaluate("history.length") == entries  # the kiosk never piles up history


@pytest.mark.layout
def test_required_question_holds_the_screen_until_answered(page, loaded_app):
    page.goto("/k/so-tu-phap-2/survey")  # case evaluation: most indicators are required
    page.get_by_role("button", name=re.compile("Tiếp")).tap()
    assert visible_screens(page) == ["screen-1"]
    assert page.locator("#screen-1 .error.client").first.inner_text() == "Xin Ông/Bà chọn một câu trả lời."
    advance_by(page, page.locator("#screen-1 label.choice").first)
    assert page.locator("#screen-1 .error.client").count() == 0
    assert visible_screens(page) == ["screen-2"]
    assert stored_responses(loaded_app) == []


@pytest.mark.layout
@pytest.mark.parametrize("kiosk_page", VIEWPORTS.values(), ids=VIEWPORTS.keys(), indirect=True)
@pytest.mark.parametrize("larger", [False, True], ids=["normal text", "A+"])
@pytest.mark.layout
def test_the_five_faces_stay_in_one_row_in_order(kiosk_page, larger):
    page = kiosk_page
    page.goto(f"/k/{SIPAS}/survey")
    if larger:
        page.locator(".view-option[data-view='large-text']").tap()
    boxes = page.locator("#screen-1 label.choice:not(.skip)").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right]; })"
    )
    width = page.viewport_size["width"]
    assert len(boxes) == 5
    assert max(top for _, top, _ in boxes) - min(top for _, top, _ in boxes) < 1  # one row
    assert [left for left, _, _ in boxes] == sorted(left for left, _, _ in boxes)  # very dissatisfied first
    assert all(left >= 0 and right <= width for left, _, right in boxes)  # nothing off the screen
    assert all(right - left >= 48 for left, _, right in boxes)  # still a finger's width
    labels = page.locator("#screen-1 label.choice:not(.skip) .choice-label").all_inner_texts()
    assert labels == ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]
    skip = page.locator("#screen-1 label.choice.skip").bounding_box()
    assert skip["y"] > boxes[0][1]  # "no opinion" below the row, never in it


@pytest.mark.layout
@pytest.mark.parametrize("kiosk_page", VIEWPORTS.values(), ids=VIEWPORTS.keys(), indirect=True)
@pytest.mark.layout
def test_inactivity_clears_every_answer_and_returns_to_the_start(kiosk_page, loaded_app):
    page = kiosk_page
    page.clock.install()
    page.goto(f"/k/{WITH_FIELDS}")
    entries = page.evaluate("history.length")
    page.get_by_role("link", name="Đất đai").tap()
    page.wait_for_selector("form.survey")
    page.locator(".view-option[data-view='large-text']").tap()
    tap_face(page, 0)
    page.clock.run_for(1000)
    overlay = page.locator(".idle-overlay")
    assert overlay.is_hidden()
    page.clock.run_for(46_000)  # 45 s without a touch: the question
    assert overlay.is_visible()
    assert page.locator("#idle-title").inner_text() == "Ông/Bà còn ở đây không?"
    with page.expect_navigation():
        page.clock.run_for(15_000)  # 60 s: the reset
    page.wait_for_selector(".welcome")
    assert page.url.endswith(f"/k/{WITH_FIELDS}")
    assert page.evaluate("history.length") == entries  # Back cannot return to the citizen's answers
    assert page.evaluate("sessionStorage.length") == 0
    assert page.evaluate("document.documentElement.classList.contains('large-text')") is False
    page.get_by_role("link", name="Đất đai").tap()
    page.wait_for_selector("form.survey")
    assert page.locator("input:checked").count() == 0  # the next citizen starts clean
    assert stored_responses(loaded_app) == []


@pytest.mark.layout
def test_the_continue_button_keeps_the_answers(page, loaded_app):
    page.clock.install()
    page.goto(f"/k/{SIPAS}/survey")
    tap_face(page, 4)
    page.clock.run_for(47_000)
    page.get_by_role("button", name="Tiếp tục").tap()
    page.clock.run_for(30_000)
    assert page.locator(".idle-overlay").is_hidden()
    assert page.locator("#screen-1 input:checked").count() == 1


def test_a_failed_send_keeps_the_answers_and_retries_with_the_same_id(kiosk_page, loaded_app):
    page = kiosk_page
    attempts = []

    def flaky(route):
        attempts.append(route.request.post_data)
        if len(attempts) == 1:
            route.abort("internetdisconnected")
        elif len(attempts) == 2:
            route.fulfill(status=503, body="busy")
        else:
            route.continue_()

    page.route(
        re.compile(r".*/survey\?.*|.*/survey$"),
        lambda route: flaky(route) if route.request.method == "POST" else route.continue_(),
    )
    page.goto(f"/k/{SIPAS}/survey")
    first = page.locator("#screen-1").get_attribute("data-code")
    tap_face(page, 4)
    next_until_the_last_screen(page)
    page.get_by_role("button", name=re.compile("Gửi ý kiến")).tap()
    page.wait_for_selector("#thanks:not([hidden])")
    status = page.locator(".send-status")
    assert "vẫn được giữ trên máy" in status.inner_text()
    assert page.evaluate("JSON.parse(localStorage.getItem('surveyapp-kiosk-outbox')).length") == 1
    page.wait_for_function("() => (localStorage.getItem('surveyapp-kiosk-outbox') || '[]') === '[]'", timeout=30_000)
    assert len(attempts) == 3 and len(set(attempts)) == 1  # the same answers, the same response id
    [(response_id, _, _, _, answers)] = stored_responses(loaded_app)
    assert f"response_id={response_id}" in attempts[0] and answers[first] == 5


@pytest.mark.layout
def test_answers_waiting_in_the_outbox_are_sent_after_a_reset(kiosk_page, loaded_app):
    page = kiosk_page
    page.clock.install()
    page.route(
        re.compile(r".*/survey(\?.*)?$"),
        lambda route: route.abort("internetdisconnected") if route.request.method == "POST" else route.continue_(),
    )
    page.goto(f"/k/{SIPAS}/survey")
    first = page.locator("#screen-1").get_attribute("data-code")
    tap_face(page, 1)
    next_until_the_last_screen(page)
    page.get_by_role("button", name=re.compile("Gửi ý kiến")).tap()
    page.wait_for_selector("#thanks:not([hidden])")
    with page.expect_navigation():
        page.clock.run_for(9_000)  # the thank-you screen ends: the kiosk forgets the citizen, not the answers
    page.unroute(re.compile(r".*/survey(\?.*)?$"))
    page.clock.run_for(5_000)
    page.wait_for_function("() => (localStorage.getItem('surveyapp-kiosk-outbox') || '[]') === '[]'", timeout=30_000)
    [(_, _, _, _, answers)] = stored_responses(loaded_app)
    assert answers[first] == 2


@pytest.mark.parametrize("kiosk_page", VIEWPORTS.values(), ids=VIEWPORTS.keys(), indirect=True)
@pytest.mark.layout
def test_the_rating_takes_one_tap(kiosk_page, loaded_app):
    page = kiosk_page
    page.goto(f"/k/{RATING}")
    faces = page.locator("#screen-1 label.choice:not(.skip)")
    assert faces.count() == 5  # balanced: two negative faces, a neutral one, two positive
    with page.expect_navigation(timeout=20_000):  # after the thanks, the kiosk starts over by itself
        faces.nth(4).tap()  # the only tap
        assert page.locator(".one-tap-thanks").is_visible()
        page.wait_for_selector("#thanks:not([hidden])", timeout=10_000)
    [(_, _, field, _, answers)] = stored_responses(loaded_app)
    assert answers == {"rating": 5, "reason": None} and field is None
    page.wait_for_selector(".progress:not([hidden])")
    assert visible_screens(page) == ["screen-1"] and page.locator("input:checked").count() == 0  # no trace
    assert page.locator(".one-tap-thanks").is_hidden() and page.evaluate("sessionStorage.length") == 0


@pytest.mark.layout
def test_the_rating_takes_a_reason_with_a_second_tap(page, loaded_app):
    page.goto(f"/k/{RATING}")
    page.locator("#screen-1 label.choice").nth(1).tap()
    page.locator("#screen-2 label.option", has_text="Thời gian chờ").tap()
    page.wait_for_selector("#thanks:not([hidden])")
    [(_, _, _, _, answers)] = stored_responses(loaded_app)
    assert answers == {"rating": 2, "reason": "waiting"}
