"""Voice prompts: the reform office's recording page, uploads, publishing, and what the kiosk's read-aloud plays."""

from __future__ import annotations

import hashlib
import io
import math
import shutil
import struct
import wave

import pytest
from sqlalchemy import select

from surveyapp.audit.models import AuditEntry
from surveyapp.db import db
from surveyapp.voices.models import VoicePrompt
from tests.staff import ACCOUNTS, create_accounts, csrf_token, sign_in

PAGE = "/office/voices/sipas/1/vi"
QUESTION = "question/access_info"
POINT = "point/satisfaction/5"

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is installed by scripts/setup")


def wav_bytes(frequency: float = 440.0, seconds: float = 0.3) -> bytes:
    """A short sine tone as 16-bit mono WAV."""
    rate = 16_000
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * frequency * i / rate))) for i in range(int(rate * seconds))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(frames)
    return out.getvalue()


@pytest.fixture
def office(loaded_app, tmp_path):
    loaded_app.config["KIOSK_AUDIO_DIR"] = str(tmp_path / "audio")
    create_accounts(loaded_app)
    client = loaded_app.test_client()
    sign_in(client, ACCOUNTS["office"].email, ACCOUNTS["office"].password)
    return client


def upload(client, data: bytes, prompt: str = QUESTION, media_type: str = "audio/wav", token: str | None = None):
    token = csrf_token(client, PAGE) if token is None else token
    return client.post(
        f"{PAGE}/record",
        data={"csrf_token": token, "prompt": prompt, "clip": (io.BytesIO(data), "clip.wav", media_type)},
        content_type="multipart/form-data",
    )


def publish(client, language: str = "vi"):
    token = csrf_token(client, PAGE)
    return client.post(f"/office/voices/sipas/1/{language}/publish", data={"csrf_token": token})


def test_the_office_lists_every_prompt_of_a_version_and_language(office):
    page = office.get(PAGE)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "microphone=(self)" in page.headers["Permissions-Policy"]
    assert "microphone=()" in office.get("/office/voices").headers["Permissions-Policy"]
    for key in ("title", "element/access", QUESTION, POINT, "skip"):
        assert f'data-prompt="{key}"' in html
    assert "Rất hài lòng" in html and "Không ý kiến" in html
    listing = office.get("/office/voices").get_data(as_text=True)
    assert "/office/voices/sipas/1/hmn" in listing and "/office/voices/rating/1/blt" in listing
    hmong = office.get("/office/voices/sipas/1/hmn").get_data(as_text=True)
    assert "(tiếng Việt)" in hmong  # no H'Mông text yet: said so


@pytest.mark.parametrize("who", ["area", "manager", "supervisor", "viewer"])
def test_only_the_reform_office_records_voices(loaded_app, tmp_path, who):
    loaded_app.config["KIOSK_AUDIO_DIR"] = str(tmp_path / "audio")
    create_accounts(loaded_app)
    client = loaded_app.test_client()
    sign_in(client, ACCOUNTS[who].email, ACCOUNTS[who].password)
    assert client.get(PAGE).status_code == 403
    assert client.get("/office/voices").status_code == 403
    token = csrf_token(client)
    posted = client.post(
        f"{PAGE}/record",
        data={"csrf_token": token, "prompt": QUESTION, "clip": (io.BytesIO(wav_bytes()), "a.wav", "audio/wav")},
    )
    assert posted.status_code == 403
    assert client.post(f"{PAGE}/publish", data={"csrf_token": token}).status_code == 403
    with loaded_app.app_context():
        assert db.session.scalars(select(VoicePrompt)).all() == []


def test_signed_out_visitors_are_sent_to_sign_in(loaded_client):
    assert loaded_client.get(PAGE).status_code == 302


@pytest.mark.parametrize(
    ("data", "media_type", "prompt", "status", "words"),
    [
        (b"plain text, not sound", "text/plain", QUESTION, 415, "không phải bản ghi âm"),
        (b"RIFF\x00\x00\x00\x00NOPE", "audio/wav", QUESTION, 415, "không phải bản ghi âm"),
        (b"", "audio/wav", QUESTION, 400, "trống"),
        (b"RIFF" + b"\x00" * 4 + b"WAVE" + b"\x00" * (300 * 1024), "audio/wav", QUESTION, 413, "quá dài"),
        (wav_bytes(), "audio/wav", "question/no_such_question", 400, "không có lời đọc"),
        (wav_bytes(), "audio/wav", "../../etc/passwd", 400, "không có lời đọc"),
    ],
)
def test_bad_uploads_are_refused_with_a_sentence(office, loaded_app, data, media_type, prompt, status, words):
    loaded_app.config["VOICE_MAX_BYTES"] = 256 * 1024
    posted = upload(office, data, prompt, media_type)
    assert posted.status_code == status, posted.get_data(as_text=True)
    assert words in posted.get_json()["message"]
    with loaded_app.app_context():
        assert db.session.scalars(select(VoicePrompt)).all() == []


def test_a_body_far_beyond_the_limit_is_413_with_a_sentence(office, loaded_app):
    loaded_app.config["VOICE_MAX_BYTES"] = 16 * 1024
    token = csrf_token(office, PAGE)
    posted = office.post(
        f"{PAGE}/record",
        data={"csrf_token": token, "prompt": QUESTION, "clip": (io.BytesIO(b"\0" * 200_000), "a.wav", "audio/wav")},
        headers={"Accept": "application/json"},
    )
    assert posted.status_code == 413 and posted.get_json()["message"]


