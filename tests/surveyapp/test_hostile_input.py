"""Hostile input: what a careless or malicious client may send to the JSON API, the kiosk form, sign-in, the
reports and the static files. Every refusal is a 4xx (JSON naming the problem on the API), never a 500, and
leaves the database exactly as it was; text that is kept is kept verbatim and shown escaped."""

from __future__ import annotations

import csv
import io
import unicodedata
import uuid

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy import select

from surveyapp.db import db
from surveyapp.devices.models import Device
from surveyapp.devices.service import retire
from surveyapp.responses.models import Response
from tests.helpers import form_of, sipas_form_answers, whole_form_of
from tests.openapi import check
from tests.staff import ACCOUNTS, create_accounts, csrf_token, sign_in
from tests.surveyapp.test_api import COUNTER, body, post, token_for

KIOSK_COUNTER = "so-tu-phap-1"
#: The tables a request may write to; "nothing changed" compares every row of each.
WRITTEN = ("staff_user", "audit_entry", "device", "scoring_settings", "response", "response_flag")

INJECTIONS = [
    "'; DROP TABLE response; --",
    '" OR 1=1 --',
    "1); DELETE FROM staff_user WHERE (1=1",
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}{% raw %}",
    '=HYPERLINK("http://evil.example","click")',
    "../../etc/passwd",
]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table a request may write, in a stable order."""
    with app.app_context():
        tables = {table.name: table for table in db.metadata.sorted_tables}
        rows = {
            name: sorted((tuple(map(repr, row)) for row in db.session.execute(sa.select(tables[name])).all()), key=repr)
            for name in WRITTEN
        }
        db.session.remove()
        return rows


def raw_post(client, token, data: bytes, content_type: str = "application/json"):
    response = client.post(
        "/api/v1/responses", data=data, content_type=content_type, headers={"Authorization": f"Bearer {token}"}
    )
    return check(response, "/responses", "POST")


def api_error(response, status: int, error: str | None = None, where: str | None = None) -> dict:
    """The response is the documented JSON error with ``status``; return its body."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    data = response.get_json()
    assert set(data) == {"error", "message", "where"} and data["message"]
    if error is not None:
        assert data["error"] == error
    if where is not None:
        assert data["where"] == where
    return data


@pytest.fixture
def device(loaded_app):
    """A device token for the Mộc Châu land counter, and a client."""
    return token_for(loaded_app), loaded_app.test_client()


# --- The JSON API ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b'{"comment": "\xff\xfe"}',
        b"\xc3\x28\xa0\xa1",
        b'{"id": "\xed\xa0\x80"}',  # an encoded surrogate: not UTF-8
        '{"comment": "Tốt"}'.encode("utf-16"),
    ],
    ids=["invalid-bytes", "invalid-sequence", "encoded-surrogate", "utf-16"],
)
def test_malformed_utf8_bodies_are_400(loaded_app, device, data):
    token, client = device
    before = snapshot(loaded_app)
    api_error(raw_post(client, token, data), 400, "malformed")
    assert snapshot(loaded_app) == before


def test_a_lone_surrogate_in_the_comment_is_refused(loaded_app, device):
    token, client = device
    before = snapshot(loaded_app)
    text = (
        '{"id": "%s", "questionnaire": {"instrument": "sipas", "version": 1}, "language": "vi", '
        '"started_at": "%s", "submitted_at": "%s", "answers": {"access_info": 4}, "comment": "T\\ud800t"}'
    )
    valid = body()
    data = text % (valid["id"], valid["started_at"], valid["submitted_at"])
    api_error(raw_post(client, token, data.encode()), 422, where="comment")
    assert snapshot(loaded_app) == before


def test_a_nul_character_is_refused_everywhere(loaded_app, device):
    token, client = device
    before = snapshot(loaded_app)
    api_error(post(client, token, body(comment="Tốt\x00")), 422, where="comment")
    for where, payload in (
        ("case_code", body(case_code="000\x00")),
        ("field", body(field="land\x00")),
        ("language", body(language="vi\x00")),
    ):
        assert post(client, token, payload).get_json()["where"] == where
    assert client.get("/k/so-tu-phap-1%00").status_code == 400
    assert client.get("/k/so-tu-phap-1/survey?field=land%00").status_code == 400
    assert client.get("/kiosk/c/%00").status_code == 400
    assert client.get("/kiosk/audio/sipas/1/vi/access_info%00").status_code == 400
    api_error(client.get("/api/v1/scores/agency/%00"), 400)
    queried = client.get("/api/v1/device?lang=vi%00", headers={"Authorization": f"Bearer {token}"})
    api_error(check(queried, "/device", "GET"), 400)
    signed_in = loaded_app.test_client()
    page = signed_in.get("/auth/sign-in")
    _, hidden = form_of(page.get_data(as_text=True))
    refused = signed_in.post("/auth/sign-in", data={**hidden, "email": "a\x00@b.vn", "password": "x"})
    assert refused.status_code == 400
    assert snapshot(loaded_app) == before


