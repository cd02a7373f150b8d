"""Integrity flags on crafted sequences: bursts, repeated patterns, impossible speed, closed hours, honeypot.

Every response is kept; a flagged one gets one ``response_flag`` row per reason and the status they make:
``noted`` (counted, to review) when every reason is a quick answer or a wrong device clock, ``flagged`` (left
out until reviewed) when a sign of production agrees.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from surveyapp.audit.models import AuditEntry
from surveyapp.db import db, utcnow
from surveyapp.devices.service import enrol
from surveyapp.integrity.models import ResponseFlag
from surveyapp.integrity.rules import NOTED_ONLY, FlagRules
from surveyapp.integrity.service import neighbours
from surveyapp.organisation.models import Counter
from surveyapp.periods import LOCAL_ZONE
from surveyapp.questionnaires.loader import current_version
from surveyapp.responses.models import Response
from surveyapp.responses.service import Draft, SubmissionError, record
from tests.helpers import sipas_form_answers, whole_form_of
from tests.staff import ACCOUNTS, create_accounts, csrf_token, sign_in

RULES = FlagRules()
COUNTER = "so-tu-phap-1"  # open Monday to Friday 07:00–11:30 and 13:30–17:00, Saturday 07:30–11:30
CRITERIA = [code.removeprefix("q-") for code, value in sipas_form_answers().items() if value == "5"]


def last_monday(hour: int, minute: int = 0) -> dt.datetime:
    """A Monday at least a week ago, at a local time of day, as UTC."""
    day = dt.datetime.now(LOCAL_ZONE).date() - dt.timedelta(days=7)
    day -= dt.timedelta(days=day.weekday())
    return dt.datetime.combine(day, dt.time(hour, minute), LOCAL_ZONE).astimezone(dt.UTC)


def answers(value: int = 5, **changes) -> dict:
    given = {code: value for code in CRITERIA}
    given.update({"harassment": "no", "informal_payment": "no"})
    given.update(changes)
    return given


def send(submitted_at: dt.datetime, seconds: int = 120, device=None, counter: str = COUNTER, rules=RULES, **extra):
    counter_row = db.session.scalar(select(Counter).where(Counter.code == counter))
    draft = Draft(
        uuid=uuid.uuid4(),
        counter=counter_row,
        version=current_version(counter_row.instrument_code),
        answers=extra.pop("given", None) or answers(),
        language="vi",
        started_at=submitted_at - dt.timedelta(seconds=seconds),
        submitted_at=submitted_at,
        device=device,
        **extra,
    )
    return record(draft, 2000, rules).response


def device_at(counter: str = COUNTER):
    counter_row = db.session.scalar(select(Counter).where(Counter.code == counter))
    device = enrol(counter_row, "tablet", None).device
    db.session.commit()
    return device


def reasons() -> dict[int, set[str]]:
    """Flag reasons per response, in the order the responses were stored (every response listed)."""
    found: dict[int, set[str]] = {}
    for response_id, status in db.session.execute(select(Response.id, Response.status).order_by(Response.id)):
        flags = set(db.session.scalars(select(ResponseFlag.reason).where(ResponseFlag.response_id == response_id)))
        expected = "ok" if not flags else "noted" if flags <= NOTED_ONLY else "flagged"
        assert status == expected, (flags, status)
        found[response_id] = flags
    return found


def test_a_burst_from_one_device_flags_every_response_in_it(loaded_app):
    with loaded_app.app_context():
        device = device_at()
        start = last_monday(9)
        for i in range(4):  # four in two minutes: a busy counter, not yet a burst
            send(start + dt.timedelta(seconds=30 * i), given=answers(4 if i % 2 else 5), device=device)
        assert [r for r in reasons().values() if r] == []
        send(start + dt.timedelta(seconds=110), given=answers(3), device=device)
        assert list(reasons().values()) == [{"burst"}] * 5
        detail = db.session.scalar(select(ResponseFlag.detail).limit(1))
        assert detail == "5 responses within 120 s"


def test_sources_do_not_mix(loaded_app):
    with loaded_app.app_context():
        first, second = device_at(), device_at()
        start = last_monday(9)
        for i in range(3):
            send(start + dt.timedelta(seconds=20 * i), given=answers(5 - i), device=first)
            send(start + dt.timedelta(seconds=20 * i + 5), given=answers(5 - i), device=second)
        assert all(not r for r in reasons().values())


def test_the_same_answers_again_and_again_are_flagged_but_not_one_tap_ratings(loaded_app):
    with loaded_app.app_context():
        device = device_at()
        start = last_monday(9)
        send(start, device=device)
        send(start + dt.timedelta(minutes=5), device=device)
        assert all(not r for r in reasons().values())  # two citizens both very satisfied: nothing odd
        send(start + dt.timedelta(minutes=10), device=device)
        assert list(reasons().values()) == [{"repeated"}] * 3
        send(start + dt.timedelta(minutes=40), device=device)  # long after: no longer "quick succession"
        assert list(reasons().values())[-1] == set()

        rating = device_at("ttpv-quynh-nhai-tong-hop")
        for i in range(4):
            send(
                start + dt.timedelta(minutes=4 * i),
                device=rating,
                counter="ttpv-quynh-nhai-tong-hop",
                given={"rating": 3},
                seconds=10,
            )
        assert list(reasons().values())[-4:] == [set()] * 4


def test_completion_faster_than_reading_allows(loaded_app):
    with loaded_app.app_context():
        send(last_monday(9), seconds=8)  # 22 answers in 8 seconds
        send(last_monday(10), seconds=40)
        assert list(reasons().values()) == [{"too_fast"}, set()]
        detail = db.session.scalar(select(ResponseFlag.detail))
        assert detail == "completed in 8 s, at least 22 s expected (22 answered)"
        # Alone, a quick answer counts in scores while it waits for review.
        assert db.session.scalars(select(Response.status).order_by(Response.id)).all() == ["noted", "ok"]


@pytest.mark.parametrize(
    ("hour", "minute", "flagged"),
    [(9, 0, False), (12, 45, True), (11, 55, False), (17, 20, False), (17, 45, True), (22, 0, True), (5, 0, True)],
)
def test_submissions_outside_opening_hours(loaded_app, hour, minute, flagged):
    with loaded_app.app_context():
        send(last_monday(hour, minute))
        assert list(reasons().values()) == [{"outside_hours"} if flagged else set()]


def test_a_sunday_is_closed_but_a_counter_without_hours_never_is(loaded_app):
    with loaded_app.app_context():
        send(last_monday(9) - dt.timedelta(days=1))
        counter = db.session.scalar(select(Counter).where(Counter.code == COUNTER))
        counter.opening_hours = {}
        db.session.commit()
        send(last_monday(9) - dt.timedelta(days=1))
        assert list(reasons().values()) == [{"outside_hours"}, set()]


def test_the_honeypot_of_the_browser_kiosk(loaded_client, loaded_app):
    page = loaded_client.get(f"/k/{COUNTER}/survey")
    action, hidden = whole_form_of(page.get_data(as_text=True))
    posted = loaded_client.post(action, data={**hidden, **sipas_form_answers(), "contact": "http://spam.example"})
    assert posted.status_code == 303
    with loaded_app.app_context():
        [found] = reasons().values()
        assert "honeypot" in found  # (a program also answers faster than anyone reads)


def test_several_reasons_at_once_and_nothing_is_deleted(loaded_app):
    with loaded_app.app_context():
        device = device_at()
        night = last_monday(23)
        for i in range(5):
            send(night + dt.timedelta(seconds=10 * i), seconds=3, device=device)
        assert list(reasons().values())[-1] == {"burst", "repeated", "too_fast", "outside_hours"}
        assert db.session.scalar(select(db.func.count()).select_from(Response)) == 5


def test_flagging_reads_a_bounded_number_of_recent_responses(loaded_app, backend):
    rules = FlagRules(scan_limit=10)
    with loaded_app.app_context():
        device = device_at()
        start = last_monday(8)
        for i in range(25):
            send(start + dt.timedelta(minutes=3 * i), given=answers(1 + i % 5), device=device, rules=None)
        latest = db.session.scalar(select(Response).order_by(Response.id.desc()).limit(1))
        near = neighbours(latest, rules)
        assert len(near) == 5  # the 15-minute look-back holds 5 earlier responses
        assert len(neighbours(latest, FlagRules(scan_limit=3))) == 3
        if backend == "sqlite":
            query = (
                "EXPLAIN QUERY PLAN SELECT id FROM response WHERE device_id = 1 "
                "AND submitted_at >= '2026-01-01' AND submitted_at <= '2026-01-02' ORDER BY submitted_at DESC LIMIT 60"
            )
            plan = " ".join(row[-1] for row in db.session.execute(db.text(query)))
            assert "ix_response_device_submitted" in plan


def test_flags_can_be_switched_off_by_configuration(loaded_app):
    with loaded_app.app_context():
        lenient = FlagRules(burst_count=1000, repeat_count=1000, seconds_per_answer=0, hours_grace_minutes=24 * 60)
        for i in range(6):
            send(utcnow() - dt.timedelta(seconds=i), seconds=1, rules=lenient)
        assert all(not r for r in reasons().values())


def test_the_reform_office_confirms_or_clears_and_the_review_is_audited(loaded_app):
    create_accounts(loaded_app, "office", "area")
    with loaded_app.app_context():
        first = send(last_monday(9), seconds=3)
        second = send(last_monday(10), seconds=4)
        genuine = send(last_monday(11), seconds=90)
        ids = [str(r.uuid) for r in (first, second, genuine)]
    area = loaded_app.test_client()
    sign_in(area, ACCOUNTS["area"].email, ACCOUNTS["area"].password)
    assert area.get("/office/flags").status_code == 403
    office = loaded_app.test_client()
    sign_in(office, ACCOUNTS["office"].email, ACCOUNTS["office"].password)
    page = office.get("/office/flags").get_data(as_text=True)
    assert ids[0] not in page and ids[1] not in page  # only quick: counted, listed apart
    page = office.get("/office/flags?status=noted").get_data(as_text=True)
    assert ids[0] in page and ids[1] in page and ids[2] not in page
    assert "completed in 3 s, at least 22 s expected (22 answered)" in page
    token = csrf_token(office, "/office/flags")
    assert office.post(f"/office/flags/{ids[0]}", data={"csrf_token": token, "decision": "confirm"}).status_code == 302
    assert office.post(f"/office/flags/{ids[1]}", data={"csrf_token": token, "decision": "clear"}).status_code == 302
    assert office.post(f"/office/flags/{ids[2]}", data={"csrf_token": token, "decision": "clear"}).status_code == 409
    assert office.post(f"/office/flags/{ids[1]}", data={"csrf_token": token, "decision": "delete"}).status_code == 400
    assert (
        office.post(f"/office/flags/{uuid.uuid4()}", data={"csrf_token": token, "decision": "clear"}).status_code == 404
    )
    with loaded_app.app_context():
        statuses = dict(db.session.execute(select(Response.uuid, Response.status)).all())
        assert [statuses[uuid.UUID(i)] for i in ids] == ["excluded", "ok", "ok"]
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("flag_%"))).all()
        assert [(e.action, e.actor, e.target, e.details["after"], e.details["reasons"]) for e in entries] == [
            ("flag_confirmed", ACCOUNTS["office"].email, f"response:{ids[0]}", "excluded", ["too_fast"]),
            ("flag_cleared", ACCOUNTS["office"].email, f"response:{ids[1]}", "ok", ["too_fast"]),
        ]
        assert db.session.scalar(select(db.func.count()).select_from(ResponseFlag)) == 2  # flags are history
    cleared = office.get("/office/flags?status=ok").get_data(as_text=True)
    assert ids[1] in cleared and ids[2] not in cleared


# --- Short forms: thresholds follow the questions shown; a quick answer alone still counts -------------------

#: A short form: the overall question and one criterion of each element.
SHORT_FORM = ("overall", "access_info", "procedure_posted", "staff_polite", "result_on_time", "feedback_channel")


def short_form(value: int = 5) -> dict:
    return dict.fromkeys(SHORT_FORM, value)


def scored_at(app, day: dt.datetime) -> tuple[int, dict[str, int]]:
    """The counter's respondents in the scores of ``day``'s month, and its responses by status."""
    client = app.test_client()
    sign_in(client, ACCOUNTS["office"].email, ACCOUNTS["office"].password)
    period = f"{day.astimezone(LOCAL_ZONE):%Y-%m}"
    data = client.get(f"/api/v1/scores/counter/{COUNTER}", query_string={"period": period}).get_json()
    return data["unit"]["respondents"], data["responses_by_status"]


def test_a_quick_very_satisfied_short_form_counts(loaded_app):
    """Six taps on "very satisfied" in 12 s is an honest quick answer; in 4 s it is noted for review, and
    counts all the same."""
    create_accounts(loaded_app, "office")
    asked = frozenset(SHORT_FORM)
    at = last_monday(9)
    with loaded_app.app_context():
        calm = send(at, seconds=12, given=short_form(), asked=asked)
        quick = send(at + dt.timedelta(minutes=10), seconds=4, given=short_form(), asked=asked)
        assert (calm.status, quick.status) == ("ok", "noted")
        assert calm.questions_asked == quick.questions_asked == 6
        assert list(reasons().values()) == [set(), {"too_fast"}]
        detail = db.session.scalar(select(ResponseFlag.detail))
        assert detail == "completed in 4 s, at least 6 s expected (6 of 6 shown answered)"
    respondents, by_status = scored_at(loaded_app, at)
    assert respondents == 2
    assert by_status == {"ok": 1, "noted": 1, "flagged": 0, "excluded": 0, "partial": 0}


def test_the_same_quick_short_forms_in_a_burst_are_left_out(loaded_app):
    """Quick answers that come in a burst from one tablet look produced: excluded until reviewed."""
    create_accounts(loaded_app, "office")
    asked = frozenset(SHORT_FORM)
    at = last_monday(9)
    with loaded_app.app_context():
        device = device_at()
        for i in range(5):
            send(at + dt.timedelta(seconds=20 * i), seconds=12, given=short_form(), asked=asked, device=device)
        assert {"burst"} <= list(reasons().values())[-1]
        assert set(db.session.scalars(select(Response.status))) == {"flagged"}
    respondents, by_status = scored_at(loaded_app, at)
    assert respondents == 0 and by_status["flagged"] == 5


def test_a_fast_answer_with_a_burst_or_a_closed_counter_is_left_out(loaded_app):
    with loaded_app.app_context():
        send(last_monday(22), seconds=3)  # quick, and after closing
        assert list(reasons().values()) == [{"too_fast", "outside_hours"}]
        assert db.session.scalar(select(Response.status)) == "flagged"

        device, start, asked = device_at(), last_monday(9), frozenset(SHORT_FORM)
        for i in range(4):  # four quick citizens in two minutes: noted, counted
            send(start + dt.timedelta(seconds=25 * i), seconds=4, given=short_form(5 - i), asked=asked, device=device)
        assert db.session.scalars(select(Response.status).order_by(Response.id)).all()[1:] == ["noted"] * 4
        send(start + dt.timedelta(seconds=110), seconds=4, given=short_form(1), asked=asked, device=device)
        assert list(reasons().values())[1:] == [{"too_fast", "burst"}] * 5  # the burst agrees: all left out
        assert set(db.session.scalars(select(Response.status))) == {"flagged"}


def test_a_question_not_asked_may_not_be_answered_and_a_required_one_not_asked_may_be_empty(loaded_app):
    with loaded_app.app_context():
        asked = frozenset(SHORT_FORM)
        with pytest.raises(SubmissionError) as refused:
            send(last_monday(9), given={**short_form(), "staff_prompt": 4}, asked=asked)
        assert (refused.value.where, refused.value.message) == ("staff_prompt", "this question was not asked")
        with pytest.raises(SubmissionError) as unknown:
            send(last_monday(9), given=short_form(), asked=asked | {"horoscope"})
        assert unknown.value.where == "asked"
        case = send(
            last_monday(9),
            counter="so-tu-phap-2",  # the case evaluation: every indicator is required
            given={"total_time": 2},
            asked=frozenset({"total_time"}),
        )
        assert case.questions_asked == 1