def test_an_upload_without_its_csrf_token_is_refused(office):
    posted = upload(office, wav_bytes(), token="forged")
    assert posted.status_code == 400 and "tải lại" in posted.get_json()["message"]


def test_a_recording_is_kept_outside_the_repository_and_can_be_heard_by_the_office(office, loaded_app, tmp_path):
    data = wav_bytes()
    posted = upload(office, data)
    assert posted.status_code == 201
    answer = posted.get_json()
    digest = hashlib.sha256(data).hexdigest()
    assert (tmp_path / "audio" / "recordings" / f"{digest}.wav").read_bytes() == data
    heard = office.get(answer["url"])
    assert heard.status_code == 200 and heard.data == data and heard.mimetype == "audio/wav"
    assert "đã ghi âm, chưa công bố" in office.get(PAGE).get_data(as_text=True)


def kiosk_clip(client, prompt: str, language: str = "vi"):
    return client.get(f"/kiosk/voice/sipas/1/{language}/{prompt}")


@needs_espeak
def test_unpublished_recordings_are_never_played_and_published_ones_are(office, loaded_app):
    question, point = wav_bytes(440), wav_bytes(660)
    assert upload(office, question).status_code == 201
    assert upload(office, point, POINT).status_code == 201
    kiosk = loaded_app.test_client()
    before = kiosk_clip(kiosk, QUESTION)
    assert before.status_code == 200 and before.data != question  # espeak-ng speaks it meanwhile

    published = publish(office)
    assert published.status_code == 302
    assert kiosk_clip(kiosk, QUESTION).data == question
    assert kiosk_clip(kiosk, POINT).data == point
    assert kiosk.get("/kiosk/audio/sipas/1/vi/access_info").data == question  # the question's older address
    with loaded_app.app_context():
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "voice.publish")).all()
        assert entry.actor == ACCOUNTS["office"].email and entry.target == "sipas v1/vi"
        assert entry.details["prompts"] == sorted([QUESTION, POINT])
        assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "voice.record")).all()) == 2

    again = wav_bytes(880)
    assert upload(office, again).status_code == 201
    assert kiosk_clip(kiosk, QUESTION).data == question  # a new take waits for the next publication
    publish(office)
    assert kiosk_clip(kiosk, QUESTION).data == again


@needs_espeak
def test_without_a_recording_espeak_speaks_the_question_and_each_choice(office, loaded_app):
    kiosk = loaded_app.test_client()
    for prompt in (QUESTION, POINT, "skip", "option/harassment/no"):
        clip = kiosk_clip(kiosk, prompt)
        assert clip.status_code == 200, (prompt, clip.get_data(as_text=True))
        assert clip.mimetype == "audio/wav" and clip.data[:4] == b"RIFF"
    assert kiosk_clip(kiosk, QUESTION).data != kiosk_clip(kiosk, POINT).data


@needs_espeak
def test_a_language_without_text_or_voice_reads_the_vietnamese_recording(office, loaded_app):
    kiosk = loaded_app.test_client()
    spoken = kiosk_clip(kiosk, QUESTION, "hmn")
    assert spoken.status_code == 200 and spoken.data == kiosk_clip(kiosk, QUESTION, "vi").data  # Vietnamese voice
    data = wav_bytes(330)
    upload(office, data)
    publish(office)
    assert kiosk_clip(kiosk, QUESTION, "hmn").data == data


def test_a_hmong_recording_plays_in_hmong_only(office, loaded_app):
    data = wav_bytes(550)
    token = csrf_token(office, "/office/voices/sipas/1/hmn")
    posted = office.post(
        "/office/voices/sipas/1/hmn/record",
        data={"csrf_token": token, "prompt": QUESTION, "clip": (io.BytesIO(data), "a.wav", "audio/wav")},
    )
    assert posted.status_code == 201
    assert office.post("/office/voices/sipas/1/hmn/publish", data={"csrf_token": token}).status_code == 302
    kiosk = loaded_app.test_client()
    assert kiosk_clip(kiosk, QUESTION, "hmn").data == data
    assert kiosk_clip(kiosk, QUESTION, "vi").data != data


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("/kiosk/voice/sipas/1/vi/question/nope", "không có lời đọc"),
        ("/kiosk/voice/sipas/1/vi/weird/thing/here", "không có lời đọc"),
        ("/kiosk/voice/sipas/9/vi/question/access_info", "Không có phiếu khảo sát"),
        ("/kiosk/voice/nothing/1/vi/title", "Không có phiếu khảo sát"),
        ("/kiosk/voice/sipas/1/zz/title", "không có ngôn ngữ"),
    ],
)
def test_unknown_clips_are_404_with_a_sentence(loaded_client, url, words):
    page = loaded_client.get(url, headers={"Accept": "application/json"})
    assert page.status_code == 404
    assert words in page.get_json()["message"]


def test_the_kiosk_reads_the_question_then_each_choice(loaded_client):
    html = loaded_client.get("/k/so-noi-vu-1/survey").get_data(as_text=True)  # the full form
    start = html.index('data-audio-list="', html.index('data-code="access_info"')) + len('data-audio-list="')
    listed = html[start : html.index('"', start)].replace("&#34;", '"')
    assert listed == (
        '["/kiosk/voice/sipas/2/vi/question/access_info", '
        + ", ".join(f'"/kiosk/voice/sipas/2/vi/point/satisfaction/{v}"' for v in range(1, 6))
        + ', "/kiosk/voice/sipas/2/vi/skip"]'
    )
