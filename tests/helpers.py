"""Small helpers for tests that drive HTML forms and inspect the database."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

from sqlalchemy import func, select

from surveyapp.db import db
from surveyapp.responses.models import Response


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hidden: dict[str, str] = {}
        self.action: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attributes.get("action")
        if tag == "input" and attributes.get("type") == "hidden":
            self.hidden[attributes["name"]] = attributes.get("value") or ""


def form_of(html: str) -> tuple[str, dict[str, str]]:
    """The first form's action and its hidden inputs (CSRF token, response id, start time)."""
    parser = _Inputs()
    parser.feed(html)
    return parser.action, parser.hidden


def whole_form_of(html: str) -> tuple[str, dict[str, str]]:
    """Like :func:`form_of`, without the list of questions the page asked: as from a page that asked every
    question (a counter's short form names only some), so that a test can answer the whole questionnaire."""
    action, hidden = form_of(html)
    hidden.pop("asked", None)
    return action, hidden


def response_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Response))


#: The 19 criteria of the shipped SIPAS questionnaire, in order.
SIPAS_CRITERIA = [
    "access_info",
    "access_signs",
    "access_clean",
    "access_equipment",
    "procedure_posted",
    "procedure_documents",
    "procedure_fees",
    "procedure_time",
    "staff_polite",
    "staff_prompt",
    "staff_guidance",
    "staff_rules",
    "staff_attentive",
    "result_on_time",
    "result_accurate",
    "result_fair",
    "feedback_channel",
    "feedback_handled",
    "feedback_notified",
]


#: A complete, valid set of answers to the shipped SIPAS questionnaire, as form fields.
def sipas_form_answers(value: int = 5) -> dict[str, str | list[str]]:
    answers: dict[str, str | list[str]] = {f"q-{code}": str(value) for code in SIPAS_CRITERIA}
    answers.update({"q-overall": str(value), "q-harassment": "no", "q-informal_payment": "no"})
    answers["q-improve"] = ["online", "faster"]
    return answers


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)
