"""Accounts used by the tests of access rules, and signing in through the real form."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient

from surveyapp.auth.service import create_user
from surveyapp.db import db
from tests.helpers import form_of


@dataclass(frozen=True)
class Account:
    email: str
    role: str
    scope: str
    password: str = "correct horse battery"


ACCOUNTS = {
    "office": Account("office@test.vn", "reform_office", "province"),
    "area": Account("area@test.vn", "area_officer", "area:phuong-moc-chau"),
    "manager": Account("manager@test.vn", "agency_manager", "agency:ttpv-moc-chau"),
    "supervisor": Account("supervisor@test.vn", "counter_supervisor", "agency:ttpv-moc-chau"),
    "viewer": Account("viewer@test.vn", "viewer", "area:phuong-moc-chau"),
}


def create_accounts(app: Flask, *names: str) -> None:
    with app.app_context():
        for name in names or ACCOUNTS:
            account = ACCOUNTS[name]
            create_user(account.email, name, account.role, account.scope, account.password, None, "test")
        db.session.commit()


def sign_in(client: FlaskClient, email: str, password: str, follow: bool = False):
    page = client.get("/auth/sign-in")
    _, hidden = form_of(page.get_data(as_text=True))
    return client.post("/auth/sign-in", data={**hidden, "email": email, "password": password}, follow_redirects=follow)


def csrf_token(client: FlaskClient, url: str = "/auth/password") -> str:
    """A CSRF token of the signed-in session, read from a page's sign-out form."""
    _, hidden = form_of(client.get(url).get_data(as_text=True))
    return hidden["csrf_token"]
