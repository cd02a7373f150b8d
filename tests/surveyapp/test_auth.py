"""Signing in and out, passwords, lock-out, session cookies, CSRF, and the audit entries they leave."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text

from surveyapp import create_app
from surveyapp.audit.models import AuditEntry
from surveyapp.auth.models import User
from surveyapp.auth.service import create_user
from surveyapp.db import db
from tests.helpers import form_of
from tests.staff import ACCOUNTS, create_accounts, csrf_token, sign_in

OFFICE = ACCOUNTS["office"]
MANAGER = ACCOUNTS["manager"]


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def staff_app(loaded_app):
    create_accounts(loaded_app, "office", "manager")
    return loaded_app


def test_sign_in_and_out(staff_app):
    client = staff_app.test_client()
    response = sign_in(client, MANAGER.email, MANAGER.password)
    assert response.status_code == 302 and response.headers["Location"].endswith("/agency/")
    assert "Trung tâm Phục vụ hành chính công phường Mộc Châu" in client.get(
        "/agency/", follow_redirects=True
    ).get_data(as_text=True)
    out = client.post("/auth/sign-out", data={"csrf_token": csrf_token(client)})
    assert out.status_code == 302
    assert client.get("/auth/password").status_code == 302
    assert actions(staff_app)[-2:] == ["sign_in", "sign_out"]


def test_email_is_case_insensitive_and_next_stays_on_site(staff_app):
    client = staff_app.test_client()
    page = client.get("/auth/sign-in?next=//evil.example/steal")
    _, hidden = form_of(page.get_data(as_text=True))
    response = client.post(
        "/auth/sign-in?next=//evil.example/steal",
        data={**hidden, "email": MANAGER.email.upper(), "password": MANAGER.password},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/agency/"
    client.post("/auth/sign-out", data={"csrf_token": csrf_token(client)})
    page = client.get("/auth/sign-in?next=/agency/devices")
    _, hidden = form_of(page.get_data(as_text=True))
    response = client.post(
        "/auth/sign-in?next=/agency/devices", data={**hidden, "email": MANAGER.email, "password": MANAGER.password}
    )
    assert response.headers["Location"] == "/agency/devices"


def test_wrong_password_is_refused_and_audited(staff_app):
    client = staff_app.test_client()
    response = sign_in(client, MANAGER.email, "not the password")
    assert response.status_code == 401
    assert "Sai e-mail hoặc mật khẩu." in response.get_data(as_text=True)
    unknown = sign_in(client, "nobody@test.vn", "whatever it is")
    assert unknown.status_code == 401
    with staff_app.app_context():
        failed = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in_failed")).all()
        assert [entry.actor for entry in failed] == [MANAGER.email, "nobody@test.vn"]
        assert failed[0].actor_id is not None and failed[1].actor_id is None


def test_lock_out_after_repeated_failures_even_with_the_right_password(staff_app):
    client = staff_app.test_client()
    for _ in range(5):
        assert sign_in(client, MANAGER.email, "wrong password").status_code == 401
    locked = sign_in(client, MANAGER.email, MANAGER.password)
    assert locked.status_code == 429
    assert "Retry-After" in locked.headers
    other = staff_app.test_client()
    assert sign_in(other, OFFICE.email, OFFICE.password).status_code == 302  # another account is not locked


def test_successful_sign_ins_do_not_count_towards_the_lock_out(staff_app):
    client = staff_app.test_client()
    for _ in range(7):
        assert sign_in(client, MANAGER.email, MANAGER.password).status_code == 302
        client.post("/auth/sign-out", data={"csrf_token": csrf_token(client)})


def test_lock_out_is_shared_by_every_worker_through_redis(loaded_app):
    """Two app instances (two workers) share the failed-attempt counters kept in Redis."""
    email = f"redis-{uuid.uuid4().hex[:8]}@test.vn"  # a fresh account: counters in Redis outlive the test
    with loaded_app.app_context():
        create_user(email, "R", "viewer", "area:phuong-moc-chau", MANAGER.password, None, "test")
        db.session.commit()
    config = {
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # other test runs share the server
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": loaded_app.config["SQLALCHEMY_DATABASE_URI"],
    }
    first, second = create_app(config), create_app(config)
    for _ in range(5):
        assert sign_in(first.test_client(), email, "wrong password").status_code == 401
    assert sign_in(second.test_client(), email, MANAGER.password).status_code == 429
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()


def test_passwords_are_stored_hashed_with_scrypt(staff_app):
    with staff_app.app_context():
        stored = db.session.execute(text("SELECT email, password_hash FROM staff_user")).all()
    for _email, digest in stored:
        assert digest.startswith("scrypt:")
        assert ACCOUNTS["office"].password not in digest


def test_demo_accounts_sign_in_only_in_demo_mode(loaded_app):
    runner = loaded_app.test_cli_runner()
    assert runner.invoke(args=["setup-demo", "--responses", "0"]).exit_code == 0
    client = loaded_app.test_client()
    assert sign_in(client, "tu-phap@demo.sonla.vn", "demo-tu-phap").status_code == 401
    loaded_app.config["DEMO_MODE"] = True
    assert sign_in(client, "tu-phap@demo.sonla.vn", "demo-tu-phap").status_code == 302


def test_deactivating_an_account_ends_its_sessions(staff_app):
    manager = staff_app.test_client()
    sign_in(manager, MANAGER.email, MANAGER.password)
    assert manager.get("/auth/password").status_code == 200
    office = staff_app.test_client()
    sign_in(office, OFFICE.email, OFFICE.password)
    with staff_app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == MANAGER.email))
    page = office.get(f"/office/users/{user_id}")
    _, hidden = form_of(page.get_data(as_text=True))
    saved = office.post(
        f"/office/users/{user_id}",
        data={**hidden, "name": "manager", "role": "agency_manager", "scope": "agency:ttpv-moc-chau"},
    )
    assert saved.status_code == 302
    assert manager.get("/auth/password").status_code == 302
    assert sign_in(staff_app.test_client(), MANAGER.email, MANAGER.password).status_code == 401
    with staff_app.app_context():
        change = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user_changed"))
        assert change.details["changes"] == {"active": [True, False]}
        assert change.actor == OFFICE.email and change.actor_scope == "province"


def test_password_change_ends_other_sessions(staff_app):
    laptop, phone = staff_app.test_client(), staff_app.test_client()
    sign_in(laptop, MANAGER.email, MANAGER.password)
    sign_in(phone, MANAGER.email, MANAGER.password)
    page = laptop.get("/auth/password")
    _, hidden = form_of(page.get_data(as_text=True))
    wrong = laptop.post(
        "/auth/password",
        data={**hidden, "current": "nope nope nope", "new": "a new passphrase", "repeat": "a new passphrase"},
    )
    assert wrong.status_code == 422 and "Mật khẩu hiện tại không đúng." in wrong.get_data(as_text=True)
    changed = laptop.post(
        "/auth/password",
        data={**hidden, "current": MANAGER.password, "new": "a new passphrase", "repeat": "a new passphrase"},
    )
    assert changed.status_code == 302
    assert laptop.get("/auth/password").status_code == 200  # this session continues
    assert phone.get("/auth/password").status_code == 302  # the other one ended
    assert sign_in(staff_app.test_client(), MANAGER.email, "a new passphrase").status_code == 302
    assert "password_changed" in actions(staff_app)


def test_forms_without_a_csrf_token_are_refused(staff_app):
    client = staff_app.test_client()
    refused = client.post("/auth/sign-in", data={"email": MANAGER.email, "password": MANAGER.password})
    assert refused.status_code == 400
    sign_in(client, OFFICE.email, OFFICE.password)
    assert client.post("/auth/sign-out").status_code == 400
    assert client.post("/agency/devices", data={"counter": "so-tu-phap-1"}).status_code == 400
    assert client.post("/office/users/1/reset").status_code == 400
    assert client.get("/auth/password").status_code == 200  # still signed in


def test_session_cookie_is_secure_httponly_and_samesite(loaded_app):
    create_accounts(loaded_app, "manager")
    loaded_app.config["SESSION_COOKIE_SECURE"] = True
    client = loaded_app.test_client()
    page = client.get("/auth/sign-in", base_url="https://localhost")
    _, hidden = form_of(page.get_data(as_text=True))
    response = client.post(
        "/auth/sign-in",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/auth/sign-in"},  # checked over HTTPS
        data={**hidden, "email": MANAGER.email, "password": MANAGER.password},
    )
    assert response.status_code == 302
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires=" in cookie  # the session ends after PERMANENT_SESSION_LIFETIME
    assert client.get("/auth/password", base_url="https://localhost").status_code == 200


def test_secure_cookies_are_on_unless_in_demo_mode(tmp_path):
    base = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "x"}
    assert create_app(base).config["SESSION_COOKIE_SECURE"] is True
    assert create_app({**base, "DEMO_MODE": True}).config["SESSION_COOKIE_SECURE"] is False


def test_audit_entries_cannot_be_changed_or_deleted(staff_app):
    sign_in(staff_app.test_client(), MANAGER.email, MANAGER.password)
    with staff_app.app_context():
        entry = db.session.scalar(select(AuditEntry))
        entry.action = "nothing happened"
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(AuditEntry)))
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()


def test_office_creates_accounts_and_resets_passwords(staff_app):
    office = staff_app.test_client()
    sign_in(office, OFFICE.email, OFFICE.password)
    page = office.get("/office/users/new")
    _, hidden = form_of(page.get_data(as_text=True))
    bad = office.post(
        "/office/users/new",
        data={
            **hidden,
            "email": "a@test.vn",
            "name": "A",
            "role": "viewer",
            "scope": "counter:so-tu-phap-1",
            "password": "good password 1",
        },
    )
    assert bad.status_code == 422 and "viewer" in bad.get_data(as_text=True)
    created = office.post(
        "/office/users/new",
        data={
            **hidden,
            "email": "a@test.vn",
            "name": "Nguyễn Văn A",
            "role": "viewer",
            "scope": "area:mai-son",
            "password": "good password 1",
            "active": "y",
        },
    )
    assert created.status_code == 302
    with staff_app.app_context():
        user = db.session.scalar(select(User).where(User.email == "a@test.vn"))
        assert (user.role, user.scope_label, user.name) == ("viewer", "area:mai-son", "Nguyễn Văn A")
    reset = office.post(f"/office/users/{user.id}/reset", data={"csrf_token": csrf_token(office)})
    assert reset.status_code == 200 and reset.headers["Cache-Control"] == "no-store"
    new_password = reset.get_data(as_text=True).split('<code class="token">')[1].split("</code>")[0]
    assert sign_in(staff_app.test_client(), "a@test.vn", new_password).status_code == 302
    assert {"user_created", "password_reset"} <= set(actions(staff_app))
    audit_page = office.get("/office/audit?action=user_created").get_data(as_text=True)
    assert "a@test.vn" in audit_page
