"""Who may open what: every role × every protected page and endpoint × own scope and another scope.

Allowed means the page answers (200, 201 or a redirect after a POST). Denied means 403 (the role lacks the
action) or 404 (the unit is outside the scope) — and the body never shows what was asked for.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from surveyapp.db import db, utcnow
from surveyapp.devices import service as devices
from surveyapp.devices.models import Device
from surveyapp.organisation.models import Counter
from surveyapp.questionnaires.loader import current_version
from surveyapp.responses.service import Draft, record
from tests.staff import ACCOUNTS, create_accounts, csrf_token, sign_in

SECRET_OWN = "Ý kiến riêng của Mộc Châu"
SECRET_OTHER = "Ý kiến riêng của Sở Tư pháp"
OWN_COUNTER, OTHER_COUNTER = "ttpv-moc-chau-dat-dai", "so-tu-phap-1"


@pytest.fixture
def world(loaded_app):
    """Accounts of every role, responses with comments on both sides, and a device on each side."""
    create_accounts(loaded_app)
    with loaded_app.app_context():
        for code, comment in ((OWN_COUNTER, SECRET_OWN), (OTHER_COUNTER, SECRET_OTHER)):
            counter = db.session.scalar(select(Counter).where(Counter.code == code))
            for i in range(6):
                record(
                    Draft(
                        uuid=uuid.uuid4(),
                        counter=counter,
                        version=current_version("sipas"),
                        answers={"access_info": 5},
                        language="vi",
                        comment=comment if i == 0 else None,
                        started_at=utcnow() - dt.timedelta(minutes=3),
                        submitted_at=utcnow(),
                    ),
                    2000,
                )
        own = devices.enrol(db.session.scalar(select(Counter).where(Counter.code == OWN_COUNTER)), "own", None)
        other = devices.enrol(db.session.scalar(select(Counter).where(Counter.code == OTHER_COUNTER)), "other", None)
        db.session.commit()
        return {"own_device": own.device.id, "other_device": other.device.id}


# (name, method, path for own scope, path for another scope, roles allowed on own scope)
ALL = {"office", "area", "manager", "supervisor", "viewer"}
ENDPOINTS = [
    ("home", "GET", "/agency/", None, ALL),
    ("agency page", "GET", "/agency/agency/ttpv-moc-chau", "/agency/agency/so-tu-phap", ALL - {"supervisor"}),
    ("counter page", "GET", f"/agency/counter/{OWN_COUNTER}", f"/agency/counter/{OTHER_COUNTER}", ALL - {"supervisor"}),
    ("area page", "GET", "/agency/area/phuong-moc-chau", "/agency/area/xa-mai-son", {"office", "area", "viewer"}),
    (
        "element page",
        "GET",
        "/agency/agency/ttpv-moc-chau/index/staff",
        "/agency/agency/so-tu-phap/index/staff",
        ALL - {"supervisor"},
    ),
    ("devices", "GET", "/agency/devices", None, {"office", "area", "manager", "supervisor"}),
    ("enrol", "POST", "/agency/devices", "/agency/devices", {"office", "supervisor"}),
    (
        "retire",
        "POST",
        "/agency/devices/{own_device}/retire",
        "/agency/devices/{other_device}/retire",
        {"office", "supervisor"},
    ),
    (
        "partial policy",
        "POST",
        "/agency/devices/{own_device}/partial-policy",
        "/agency/devices/{other_device}/partial-policy",
        {"office", "supervisor"},
    ),
    (
        "QR sheet",
        "GET",
        f"/agency/counters/{OWN_COUNTER}/qr",
        f"/agency/counters/{OTHER_COUNTER}/qr",
        {"office", "area", "manager", "supervisor"},
    ),
    ("users", "GET", "/office/users", None, {"office"}),
    ("new user form", "GET", "/office/users/new", None, {"office"}),
    ("create user", "POST", "/office/users/new", None, {"office"}),
    ("edit user", "GET", "/office/users/1", None, {"office"}),
    ("reset password", "POST", "/office/users/2/reset", None, {"office"}),
    ("audit log", "GET", "/office/audit", None, {"office"}),
    ("scoring settings", "GET", "/office/settings", None, {"office"}),
    ("save scoring settings", "POST", "/office/settings", None, {"office"}),
    ("flagged responses", "GET", "/office/flags", None, {"office"}),
    ("voice prompts", "GET", "/office/voices", None, {"office"}),
    ("record voice prompts", "GET", "/office/voices/sipas/1/hmn", None, {"office"}),
    ("publish voice prompts", "POST", "/office/voices/sipas/1/hmn/publish", None, {"office"}),
]


def post_data(name: str, counter: str) -> dict:
    if name == "enrol":
        return {"counter": counter, "label": "tablet"}
    if name == "save scoring settings":
        return {"period": "2026-Q3", "target": "90", "confidence": "0.95", "method": "beta", "weighting": "none"}
    if name == "partial policy":
        return {"partial_policy": "submit"}
    if name == "create user":
        return {
            "email": f"new-{uuid.uuid4().hex[:6]}@test.vn",
            "name": "N",
            "role": "viewer",
            "scope": "area:phuong-moc-chau",
            "password": "another good password",
            "active": "y",
        }
    return {}


def call(client, method, path, name, counter, token):
    if method == "GET":
        return client.get(path)
    return client.post(path, data={"csrf_token": token, **post_data(name, counter)})


@pytest.mark.parametrize("role", sorted(ALL))
def test_each_role_sees_exactly_its_scope(world, loaded_app, loaded_client, role):
    account = ACCOUNTS[role]
    assert sign_in(loaded_client, account.email, account.password).status_code == 302
    token = csrf_token(loaded_client)
    wrong = []
    for name, method, own, other, allowed in ENDPOINTS:
        for side, path, counter in (("own", own, OWN_COUNTER), ("other", other, OTHER_COUNTER)):
            if path is None:
                continue
            path = path.format(**world)
            response = call(loaded_client, method, path, name, counter, token)
            may = role in allowed and (side == "own" or role == "office")
            granted = response.status_code in (200, 201, 302)
            if granted != may or (not granted and response.status_code not in (403, 404)):
                wrong.append(
                    f"{name} ({side}, {path}): {response.status_code}, expected {'allowed' if may else 'denied'}"
                )
            body = response.get_data(as_text=True)
            if not granted and (SECRET_OTHER in body or SECRET_OWN in body or "Sở Tư pháp" in body):
                wrong.append(f"{name} ({side}): the refusal shows data")
    assert wrong == []


@pytest.mark.parametrize("role", sorted(ALL))
def test_comments_only_for_roles_that_read_them_and_only_in_scope(world, loaded_client, role):
    account = ACCOUNTS[role]
    sign_in(loaded_client, account.email, account.password)
    own = loaded_client.get(f"/agency/counter/{OWN_COUNTER}").get_data(as_text=True)
    assert (SECRET_OWN in own) == (role in {"office", "area", "manager"})
    other = loaded_client.get(f"/agency/counter/{OTHER_COUNTER}").get_data(as_text=True)
    assert (SECRET_OTHER in other) == (role == "office")


@pytest.mark.parametrize("role", sorted(ALL))
def test_device_lists_stop_at_the_scope(world, loaded_client, role):
    account = ACCOUNTS[role]
    sign_in(loaded_client, account.email, account.password)
    page = loaded_client.get("/agency/devices")
    if page.status_code == 403:
        assert role == "viewer"
        return
    html = page.get_data(as_text=True)
    assert OWN_COUNTER in html
    assert (OTHER_COUNTER in html) == (role == "office")


def test_anonymous_visitors_are_sent_to_sign_in(world, loaded_client):
    for _, method, own, _other, _allowed in ENDPOINTS:
        path = own.format(**world)
        response = loaded_client.get(path) if method == "GET" else loaded_client.post(path, data={})
        if method == "GET":
            assert response.status_code == 302 and "/auth/sign-in?next=" in response.headers["Location"], path
        else:
            assert response.status_code in (400, 302), path  # the CSRF check refuses before anything else
    with loaded_client.application.app_context():
        assert db.session.scalar(select(Device).where(Device.retired_at.is_not(None))) is None
