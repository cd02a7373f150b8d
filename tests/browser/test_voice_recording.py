"""The reform office records a voice prompt in Chromium (a generated sound file stands in for the microphone),
keeps it and publishes it; the kiosk's read-aloud then plays exactly that recording, question first."""

from __future__ import annotations

import hashlib
import json
import math
import re
import struct
import wave

import pytest
from sqlalchemy import select

from surveyapp.audit.models import AuditEntry
from surveyapp.db import db
from surveyapp.voices.models import VoicePrompt
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_accessibility import serious
from tests.staff import ACCOUNTS, create_accounts

pytestmark = pytest.mark.browser

QUESTION = "question/access_info"


def write_tone(path, seconds: float = 3.0, rate: int = 48_000) -> None:
    """A 440 Hz tone rising to 660 Hz, 16-bit mono PCM: Chromium's fake microphone plays it in a loop."""
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        samples = int(rate * seconds)
        handle.writeframes(
            b"".join(
                struct.pack("<h", int(12_000 * math.sin(2 * math.pi * (440 + 220 * i / samples) * i / rate)))
                for i in range(samples)
            )
        )


@pytest.fixture
def microphone_browser(browser, tmp_path):
    sound = tmp_path / "voice.wav"
    write_tone(sound)
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={sound}",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )
    yield chromium
    chromium.close()


def test_a_prompt_recorded_in_the_browser_plays_on_the_kiosk(microphone_browser, live_server, loaded_app, tmp_path):
    loaded_app.config["KIOSK_AUDIO_DIR"] = str(tmp_path / "audio")
    create_accounts(loaded_app, "office")
    context = microphone_browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    context.grant_permissions(["microphone"], origin=live_server)
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))

    account = ACCOUNTS["office"]
    page.goto("/auth/sign-in")
    page.get_by_label("E-mail").fill(account.email)
    page.get_by_label("Mật khẩu").fill(account.password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/agency/"))

    page.goto("/office/voices/sipas/2/vi")
    row = page.locator(f'tr[data-prompt="{QUESTION}"]')
    row.locator("button.record").click()
    row.locator("button.stop").wait_for(state="visible")
    page.wait_for_timeout(1500)
    row.locator("button.stop").click()
    row.locator("button.keep").wait_for(state="visible")
    with page.expect_response(lambda r: r.url.endswith("/office/voices/sipas/2/vi/record")) as kept:
        row.locator("button.keep").click()
    assert kept.value.status == 201, kept.value.text()
    row.locator("button.keep").wait_for(state="hidden")
    with loaded_app.app_context():
        [recording] = db.session.scalars(select(VoicePrompt)).all()
        assert recording.prompt == QUESTION and recording.published_at is None
        assert recording.media_type == "audio/webm" and recording.size > 2_000
        digest = recording.sha256

    # Every clip the kiosk fetches passes through here, so its bytes can be compared with the recording.
    clips: list[tuple[str, str, str]] = []

    def keep_clip(route):
        answer = route.fetch()
        body = answer.body()
        clips.append(
            (route.request.url.split("/vi/", 1)[1], answer.headers["content-type"], hashlib.sha256(body).hexdigest())
        )
        route.fulfill(response=answer, body=body)

    kiosk = context.new_page()
    kiosk.on("pageerror", lambda error: errors.append(str(error)))
    kiosk.route(re.compile(r"/kiosk/voice/"), keep_clip)
    kiosk.goto("/k/so-noi-vu-1/survey")  # the full form: access_info first
    button = kiosk.locator('fieldset[data-code="access_info"] .read-aloud')
    button.click()
    kiosk.wait_for_selector(
        "fieldset[data-code='access_info'] .read-aloud[data-state='playing']", state="attached", timeout=30_000
    )
    button.click()  # stop
    prompt, media_type, heard = clips[0]
    assert (prompt, media_type) == (QUESTION, "audio/wav") and heard != digest  # not published: espeak-ng speaks

    page.locator("form[action$='/publish'] button[type=submit]").click()
    page.wait_for_load_state()
    with loaded_app.app_context():
        assert db.session.get(VoicePrompt, recording.id).published_at is not None
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "voice.publish")).all()

    clips.clear()
    kiosk.goto("/k/so-noi-vu-1/survey")  # the full form: access_info first
    kiosk.locator('fieldset[data-code="access_info"] .read-aloud').click()
    kiosk.wait_for_selector(
        "fieldset[data-code='access_info'] .read-aloud[data-played='true']", state="attached", timeout=60_000
    )
    assert clips[0] == (QUESTION, "audio/webm", digest)  # the published recording, as recorded
    # the question, then each answer in order
    assert [prompt for prompt, _, _ in clips] == [
        QUESTION,
        *(f"point/satisfaction/{value}" for value in range(1, 6)),
        "skip",
    ]

    # A citizen who turns on reading aloud hears each screen as it opens, until the kiosk starts over.
    kiosk.locator(".voice-autoplay").click()
    assert kiosk.locator(".voice-autoplay").get_attribute("aria-pressed") == "true"
    kiosk.locator(".voice-autoplay").click()
    with kiosk.expect_response(lambda r: QUESTION in r.url):
        kiosk.evaluate("window.kioskVoice.autoplay = true")
        kiosk.reload()
    # the next screen reads itself as it appears
    second = json.loads(kiosk.locator("#screen-2 .read-aloud").first.get_attribute("data-audio-list"))[0]
    with kiosk.expect_response(lambda r: r.url.endswith(second)):
        kiosk.locator("#screen-1 label.choice").nth(4).click()  # the answer, and the kiosk moves on
    assert errors == []
    context.close()


@pytest.mark.layout
@pytest.mark.parametrize("language", ["blt", "hmn"])
def test_kiosk_in_thai_and_hmong_and_the_recording_page_are_accessible(browser, live_server, loaded_app, language):
    create_accounts(loaded_app, "office")
    context = browser.new_context(
        viewport={"width": 800, "height": 1280}, has_touch=True, base_url=live_server, bypass_csp=True
    )
    page = context.new_page()
    found = []
    page.goto(f"/k/so-tu-phap-1?lang={language}")
    assert page.locator("html").get_attribute("lang") == language
    found += serious(page, f"welcome, {language}")
    page.goto(f"/k/so-tu-phap-1/survey?lang={language}")
    assert page.locator("#screen-1 .fallback svg.flag").count() > 0  # Vietnamese text, and the kiosk says so
    found += serious(page, f"survey, {language}")
    account = ACCOUNTS["office"]
    page.goto("/auth/sign-in")
    page.get_by_label("E-mail").fill(account.email)
    page.get_by_label("Mật khẩu").fill(account.password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/agency/"))
    page.goto(f"/office/voices/sipas/1/{language}")
    found += serious(page, f"recording page, {language}")
    context.close()
    assert found == []
