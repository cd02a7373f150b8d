"""The JSON API beyond the device basics: its published contract, partial responses, the honeypot,
idempotency under concurrent identical submissions, and scores for signed-in staff."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from surveyapp.db import db, utcnow
from surveyapp.devices.service import enrol
from surveyapp.integrity.models import ResponseFlag
from surveyapp.organisation.models import Counter
from surveyapp.periods import LOCAL_ZONE
from surveyapp.responses.models import Response
from tests.openapi import check, spec
from tests.staff import ACCOUNTS, create_accounts, sign_in

COUNTER = "ttpv-moc-chau-dat-dai"
SCHEMAS = Path(__file__).resolve().parents[2] / "surveyapp" / "schemas"


def token_for(app, counter: str = COUNTER) -> str:
    with app.app_context():
        enrolment = enrol(db.session.scalar(select(Counter).where(Counter.code == counter)), "tablet", None)
        db.session.commit()
        return enrolment.token


def body(**changes) -> dict:
    now = utcnow()
    data = {
        "id": str(uuid.uuid4()),
        "questionnaire": {"instrument": "sipas", "version": 1},
        "language": "vi",
        "started_at": (now - dt.timedelta(minutes=3)).isoformat(),
        "submitted_at": now.isoformat(),
        "answers": {"access_info": 5, "staff_polite": 4, "overall": 4, "harassment": "no", "informal_payment": "no"},
    }
    data.update(changes)
    return data


def post(client, token, payload):
    response = client.post("/api/v1/responses", json=payload, headers={"Authorization": f"Bearer {token}"})
    return check(response, "/responses", "POST")


def test_every_api_route_is_documented(app):
    documented = {(path, method) for path, operations in spec()["paths"].items() for method in operations}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            served |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented


def test_the_published_contract_is_the_file_and_its_request_schema_is_the_one_enforced(client):
    served = check(client.get("/api/v1/openapi.json"), "/openapi.json", "GET").get_json()
    assert served == spec()
    enforced = json.loads((SCHEMAS / "response.schema.json").read_text(encoding="utf-8"))
    published = spec()["components"]["schemas"]["ResponseSubmission"]
    assert {k: v for k, v in enforced.items() if not k.startswith("$") and k != "title"} == {
        k: v for k, v in published.items() if k != "description"
    }


def test_a_partial_response_may_leave_required_questions_out(loaded_app):
    token = token_for(loaded_app, "so-tu-phap-2")  # the case evaluation: most indicators are required
    client = loaded_app.test_client()
    case = {"instrument": "case", "version": 1}
    required_missing = body(questionnaire=case, answers={"total_time": 2})
    refused = post(client, token, required_missing)
    assert refused.status_code == 422 and refused.get_json()["where"] == "contacts"
    assert post(client, token, {**required_missing, "partial": True}).status_code == 201
    nothing = post(client, token, body(questionnaire=case, answers={}, partial=True))
    assert nothing.status_code == 422 and nothing.get_json()["where"] == "answers"
    with loaded_app.app_context():
        [row] = db.session.scalars(select(Response)).all()
        assert row.partial and str(row.uuid) == required_missing["id"]


def test_the_honeypot_flags_but_is_acknowledged_like_any_response(loaded_app):
    token = token_for(loaded_app)
    response = post(loaded_app.test_client(), token, body(honeypot="http://spam.example"))
    assert response.status_code == 201 and response.get_json()["status"] == "stored"  # nothing tells a gamer
    with loaded_app.app_context():
        assert db.session.scalar(select(Response.status)) == "flagged"
        assert "honeypot" in set(db.session.scalars(select(ResponseFlag.reason)))


def test_errors_always_name_their_place(loaded_app):
    token = token_for(loaded_app)
    client = loaded_app.test_client()
    too_big = post(client, token, body(comment="x" * 70_000))
    assert too_big.status_code == 413
    assert set(too_big.get_json()) == {"error", "message", "where"}
    unknown = client.get("/api/v1/nothing-here")
    assert unknown.status_code == 404 and unknown.is_json


def test_concurrent_identical_submissions_store_one_row(loaded_app):
    token = token_for(loaded_app)
    payload = body()
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def submit():
        client = loaded_app.test_client()
        barrier.wait()
        statuses.append(post(client, token, payload).status_code)

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 5 + [201]
    with loaded_app.app_context():
        assert [str(u) for u in db.session.scalars(select(Response.uuid))] == [payload["id"]]


@pytest.fixture
def scored(loaded_app):
    """Six genuine responses at a Mộc Châu counter in office hours, and five produced in a burst at night."""
    create_accounts(loaded_app, "office", "area", "supervisor", "viewer")
    token = token_for(loaded_app)
    client = loaded_app.test_client()
    day = dt.datetime.now(LOCAL_ZONE).date() - dt.timedelta(days=1)
    day -= dt.timedelta(days=max(0, day.weekday() - 4))  # a weekday
    for i, hour in enumerate((7, 8, 9, 10, 14, 15)):
        at = dt.datetime.combine(day, dt.time(hour, 30), LOCAL_ZONE)
        value = 2 if i == 0 else 4
        answers = {"access_info": value, "staff_polite": value, "overall": value}
        answers.update(harassment="no", informal_payment="no")
        given = body(
            answers=answers, started_at=(at - dt.timedelta(minutes=3)).isoformat(), submitted_at=at.isoformat()
        )
        assert post(client, token, given).status_code == 201
    night = dt.datetime.combine(day, dt.time(21, 0), LOCAL_ZONE)
    for i in range(5):
        at = night + dt.timedelta(seconds=15 * i)
        answers = {"access_info": 1, "staff_polite": 1, "overall": 1, "harassment": "no", "informal_payment": "no"}
        given = body(
            answers=answers, started_at=(at - dt.timedelta(seconds=5)).isoformat(), submitted_at=at.isoformat()
        )
        assert post(client, token, given).status_code == 201
    return day


def scores_of(client, path: str = "", **params):
    """GET /api/v1/scores[/<kind>/<code>], checked against the OpenAPI document."""
    documented = "/scores/{kind}/{code}" if path else "/scores"
    return check(client.get(f"/api/v1/scores{path}", query_string=params), documented, "GET")


def test_scores_count_flagged_responses_but_leave_them_out(loaded_app, scored):
    client = loaded_app.test_client()
    sign_in(client, ACCOUNTS["area"].email, ACCOUNTS["area"].password)
    period = f"{scored:%Y-%m}"
    data = scores_of(client, f"/counter/{COUNTER}", period=period).get_json()
    assert data["responses_by_status"] == {"ok": 6, "noted": 0, "flagged": 5, "excluded": 0, "partial": 0}
    unit = data["unit"]
    indices = unit["indices"]
    assert unit["respondents"] == 6 and unit["left_out_flagged"] == 5
    assert data["settings"]["target"] == 0.9 and data["versions"] == ["sipas v1"]
    assert indices["access_info"]["estimate"] == pytest.approx(5 / 6)  # the five produced "1"s are not in it
    assert indices["access_info"]["n"] == 6
    assert indices["overall"]["lower"] <= indices["overall"]["estimate"] <= indices["overall"]["upper"]


def test_scores_respect_roles_and_scope(loaded_app, scored):
    anonymous = loaded_app.test_client()
    assert scores_of(anonymous).status_code == 401
    supervisor = loaded_app.test_client()
    sign_in(supervisor, ACCOUNTS["supervisor"].email, ACCOUNTS["supervisor"].password)
    assert scores_of(supervisor, f"/counter/{COUNTER}").status_code == 403
    viewer = loaded_app.test_client()
    sign_in(viewer, ACCOUNTS["viewer"].email, ACCOUNTS["viewer"].password)
    assert scores_of(viewer, "/area/phuong-moc-chau", period=f"{scored:%Y}").status_code == 200
    assert scores_of(viewer, "/agency/so-tu-phap").status_code == 404
    assert scores_of(viewer, "/area/son-la").status_code == 404
    assert viewer.get("/api/v1/scores/planet/mars").status_code == 404
    assert scores_of(viewer, "/area/phuong-moc-chau", period="2026-Q9").status_code == 400
    office = loaded_app.test_client()
    sign_in(office, ACCOUNTS["office"].email, ACCOUNTS["office"].password)
    province = scores_of(office, "/area/son-la", period=f"{scored:%Y}").get_json()
    assert province["unit"]["level"] == "province" and province["responses_by_status"]["flagged"] == 5
