"""Recording responses: checks, exactly-once storage under concurrency, timestamps and history."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from surveyapp.db import db, utcnow
from surveyapp.organisation.models import Agency, Counter
from surveyapp.questionnaires.loader import current_version
from surveyapp.questionnaires.models import QuestionnaireVersion
from surveyapp.responses.models import Response
from surveyapp.responses.service import ConflictError, Draft, SubmissionError, record
from tests.helpers import response_count

LIMIT = 2000


def draft(counter_code: str = "so-tu-phap-1", **changes) -> Draft:
    counter = db.session.scalar(select(Counter).where(Counter.code == counter_code))
    now = utcnow()
    values = {
        "uuid": uuid.uuid4(),
        "counter": counter,
        "version": current_version(counter.instrument_code),
        "answers": {"access_info": 5, "staff_polite": 4},
        "language": "vi",
        "started_at": now - dt.timedelta(minutes=2),
        "submitted_at": now,
        "comment": None,
    }
    values.update(changes)
    return Draft(**values)


def test_record_stores_the_unit_context(loaded_app):
    with loaded_app.app_context():
        result = record(draft(), LIMIT)
        assert not result.duplicate
        row = db.session.scalar(select(Response))
        assert (row.counter.code, row.agency.code, row.area.code) == ("so-tu-phap-1", "so-tu-phap", "son-la")
        assert row.field.code == "judicial-record"
        assert row.submitted_at.tzinfo is not None and row.submitted_at.utcoffset() == dt.timedelta(0)


def test_repeat_is_a_duplicate_and_other_content_a_conflict(loaded_app):
    with loaded_app.app_context():
        first = draft()
        record(first, LIMIT)
        assert record(first, LIMIT).duplicate
        with pytest.raises(ConflictError):
            record(draft(uuid=first.uuid, answers={"access_info": 1}), LIMIT)
        assert response_count() == 1


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"language": "fr"}, "language"),
        ({"answers": {"access_info": 9}}, "access_info"),
        ({"answers": {"unknown": 1}}, "answers"),
        ({"submitted_at": utcnow() + dt.timedelta(hours=1)}, "submitted_at"),
        ({"started_at": utcnow() + dt.timedelta(minutes=1), "submitted_at": utcnow()}, "started_at"),
        ({"started_at": dt.datetime(2026, 1, 1, 8, 0)}, "started_at"),
        ({"case_code": "HS 001; DROP TABLE"}, "case_code"),
        ({"comment": "x" * (LIMIT + 1)}, "comment"),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_bad_drafts_name_what_is_wrong(loaded_app, changes, where):
    with loaded_app.app_context():
        with pytest.raises(SubmissionError) as caught:
            record(draft(**changes), LIMIT)
        assert caught.value.where == where
        assert response_count() == 0


def test_a_counter_only_takes_its_own_instrument(loaded_app):
    with loaded_app.app_context(), pytest.raises(SubmissionError, match="does not use questionnaire rating v2"):
        record(draft(version=current_version("rating"), answers={"rating": 3}), LIMIT)


def test_a_retired_counter_takes_nothing(loaded_app):
    with loaded_app.app_context():
        counter = db.session.scalar(select(Counter).where(Counter.code == "so-tu-phap-1"))
        counter.retired_on = dt.date(2024, 1, 1)
        db.session.commit()
        with pytest.raises(SubmissionError, match="no longer in service"):
            record(draft(), LIMIT)


def test_a_comment_is_refused_where_the_questionnaire_has_none(loaded_app):
    with loaded_app.app_context(), pytest.raises(SubmissionError, match="takes no comment"):
        record(draft("ttpv-quynh-nhai-tong-hop", answers={"rating": 2}, comment="Hay"), LIMIT)


def test_history_keeps_the_agency_a_response_was_given_in(loaded_app):
    with loaded_app.app_context():
        record(draft(), LIMIT)
        counter = db.session.scalar(select(Counter).where(Counter.code == "so-tu-phap-1"))
        counter.agency = db.session.scalar(select(Agency).where(Agency.code == "so-noi-vu"))
        db.session.commit()
        row = db.session.scalar(select(Response))
        assert row.agency.code == "so-tu-phap"


def test_the_database_refuses_a_second_row_with_the_same_id(loaded_app):
    with loaded_app.app_context():
        first = draft()
        record(first, LIMIT)
        row = db.session.scalar(select(Response))
        clone = Response(**{c.key: getattr(row, c.key) for c in Response.__table__.columns if c.key != "id"})
        db.session.add(clone)
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_unknown_status_is_refused_by_the_database(loaded_app):
    with loaded_app.app_context():
        record(draft(), LIMIT)
        row = db.session.scalar(select(Response))
        row.status = "deleted"
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_naive_timestamps_never_reach_the_database(loaded_app):
    with loaded_app.app_context():
        record(draft(), LIMIT)
        row = db.session.scalar(select(Response))
        row.received_at = dt.datetime(2026, 1, 1, 8, 0)
        with pytest.raises(Exception, match="naive datetime"):
            db.session.commit()
        db.session.rollback()


def test_identical_submissions_racing_store_one_row(loaded_app):
    """Eight threads submit the same response at once: one row, every caller gets an acknowledgement."""
    with loaded_app.app_context():
        template = draft()
        ids = {"counter": template.counter.id, "version": template.version.id}
    outcomes: list[object] = []
    barrier = threading.Barrier(8)

    def submit() -> None:
        with loaded_app.app_context():
            mine = Draft(
                uuid=template.uuid,
                counter=db.session.get(Counter, ids["counter"]),
                version=db.session.get(QuestionnaireVersion, ids["version"]),
                answers=template.answers,
                language="vi",
                started_at=template.started_at,
                submitted_at=template.submitted_at,
            )
            barrier.wait()
            try:
                outcomes.append(record(mine, LIMIT).duplicate)
            except Exception as exc:
                outcomes.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, outcomes)) == sorted(["False"] + ["True"] * 7), outcomes
    with loaded_app.app_context():
        assert response_count() == 1
