"""Who may download what: every role × every report, export and score endpoint × own scope and another scope.

Allowed means 200. Denied means 403 (the role lacks the action) or 404 (the unit is outside the scope), and the
refusal shows nothing of what was asked for. Exports and lists hold only the person's scope; comments reach
only the roles that read them. PDF rendering is replaced by the report's HTML here (the PDFs themselves are
tested in test_pdf.py), so that this matrix stays fast.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from surveyapp.db import db
from surveyapp.periods import LOCAL_ZONE
from surveyapp.reports import render
from tests.staff import ACCOUNTS, create_accounts, sign_in
from tests.surveyapp.reports.conftest import add_response

SECRET_OWN = "Ý kiến riêng của Mộc Châu"
SECRET_OTHER = "Ý kiến riêng của Sở Tư pháp"
OWN_COUNTER, OTHER_COUNTER = "ttpv-moc-chau-dat-dai", "so-tu-phap-1"
Q = "period=2026-Q3"
ALL = {"office", "area", "manager", "supervisor", "viewer"}
READERS = {"office", "area", "manager", "viewer"}
AREA_READERS = {"office", "area", "viewer"}

# (name, path for own scope, path for another scope, roles allowed on own scope)
ENDPOINTS = [
    ("agency report", f"/reports/agency/ttpv-moc-chau.pdf?{Q}", f"/reports/agency/so-tu-phap.pdf?{Q}", READERS),
    (
        "counter report",
        f"/reports/counter/{OWN_COUNTER}.pdf?{Q}",
        f"/reports/counter/{OTHER_COUNTER}.pdf?{Q}",
        READERS,
    ),
    ("commune report", f"/reports/area/phuong-moc-chau.pdf?{Q}", f"/reports/area/son-la.pdf?{Q}", AREA_READERS),
    (
        "commune comparison",
        f"/reports/area/phuong-moc-chau/comparison.pdf?{Q}",
        f"/reports/area/son-la/comparison.pdf?{Q}&level=former_district",
        AREA_READERS,
    ),
    (
        "agency comparison",
        f"/reports/agency/ttpv-moc-chau/comparison.pdf?{Q}",
        f"/reports/agency/so-tu-phap/comparison.pdf?{Q}",
        READERS,
    ),
    ("province comparison", f"/reports/province/comparison.pdf?{Q}", None, {"office"}),
    ("scores CSV", f"/reports/exports/scores.csv?{Q}&level=counter", None, {"office", "area"}),
    ("scores XLSX", f"/reports/exports/scores.xlsx?{Q}&level=agency", None, {"office", "area"}),
    ("responses CSV", f"/reports/exports/responses.csv?{Q}", None, {"office", "area"}),
    ("responses XLSX", f"/reports/exports/responses.xlsx?{Q}", None, {"office", "area"}),
    ("scores API", f"/api/v1/scores?{Q}&level=counter", None, READERS),
    ("unit scores API", f"/api/v1/scores/agency/ttpv-moc-chau?{Q}", f"/api/v1/scores/agency/so-tu-phap?{Q}", READERS),
]


@pytest.fixture
def world(loaded_app, monkeypatch):
    """Accounts of every role and six responses with one comment on each side, in 2026-Q3."""
    monkeypatch.setattr(render, "render_pdf", lambda html: html.encode())
    create_accounts(loaded_app)
    with loaded_app.app_context():
        for code, comment in ((OWN_COUNTER, SECRET_OWN), (OTHER_COUNTER, SECRET_OTHER)):
            for i in range(6):
                when = dt.datetime(2026, 8, 3 + i, 9, 0, tzinfo=LOCAL_ZONE)
                add_response(code, when, comment if i == 0 else None, value=4 + i % 2)
        db.session.commit()
    return loaded_app


def body_of(response) -> str:
    """The response's text, an XLSX file's cells one row a line; the response is closed (files sent from disk)."""
    with response:
        if response.mimetype != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
            return response.get_data(as_text=True)
        book = load_workbook(io.BytesIO(response.data), read_only=True)
        rows = [row for sheet in book for row in sheet.iter_rows(values_only=True)]
        book.close()
        return "\n".join(" ".join("" if v is None else str(v) for v in row) for row in rows)


@pytest.mark.parametrize("role", sorted(ALL))
def test_each_role_downloads_exactly_its_scope(world, role):
    client = world.test_client()
    account = ACCOUNTS[role]
    assert sign_in(client, account.email, account.password).status_code == 302
    wrong = []
    for name, own, other, allowed in ENDPOINTS:
        for side, path in (("own", own), ("other", other)):
            if path is None:
                continue
            response = client.get(path)
            may = role in allowed and (side == "own" or role == "office")
            granted = response.status_code == 200
            if granted != may or (not granted and response.status_code not in (403, 404)):
                wrong.append(f"{name} ({side}): {response.status_code}, expected {'allowed' if may else 'denied'}")
                continue
            body = body_of(response)
            if not granted and (SECRET_OTHER in body or SECRET_OWN in body or "Sở Tư pháp" in body):
                wrong.append(f"{name} ({side}): the refusal shows data")
            if granted and role != "office" and (SECRET_OTHER in body or OTHER_COUNTER in body):
                wrong.append(f"{name} ({side}): shows another scope")
            if granted and role == "viewer" and SECRET_OWN in body:
                wrong.append(f"{name} ({side}): a viewer reads comments")
    assert wrong == []


@pytest.mark.parametrize("role", sorted(READERS))
def test_comments_reach_only_roles_that_read_them(world, role):
    client = world.test_client()
    account = ACCOUNTS[role]
    sign_in(client, account.email, account.password)
    html = client.get(f"/reports/agency/ttpv-moc-chau.pdf?{Q}").get_data(as_text=True)
    assert (SECRET_OWN in html) == (role != "viewer")
    assert ("không kèm ý kiến của người dân" in html) == (role == "viewer")
    office = client.get(f"/reports/agency/so-tu-phap.pdf?{Q}").get_data(as_text=True)
    assert (SECRET_OTHER in office) == (role == "office")


def test_exports_hold_the_area_and_its_comments_for_the_area_officer(world):
    client = world.test_client()
    sign_in(client, ACCOUNTS["area"].email, ACCOUNTS["area"].password)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/reports/exports/responses.csv?{Q}").data.decode("utf-8-sig"))))
    assert {row["counter"] for row in rows} == {OWN_COUNTER} and len(rows) == 6
    assert [row["comment"] for row in rows if row["comment"]] == [SECRET_OWN]
    scores = list(csv.DictReader(io.StringIO(client.get(f"/reports/exports/scores.csv?{Q}").data.decode("utf-8-sig"))))
    assert {row["unit"] for row in scores} == {"ttpv-moc-chau"}


def test_anonymous_visitors_are_sent_to_sign_in_and_the_api_answers_401(world):
    client = world.test_client()
    for name, own, _other, _allowed in ENDPOINTS:
        response = client.get(own)
        if own.startswith("/api/"):
            assert response.status_code == 401 and response.json["error"] == "unauthorized", name
        else:
            assert response.status_code == 302 and "/auth/sign-in?next=" in response.headers["Location"], name


@pytest.mark.parametrize("role", ["manager", "supervisor"])
def test_unit_pages_link_to_the_reports_for_those_who_download_them(world, role):
    client = world.test_client()
    sign_in(client, ACCOUNTS[role].email, ACCOUNTS[role].password)
    page = client.get(f"/agency/agency/ttpv-moc-chau?{Q}").get_data(as_text=True)
    links = (f"/reports/agency/ttpv-moc-chau.pdf?{Q}", f"/reports/agency/ttpv-moc-chau/comparison.pdf?{Q}")
    assert all((link in page) == (role == "manager") for link in links)


@pytest.mark.parametrize("role", sorted(ALL))
def test_the_overview_links_to_the_reports_and_exports_of_the_scope(world, role):
    client = world.test_client()
    sign_in(client, ACCOUNTS[role].email, ACCOUNTS[role].password)
    page = client.get(f"/agency/?{Q}", follow_redirects=True).get_data(as_text=True)
    own = {
        "office": "/reports/province/comparison.pdf",
        "area": "/reports/area/phuong-moc-chau.pdf",
        "viewer": "/reports/area/phuong-moc-chau.pdf",
        "manager": "/reports/agency/ttpv-moc-chau.pdf",
    }
    assert (own.get(role, "/reports/") in page) == (role in own)
    assert ("/reports/exports/responses.xlsx" in page) == (role in {"office", "area"})
