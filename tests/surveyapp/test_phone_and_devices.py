"""The counter's questionnaire on a citizen's phone (QR code, rate-limited, channel "phone") and what a
supervisor sets and sees per kiosk device."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from surveyapp.audit.models import AuditEntry
from surveyapp.db import db
from surveyapp.devices.models import Device
from surveyapp.devices.service import enrol
from surveyapp.organisation.models import Counter
from surveyapp.responses.models import Response
from tests.helpers import sipas_form_answers, whole_form_of
from tests.staff import ACCOUNTS, create_accounts, csrf_token, sign_in

COUNTER = "ttpv-moc-chau-dat-dai"


def answer_on(client, path: str):
    page = client.get(path)
    assert page.status_code == 200
    action, hidden = whole_form_of(page.get_data(as_text=True))
    return client.post(action, data={**hidden, **sipas_form_answers(4)})


def test_the_phone_questionnaire_is_the_kiosks_with_its_own_channel(loaded_app, loaded_client):
    welcome = loaded_client.get(f"/k/{COUNTER}/phone").get_data(as_text=True)
    assert "Hôm nay chúng tôi phục vụ Ông/Bà thế nào?" in welcome
    assert f'href="/k/{COUNTER}/phone/survey?lang=vi"' in welcome
    posted = answer_on(loaded_client, f"/k/{COUNTER}/phone/survey")
    assert posted.status_code == 303 and posted.headers["Location"].startswith(f"/k/{COUNTER}/phone/thanks")
    thanks = loaded_client.get(posted.headers["Location"]).get_data(as_text=True)
    assert "Xin cảm ơn Ông/Bà!" in thanks and 'http-equiv="refresh"' not in thanks  # a phone is not a kiosk
    assert answer_on(loaded_client, f"/k/{COUNTER}/survey").status_code == 303
    with loaded_app.app_context():
        assert sorted(db.session.scalars(select(Response.channel))) == ["kiosk", "phone"]


def test_phones_are_rate_limited_per_address_and_the_kiosk_is_not(loaded_app, loaded_client):
    loaded_app.config["PHONE_SUBMIT_LIMIT"] = "2 per hour"
    for _ in range(2):
        assert answer_on(loaded_client, f"/k/{COUNTER}/phone/survey").status_code == 303
    assert answer_on(loaded_client, f"/k/{COUNTER}/phone/survey").status_code == 429
    assert loaded_client.get(f"/k/{COUNTER}/phone/survey").status_code == 200  # reading is not limited
    for _ in range(3):
        assert answer_on(loaded_client, f"/k/{COUNTER}/survey").status_code == 303


@pytest.fixture
def supervisor(loaded_app):
    create_accounts(loaded_app, "supervisor", "office")
    with loaded_app.app_context():
        device = enrol(db.session.scalar(select(Counter).where(Counter.code == COUNTER)), "Máy 1", None)
        db.session.commit()
        ids = {"device": device.device.id, "token": device.token}
    client = loaded_app.test_client()
    sign_in(client, ACCOUNTS["supervisor"].email, ACCOUNTS["supervisor"].password)
    return client, ids


def test_a_printable_qr_sheet_per_counter(supervisor):
    client, _ = supervisor
    sheet = client.get(f"/agency/counters/{COUNTER}/qr").get_data(as_text=True)
    assert "<svg" in sheet and f"<title>http://localhost/k/{COUNTER}/phone</title>" in sheet
    assert "Quét mã bằng điện thoại để đánh giá." in sheet
    assert client.get("/agency/counters/so-tu-phap-1/qr").status_code == 404  # another agency's counter


def test_the_supervisor_chooses_the_partial_policy_and_sees_the_sync(loaded_app, supervisor):
    client, ids = supervisor
    page = client.get("/agency/devices").get_data(as_text=True)
    assert "Lần đồng bộ cuối" in page and "http://localhost/kiosk/" in page
    saved = client.post(
        f"/agency/devices/{ids['device']}/partial-policy",
        data={"csrf_token": csrf_token(client), "partial_policy": "submit"},
    )
    assert saved.status_code == 302
    bad = client.post(
        f"/agency/devices/{ids['device']}/partial-policy",
        data={"csrf_token": csrf_token(client), "partial_policy": "keep-forever"},
    )
    assert bad.status_code == 400
    info = loaded_app.test_client().get("/api/v1/device", headers={"Authorization": f"Bearer {ids['token']}"})
    assert info.get_json()["device"]["partial_policy"] == "submit"
    with loaded_app.app_context():
        assert db.session.get(Device, ids["device"]).partial_policy == "submit"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "device_partial_policy_changed"))
        assert (entry.actor, entry.details["before"], entry.details["after"]) == (
            ACCOUNTS["supervisor"].email,
            "discard",
            "submit",
        )
