"""A citizen completes the kiosk questionnaire by tapping, in headless Chromium, and the answers are stored."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from surveyapp.db import db
from surveyapp.questionnaires.codec import decode
from surveyapp.responses.models import Response

pytestmark = pytest.mark.browser


def stored_responses(app):
    with app.app_context():
        rows = db.session.scalars(select(Response).order_by(Response.id)).all()
        return [
            (
                row.language,
                row.field.code if row.field else None,
                row.comment,
                decode(row.questionnaire_version.definition, row.answers),
            )
            for row in rows
        ]


def visible_screens(page) -> list[str]:
    return page.eval_on_selector_all("section.screen", "els => els.filter(e => !e.hidden).map(e => e.id)")


def test_sipas_questionnaire_by_tapping_in_vietnamese(page, loaded_app):
    page.goto("/k/so-tu-phap-1")
    assert page.locator("h1").inner_text() == "Hôm nay chúng tôi phục vụ Ông/Bà thế nào?"
    page.get_by_role("link", name="Bắt đầu").tap()
    page.wait_for_selector("form.survey")

    screens = page.locator("section.screen").count()
    assert screens == 9
    for index in range(1, screens + 1):
        assert visible_screens(page) == [f"screen-{index}"]
        assert page.locator(".progress-text").inner_text() == f"Bước {index}/{screens}"
        screen = page.locator(f"#screen-{index}")
        for question in screen.locator("fieldset.question.scale").all():
            question.locator("label.choice").nth(3).tap()  # "Hài lòng" (4)
        if index == 1:
            screen.locator("fieldset.question.scale").first.locator("label.choice.skip").tap()
        for question in screen.locator("fieldset.question.single").all():
            question.locator("label.option").last.tap()
        for question in screen.locator("fieldset.question.multi").all():
            question.locator("label.option").nth(1).tap()
        if screen.locator("textarea").count():
            screen.locator("textarea").fill("Cán bộ tận tình, chu đáo")
        if index < screens:
            assert not page.get_by_role("button", name=re.compile("Gửi ý kiến")).is_visible()
            page.get_by_role("button", name=re.compile("Tiếp")).tap()

    page.get_by_role("button", name=re.compile("Gửi ý kiến")).tap()
    page.wait_for_selector("text=Xin cảm ơn Ông/Bà!")

    [(language, field, comment, answers)] = stored_responses(loaded_app)
    assert (language, field, comment) == ("vi", "judicial-record", "Cán bộ tận tình, chu đáo")
    assert answers["access_info"] is None  # tapped "Không ý kiến"
    assert answers["access_signs"] == 4 and answers["feedback_notified"] == 4 and answers["overall"] == 4
    assert answers["harassment"] is None  # the last option of a skippable single choice is "no opinion"
    assert answers["improve"] == ["simpler"]

    page.wait_for_url(re.compile(r"/k/so-tu-phap-1$"), timeout=10_000)  # returns to the welcome screen
    assert page.locator("h1").inner_text() == "Hôm nay chúng tôi phục vụ Ông/Bà thế nào?"


def test_english_and_going_back(page, loaded_app):
    page.goto("/k/ttpv-moc-chau-tong-hop")
    page.get_by_role("link", name="English").tap()
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.locator("h1").inner_text() == "How was our service today?"
    page.get_by_role("link", name="Land").tap()
    page.wait_for_selector("form.survey")
    page.locator("#screen-1 label.choice").nth(4).tap()  # very satisfied
    page.get_by_role("button", name=re.compile("Next")).tap()
    assert visible_screens(page) == ["screen-2"]
    page.get_by_role("button", name=re.compile("Back")).tap()
    assert visible_screens(page) == ["screen-1"]
    assert page.locator("#screen-1 input[type=radio]").first.evaluate("e => e.form !== null")
    for _ in range(8):
        page.get_by_role("button", name=re.compile("Next")).tap()
    page.get_by_role("button", name=re.compile("Send")).tap()
    page.wait_for_selector("text=Thank you!")
    [(language, field, _, answers)] = stored_responses(loaded_app)
    assert (language, field, answers["access_info"]) == ("en", "land", 5)


def test_required_question_holds_the_screen_until_answered(page, loaded_app):
    page.goto("/k/so-tu-phap-2/survey")  # case evaluation: most indicators are required
    page.get_by_role("button", name=re.compile("Tiếp")).tap()
    assert visible_screens(page) == ["screen-1"]
    assert page.locator("#screen-1 .error.client").first.inner_text() == "Xin Ông/Bà chọn một câu trả lời."
    for question in page.locator("#screen-1 fieldset.question").all():
        question.locator("label.choice").first.tap()
    assert page.locator("#screen-1 .error.client").count() == 0
    page.get_by_role("button", name=re.compile("Tiếp")).tap()
    assert visible_screens(page) == ["screen-2"]
    assert stored_responses(loaded_app) == []