def test_an_nfd_comment_is_stored_nfc(loaded_app, device):
    token, client = device
    comment = "Cán bộ rất nhiệt tình, thủ tục nhanh gọn"
    decomposed = nfd(comment)
    assert decomposed != comment
    payload = body(comment=decomposed)
    assert post(client, token, payload).status_code == 201
    with loaded_app.app_context():
        assert db.session.scalar(select(Response.comment)) == comment
    assert post(client, token, payload).status_code == 200  # sent again: the same response
    assert post(client, token, {**payload, "comment": comment}).status_code == 200  # NFC or NFD: the same text


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"language": nfd("vì")}, "language"),
        ({"field": nfd("đất-đai")}, "field"),
        ({"counter": nfd("ubnd-mộc-châu-dat-dai")}, "counter"),
        ({"questionnaire": {"instrument": nfd("sipás"), "version": 1}}, "questionnaire.instrument"),
        ({"answers": {nfd("access_infô"): 4}}, "answers"),
    ],
    ids=["language", "field", "counter", "instrument", "question"],
)
def test_codes_are_ascii_so_nfd_spellings_are_refused(loaded_app, device, changes, where):
    """Codes (language, field, counter, questionnaire, question) are ASCII: no spelling with diacritics, composed
    or decomposed, is one; it is refused with the key named rather than normalised into something else."""
    token, client = device
    before = snapshot(loaded_app)
    api_error(post(client, token, body(**changes)), 400, "invalid", where)
    assert snapshot(loaded_app) == before


def test_an_nfd_case_code_is_refused(loaded_app, device):
    token, client = device
    before = snapshot(loaded_app)
    api_error(post(client, token, body(case_code=nfd("HS-Sơn-La-01"))), 422, "invalid")
    assert snapshot(loaded_app) == before


def test_a_ten_megabyte_body_is_413_and_stores_nothing(loaded_app, device):
    token, client = device
    before = snapshot(loaded_app)
    big = body(comment="x" * 10 * 1024 * 1024)
    api_error(post(client, token, big), 413, "request_entity_too_large")
    form = client.post(f"/k/{KIOSK_COUNTER}/survey", data={"q-comment": "x" * 10 * 1024 * 1024})
    assert form.status_code == 413
    assert client.post("/auth/sign-in", data={"email": "x" * 10 * 1024 * 1024}).status_code == 413
    assert snapshot(loaded_app) == before


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ("[" * 100_000, 413),
        ("[" * 30_000 + "]" * 30_000, 400),
        ("[" * 60_000, 400),
        ('{"a":' * 10_000 + "1" + "}" * 10_000, 400),
        ('{"id": "x", "answers": ' + '{"a":' * 5_000 + "1" + "}" * 5_001, 400),
    ],
    ids=["100k-open", "30k-arrays", "60k-open", "10k-objects", "nested-answers"],
)
def test_deeply_nested_json_is_a_4xx(loaded_app, device, data, status):
    token, client = device
    before = snapshot(loaded_app)
    api_error(raw_post(client, token, data.encode()), status)
    assert snapshot(loaded_app) == before


def test_injection_in_the_comment_is_stored_verbatim(loaded_app, device):
    token, client = device
    for text in INJECTIONS:
        payload = body(comment=text)
        assert post(client, token, payload).status_code == 201, text
        with loaded_app.app_context():
            stored = db.session.scalar(select(Response.comment).where(Response.uuid == uuid.UUID(payload["id"])))
            assert stored == text
    with loaded_app.app_context():
        assert len(db.session.scalars(select(Response.id)).all()) == len(INJECTIONS)


@pytest.mark.parametrize(
    ("field", "status"),
    [
        ("case_code", 422),
        ("field", 400),
        ("language", 400),
        ("counter", 400),
        ("instrument", 400),
        ("version", 400),
        ("id", 400),
        ("question", 400),
        ("answer", 422),
    ],
)
def test_injection_in_every_code_is_a_4xx(loaded_app, device, field, status):
    token, client = device
    before = snapshot(loaded_app)
    for text in INJECTIONS:
        if field == "case_code" and text == "../../etc/passwd":
            continue  # letters, dots and slashes make a well-formed case-file code: kept as text
        payload = body()
        if field in ("instrument", "version"):
            payload["questionnaire"] = {**payload["questionnaire"], field: text}
        elif field == "question":
            payload["answers"] = {text: 4}
        elif field == "answer":
            payload["answers"] = {**payload["answers"], "harassment": text}
        else:
            payload[field] = text
        data = api_error(post(client, token, payload), status)
        assert data["error"] == "invalid", text
    assert snapshot(loaded_app) == before


