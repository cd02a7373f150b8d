"""Clocks that lie: a tablet whose clock reset to 1970 (a flat battery), to its firmware's 2001, or runs ahead.

Its answers are stored all the same, flagged ``device_clock``, placed at the server's receipt (so in the current
period) and counted; the device's own times are kept beside them, and the devices page tells the supervisor.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest
from sqlalchemy import select

from surveyapp.db import db, utcnow
from surveyapp.integrity.models import ResponseFlag
from surveyapp.integrity.rules import CLOCK_SKEW, Finding, FlagRules, clock_problem, place, status_for
from surveyapp.organisation.models import Counter
from surveyapp.periods import LOCAL_ZONE
from surveyapp.responses.models import Response
from tests.helpers import sipas_form_answers, whole_form_of
from tests.staff import ACCOUNTS, create_accounts, sign_in
from tests.surveyapp.test_api import COUNTER, body, post, token_for

KIOSK_COUNTER = "so-tu-phap-1"
RULES = FlagRules()
UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# --- The rule, as a pure function -----------------------------------------------------------------------------

RECEIVED = at("2026-11-20T03:00:00+00:00")
LOADED = at("2026-01-05T00:00:00+00:00")


@pytest.mark.parametrize(
    ("moment", "problem"),
    [
        ("2026-11-20T02:57:00+00:00", None),
        ("2026-11-20T03:04:59+00:00", None),  # a clock a little ahead
        ("2026-11-20T03:05:01+00:00", "in the future"),
        ("2027-01-01T00:00:00+00:00", "in the future"),
        ("2026-10-22T00:00:00+00:00", None),  # 29 days in an offline queue
        ("2026-10-20T00:00:00+00:00", "more than 30 days before it was received"),
        ("2026-01-04T23:56:00+00:00", "more than 30 days before it was received"),
        ("2001-01-01T02:00:00+00:00", "before its questionnaire version existed"),
        ("1970-01-01T00:00:00+00:00", "before its questionnaire version existed"),
    ],
)
def test_what_a_device_clock_cannot_have_said(moment, problem):
    assert clock_problem(at(moment), RECEIVED, LOADED, RULES) == problem


def test_a_time_before_the_version_was_loaded_is_wrong_even_when_recent():
    loaded = RECEIVED - dt.timedelta(days=2)
    moment = loaded - CLOCK_SKEW - dt.timedelta(seconds=1)
    assert clock_problem(moment, RECEIVED, loaded, RULES) == "before its questionnaire version existed"
    assert clock_problem(loaded - CLOCK_SKEW, RECEIVED, loaded, RULES) is None
    assert clock_problem(moment, RECEIVED, None, RULES) is None


def test_plausible_times_stay_as_the_device_gave_them():
    started, sent = RECEIVED - dt.timedelta(hours=3, minutes=2), RECEIVED - dt.timedelta(hours=3)
    placed = place(started, sent, RECEIVED, LOADED, RULES)
    assert (placed.started_at, placed.submitted_at, placed.finding, placed.device_submitted_at) == (
        started,
        sent,
        None,
        None,
    )


def test_a_reset_clock_places_the_response_at_the_receipt_and_keeps_its_duration():
    started, sent = at("1970-01-01T00:01:00+00:00"), at("1970-01-01T00:03:30+00:00")
    placed = place(started, sent, RECEIVED, LOADED, RULES)
    assert placed.submitted_at == RECEIVED and placed.started_at == RECEIVED - dt.timedelta(seconds=150)
    assert (placed.device_started_at, placed.device_submitted_at) == (started, sent)
    assert placed.duration_known
    assert placed.finding.reason == "device_clock"
    assert placed.finding.detail == (  # in local time, which was UTC+8 in 1970
        "the device's clock said sent 1970-01-01 08:03, before its questionnaire version existed; "
        "placed at the server's receipt"
    )


def test_a_clock_set_right_while_the_citizen_answered_keeps_the_sending_and_loses_the_duration():
    started, sent = at("1970-01-01T00:01:00+00:00"), RECEIVED - dt.timedelta(seconds=20)
    placed = place(started, sent, RECEIVED, LOADED, RULES)
    assert placed.submitted_at == placed.started_at == sent
    assert not placed.duration_known and placed.finding.reason == "device_clock"
    assert "kept when it was sent, duration unknown" in placed.finding.detail


def test_what_the_clock_read_at_sending_places_a_queued_answer_at_its_true_moment():
    started, sent = at("1970-01-01T00:01:00+00:00"), at("1970-01-01T00:03:30+00:00")
    sending = sent + dt.timedelta(hours=5)  # queued while the network was down
    placed = place(started, sent, RECEIVED, LOADED, RULES, sent_at=sending)
    assert placed.submitted_at == RECEIVED - dt.timedelta(hours=5)
    assert placed.started_at == placed.submitted_at - dt.timedelta(seconds=150) and placed.duration_known
    assert placed.finding.detail.endswith("placed by the clock's error at sending (+57 years)")
    # A clock set right between the answer and the sending tells nothing of the answer's moment: the receipt.
    assert place(started, sent, RECEIVED, LOADED, RULES, sent_at=RECEIVED).submitted_at == RECEIVED


def test_only_a_quick_answer_or_a_wrong_clock_leaves_a_response_counted():
    clock, fast, burst = Finding("device_clock", ""), Finding("too_fast", ""), Finding("burst", "")
    assert status_for([]) == "ok"
    assert status_for([clock]) == status_for([fast]) == status_for([clock, fast]) == "noted"
    assert status_for([fast, burst]) == status_for([clock, burst]) == "flagged"


# --- Through the API and the browser kiosk, on both databases ------------------------------------------------


@pytest.fixture
def open_all_day(loaded_app):
    """The counters used here open all day, so that the hour the tests run at raises no flag of its own."""
    with loaded_app.app_context():
        for counter in db.session.scalars(select(Counter).where(Counter.code.in_([COUNTER, KIOSK_COUNTER]))):
            counter.opening_hours = {}
        db.session.commit()
    create_accounts(loaded_app, "office", "supervisor")
    return loaded_app


def this_month() -> str:
    return f"{utcnow().astimezone(LOCAL_ZONE):%Y-%m}"


def scored(app, counter: str) -> tuple[int, dict[str, int]]:
    """The counter's respondents in this month's scores, and its responses by status."""
    client = app.test_client()
    sign_in(client, ACCOUNTS["office"].email, ACCOUNTS["office"].password)
    data = client.get(f"/api/v1/scores/counter/{counter}", query_string={"period": this_month()}).get_json()
    return data["unit"]["respondents"], data["responses_by_status"]


def stored(app, response_id: str) -> tuple[Response, set[str]]:
    with app.app_context():
        row = db.session.scalar(select(Response).where(Response.uuid == uuid.UUID(response_id)))
        db.session.expunge(row)
        flags = set(db.session.scalars(select(ResponseFlag.reason).where(ResponseFlag.response_id == row.id)))
        return row, flags


def future() -> tuple[str, str]:
    sent = utcnow() + dt.timedelta(days=3)
    return (sent - dt.timedelta(minutes=3)).isoformat(), sent.isoformat()


WRONG_CLOCKS = {
    "1970": lambda: ("1970-01-01T07:00:00+07:00", "1970-01-01T07:03:00+07:00"),
    "2001": lambda: ("2001-01-01T08:00:00+07:00", "2001-01-01T08:03:00+07:00"),
    "future": future,
}


@pytest.mark.parametrize("clock", list(WRONG_CLOCKS))
def test_a_tablet_with_a_wrong_clock_is_stored_flagged_and_counted_now(open_all_day, clock):
    app = open_all_day
    started, sent = WRONG_CLOCKS[clock]()
    token, client = token_for(app), app.test_client()
    given = body(started_at=started, submitted_at=sent)
    before = utcnow()
    response = post(client, token, given)
    after = utcnow()
    assert response.status_code == 201 and response.get_json()["status"] == "stored"

    row, flags = stored(app, given["id"])
    assert flags == {"device_clock"} and row.status == "noted"
    assert before <= row.submitted_at <= after  # placed at the receipt, in the current period
    assert row.submitted_at - row.started_at == dt.timedelta(minutes=3)  # the duration on the device's clock
    assert (row.device_started_at, row.device_submitted_at) == (at(started), at(sent))  # nothing lost
    respondents, by_status = scored(app, COUNTER)
    assert respondents == 1 and by_status["noted"] == 1

    # The queue sends it again (its acknowledgement was lost): the same response, though placed anew.
    again = post(client, token, given)
    assert again.status_code == 200 and again.get_json()["status"] == "duplicate"
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Response)) == 1


@pytest.mark.parametrize("clock", list(WRONG_CLOCKS))
def test_a_browser_kiosk_with_a_wrong_clock_is_stored_flagged_and_counted_now(open_all_day, clock):
    app = open_all_day
    client = app.test_client()
    page = client.get(f"/k/{KIOSK_COUNTER}/survey").get_data(as_text=True)
    action, hidden = whole_form_of(page)
    started = WRONG_CLOCKS[clock]()[0]
    hidden["started_at"] = started  # as a page whose script stamps the start by the browser's clock
    before = utcnow()
    posted = client.post(action, data={**hidden, **sipas_form_answers(5)})
    assert posted.status_code == 303

    row, flags = stored(app, hidden["response_id"])
    assert flags == {"device_clock"} and row.status == "noted"  # and not too fast: the duration is unknown
    assert before <= row.submitted_at <= utcnow() and row.started_at == row.submitted_at
    assert row.device_started_at == at(started)
    respondents, by_status = scored(app, KIOSK_COUNTER)
    assert respondents == 1 and by_status["noted"] == 1


def test_the_devices_page_warns_that_a_tablets_clock_is_wrong_until_it_is_right(open_all_day):
    app = open_all_day
    token, api = token_for(app), app.test_client()
    supervisor = app.test_client()
    sign_in(supervisor, ACCOUNTS["supervisor"].email, ACCOUNTS["supervisor"].password)
    assert "clock-warning" not in supervisor.get("/agency/devices").get_data(as_text=True)

    assert post(api, token, body(started_at="1970-01-01T07:00:00+07:00", submitted_at="1970-01-01T07:03:00+07:00"))
    page = supervisor.get("/agency/devices").get_data(as_text=True)
    assert page.count("clock-warning") == 1
    warning = page[page.index("clock-warning") :].split("</p>")[0]
    assert "01/01/1970 08:03" in warning  # what the tablet said, in local time (UTC+8 in 1970)

    assert post(api, token, body()).status_code == 201  # the supervisor set the date: the next answer is right
    assert "clock-warning" not in supervisor.get("/agency/devices").get_data(as_text=True)


def test_a_queue_from_a_reset_clock_keeps_its_spacing_and_is_not_a_burst(open_all_day):
    """Five answers given three minutes apart on a tablet whose clock says 1970, sent together an hour later:
    each request says what the clock reads as it is sent, and the answers are placed at their true moments."""
    app = open_all_day
    token, client = token_for(app), app.test_client()
    given = [at("1970-01-01T09:00:00+07:00") + dt.timedelta(minutes=3 * i) for i in range(5)]
    sending = given[-1] + dt.timedelta(hours=1)
    ids = []
    for i, moment in enumerate(given):
        answers = {"access_info": 5 - i, "staff_polite": 4, "overall": 4, "harassment": "no"}  # five citizens
        payload = body(
            started_at=(moment - dt.timedelta(minutes=2)).isoformat(),
            submitted_at=moment.isoformat(),
            sent_at=sending.isoformat(),
            answers={**answers, "informal_payment": "no"},
        )
        assert post(client, token, payload).status_code == 201
        ids.append(payload["id"])
    rows = [stored(app, i) for i in ids]
    assert [(flags, row.status) for row, flags in rows] == [({"device_clock"}, "noted")] * 5
    placed = [row.submitted_at for row, _ in rows]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(placed)]
    assert all(abs(gap - 180) < 2 for gap in gaps)
    assert abs((utcnow() - placed[-1]).total_seconds() - 3600) < 60