def test_a_retired_device_token_replayed_is_401(loaded_app, device):
    token, client = device
    headers = {"Authorization": f"Bearer {token}"}
    assert post(client, token, body()).status_code == 201
    with loaded_app.app_context():
        retire(db.session.scalar(select(Device)), None)
        db.session.commit()
    before = snapshot(loaded_app)
    api_error(post(client, token, body()), 401, "unauthorized")
    api_error(check(client.get("/api/v1/device", headers=headers), "/device", "GET"), 401, "unauthorized")
    api_error(post(client, token + "x", body()), 401)
    assert snapshot(loaded_app) == before


# --- The browser kiosk ------------------------------------------------------------------------------------


def kiosk_form(client):
    page = client.get(f"/k/{KIOSK_COUNTER}/survey")
    assert page.status_code == 200
    return whole_form_of(page.get_data(as_text=True))


@pytest.mark.parametrize("token", [None, "", "forged", "IjEyMyI.ZzZzZg.forged-signature"])
def test_the_kiosk_form_without_a_valid_csrf_token_is_400(loaded_app, token):
    client = loaded_app.test_client()
    action, hidden = kiosk_form(client)
    if token is None:
        del hidden["csrf_token"]
    else:
        hidden["csrf_token"] = token
    before = snapshot(loaded_app)
    posted = client.post(action, data={**hidden, **sipas_form_answers(4), "q-comment": "Giữ lại"})
    assert posted.status_code == 400
    assert "Giữ lại" in posted.get_data(as_text=True)  # the answers are shown again, not lost
    assert snapshot(loaded_app) == before


def test_the_kiosk_form_stores_an_nfd_comment_nfc_and_injections_verbatim(loaded_app):
    client = loaded_app.test_client()
    comment = "Thái độ phục vụ tốt <script>alert(1)</script> '; DROP TABLE response; --"
    action, hidden = kiosk_form(client)
    data = {**hidden, **sipas_form_answers(5), "q-comment": nfd(comment)}
    assert client.post(action, data=data).status_code == 303
    with loaded_app.app_context():
        assert db.session.scalar(select(Response.comment)) == comment


def test_malformed_utf8_in_forms_is_never_a_500(loaded_app):
    client = loaded_app.test_client()
    action, hidden = kiosk_form(client)
    before = snapshot(loaded_app)
    encoded = "&".join(f"{k}={v}" for k, v in hidden.items()).encode() + b"&q-comment=%ff%fe%c3%28&contact=\xff"
    posted = client.post(action, data=encoded, content_type="application/x-www-form-urlencoded")
    assert posted.status_code < 500
    page = client.get("/auth/sign-in")
    _, hidden = form_of(page.get_data(as_text=True))
    encoded = f"csrf_token={hidden['csrf_token']}&email=%ff%fe@x.vn&password=%c3%28".encode()
    refused = client.post("/auth/sign-in", data=encoded, content_type="application/x-www-form-urlencoded")
    assert refused.status_code in (400, 401)
    after = snapshot(loaded_app)
    assert after["response"] == before["response"] and after["staff_user"] == before["staff_user"]


def test_an_nfd_counter_code_in_the_url_is_404(loaded_client):
    assert loaded_client.get("/k/" + nfd("sở-tư-pháp-1")).status_code == 404


# --- Forms of signed-in staff -----------------------------------------------------------------------------


@pytest.fixture
def office(loaded_app):
    """The reform office signed in; a device enrolled and a flagged response to review."""
    create_accounts(loaded_app, "office", "supervisor")
    token, api = token_for(loaded_app), loaded_app.test_client()
    flagged = body(honeypot="spam")
    assert post(api, token, flagged).status_code == 201
    client = loaded_app.test_client()
    sign_in(client, ACCOUNTS["office"].email, ACCOUNTS["office"].password)
    client.flagged = flagged["id"]
    return client


def test_every_form_post_without_a_valid_csrf_token_is_400_and_changes_nothing(loaded_app, office):
    with loaded_app.app_context():
        device_id = db.session.scalar(select(Device.id))
    values = {
        "device_id": device_id,
        "user_id": 1,
        "response_uuid": office.flagged,
        "instrument": "sipas",
        "version": 1,
        "language": "vi",
    }
    exempt = {"kiosk.survey", "api.submit_response"}  # checks its own token (above); device tokens
    posts = [rule for rule in loaded_app.url_map.iter_rules() if "POST" in rule.methods and rule.endpoint not in exempt]
    assert len(posts) >= 11
    valid = csrf_token(office)
    form = {
        "counter": COUNTER,
        "label": "x",
        "partial_policy": "submit",
        "decision": "confirm",
        "email": "n@x.vn",
        "name": "N",
        "role": "viewer",
        "scope": "province",
        "password": "correct horse battery",
        "target": "0.5",
    }
    for rule in posts:
        url = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
        for token in (None, "forged", valid[:-4] + "AAAA"):
            before = snapshot(loaded_app)
            data = form if token is None else {**form, "csrf_token": token}
            response = office.post(url, data=data)
            assert response.status_code == 400, (url, token, response.status_code)
            assert snapshot(loaded_app) == before, url
    assert office.get("/auth/password").status_code == 200  # still signed in: sign-out was refused too


# --- Paths ------------------------------------------------------------------------------------------------

TRAVERSALS = [
    "..%2f..%2fsetup.cfg",
    "%2e%2e/%2e%2e/setup.cfg",
    "%2e%2e%2f%2e%2e%2fsetup.cfg",
    "..%5c..%5csetup.cfg",
    "%252e%252e%252fsetup.cfg",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "css/app.css%00.txt",
    "....//....//setup.cfg",
    "..%c0%af..%c0%afsetup.cfg",
]


def _no_file_leaked(client, url: str) -> None:
    """``url`` answers 400 or 404 (after a redirect that merges slashes), with nothing of a file outside."""
    with client.get(url, follow_redirects=True) as response:
        assert response.status_code in (400, 404), (url, response.status_code)
        text = response.get_data(as_text=True)
    assert "root:" not in text and "[metadata]" not in text and "install_requires" not in text


def test_traversal_in_static_and_kiosk_urls_never_leaves_the_app(loaded_client):
    for path in TRAVERSALS:
        for prefix in (
            "/static/",
            "/static/css/",
            "/kiosk/",
            "/kiosk/c/",
            "/kiosk/audio/sipas/1/vi/",
            "/kiosk/voice/sipas/1/vi/",
            "/kiosk/voice/sipas/1/vi/question/",
            "/k/",
        ):
            _no_file_leaked(loaded_client, prefix + path)
    with loaded_client.get("/static/css/app.css") as served:
        assert served.status_code == 200  # the refusals above are not of every static file


def test_traversal_in_report_urls_never_leaves_the_app(loaded_app, office):
    before = snapshot(loaded_app)
    for path in TRAVERSALS:
        for url in (
            f"/reports/agency/{path}.pdf",
            f"/reports/area/{path}/comparison.pdf",
            f"/reports/exports/{path}",
            f"/reports/exports/scores.{path}",
            f"/reports/{path}",
        ):
            _no_file_leaked(office, url)
    assert snapshot(loaded_app) == before


# --- Citizens' text, shown ---------------------------------------------------------------------------------


def test_injected_comments_are_shown_escaped_and_exported_as_text(loaded_app):
    """Comments rendered on the dashboard are escaped; in a spreadsheet export a comment is a text cell, never a
    formula (in CSV, one that would be gets a leading apostrophe)."""
    create_accounts(loaded_app, "office")
    token, api = token_for(loaded_app), loaded_app.test_client()
    loaded_app.config["DEVICE_CLOCK_MAX_AGE_DAYS"] = 3650  # a tablet sending answers of March (as if offline)
    weekdays = (2, 3, 4, 5, 6, 9, 10, 11, 12, 13)  # March 2026, in office hours: nothing is flagged
    for day, text in zip(weekdays, [*INJECTIONS, "=1+1", "@SUM(A1)"], strict=True):
        at, started = f"2026-03-{day:02d}T09:30:00+07:00", f"2026-03-{day:02d}T09:20:00+07:00"
        assert post(api, token, body(comment=text, started_at=started, submitted_at=at)).status_code == 201
    client = loaded_app.test_client()
    sign_in(client, ACCOUNTS["office"].email, ACCOUNTS["office"].password)
    html = client.get(f"/agency/counter/{COUNTER}?period=2026-03").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "onerror=alert(1)&gt;" in html and "<img src=x" not in html
    with client.get("/reports/exports/responses.xlsx?period=2026-03") as sheet:
        assert sheet.status_code == 200
        cells = load_workbook(io.BytesIO(sheet.data)).worksheets[0]
    column = [cell.value for cell in next(cells.iter_rows(max_row=1))].index("comment")
    kinds = {row[column].value: row[column].data_type for row in cells.iter_rows(min_row=2)}
    assert set(kinds) == {*INJECTIONS, "=1+1", "@SUM(A1)"}  # verbatim
    assert set(kinds.values()) == {"s"}  # text, never a formula
    exported = client.get("/reports/exports/responses.csv?period=2026-03").get_data(as_text=True)
    comments = {row["comment"] for row in csv.DictReader(io.StringIO(exported.removeprefix("\ufeff")))}
    assert comments == {"'=1+1", "'@SUM(A1)", "'" + INJECTIONS[6], *INJECTIONS[:6], INJECTIONS[7]}
