"""The offline kiosk app on an enrolled tablet, in headless Chromium: answers survive the network going away,
arrive exactly once, and the kiosk clears itself after the citizen leaves."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from surveyapp.db import db, utcnow
from surveyapp.devices.models import Device
from surveyapp.devices.service import enrol
from surveyapp.integrity.models import ResponseFlag
from surveyapp.organisation.models import Counter
from surveyapp.questionnaires.codec import decode
from surveyapp.responses.models import Response

pytestmark = pytest.mark.browser

RATING = "ttpv-quynh-nhai-tong-hop"  # one tap
SIPAS = "so-noi-vu-1"  # keeps the full form
SHORT = "so-tu-phap-1"


def enrolled(app, counter: str, partial_policy: str = "discard") -> str:
    with app.app_context():
        enrolment = enrol(db.session.scalar(select(Counter).where(Counter.code == counter)), "tablet", None)
        enrolment.device.partial_policy = partial_policy
        db.session.commit()
        return enrolment.token


def stored(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(select(Response).order_by(Response.id)).all()
        return [
            (str(r.uuid), r.partial, r.device_id, decode(r.questionnaire_version.definition, r.answers)) for r in rows
        ]


@pytest.fixture
def tablet(browser, live_server):
    """A browser context like a kiosk tablet; every request it makes is recorded."""
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True, base_url=live_server)
    requests: list[str] = []
    errors: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield context, page, requests
    context.close()
    assert errors == [], errors
    foreign = {urlparse(url).netloc for url in requests if not url.startswith(("data:", "blob:"))}
    assert foreign <= {urlparse(live_server).netloc}, f"requests left for other hosts: {foreign}"


def connect(page, token: str, counter: str) -> None:
    """What a supervisor does on a fresh tablet: open /kiosk/, type the token, press Connect."""
    page.goto("/kiosk/")
    assert page.locator("h1").inner_text() == "Kết nối máy tính bảng này"
    page.get_by_label("Mã thiết bị").fill(token)
    page.get_by_role("button", name="Kết nối").tap()
    page.wait_for_url(re.compile(rf"/kiosk/c/{counter}$"))
    page.wait_for_selector("html[data-cached='true']", state="attached", timeout=30_000)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")


def begin(page) -> None:
    """Start a questionnaire: the Start button, or the field of the citizen's case where the counter asks."""
    tiles = page.locator("#welcome button.tile")
    if tiles.count():
        tiles.filter(has_text="Đất đai").tap()
    else:
        page.get_by_role("button", name=re.compile("Bắt đầu")).tap()


def rate(page, label: str = "Rất hài lòng") -> None:
    """The one-tap rating: the faces are the first screen, and one tap is the whole answer."""
    page.wait_for_selector("#screen-1:not([hidden])")
    page.locator("#screen-1 label.choice").filter(has=page.get_by_text(label, exact=True)).tap()
    page.wait_for_selector("#thanks:not([hidden])", timeout=15_000)


API = "**/api/v1/**"


def go_offline(context) -> None:
    """The tablet loses its network. Chromium's offline emulation does not always reach a request that falls
    through the service worker to the network (a worker restarted meanwhile is not emulated yet), so the API is
    cut off by a route as well."""
    context.route(API, lambda route: route.abort("internetdisconnected"))
    context.set_offline(True)


def go_online(context) -> None:
    context.unroute(API)
    context.set_offline(False)


def sync_state(page) -> tuple[str, str]:
    sync = page.locator(".sync")
    return sync.get_attribute("data-state"), sync.get_attribute("data-waiting")


def test_answers_given_offline_arrive_exactly_once_when_the_network_returns(tablet, loaded_app):
    context, page, _ = tablet
    connect(page, enrolled(loaded_app, RATING), RATING)
    go_offline(context)
    page.reload()  # the kiosk itself now comes from the tablet's cache
    assert page.locator(".survey-title").inner_text() == "Hôm nay chúng tôi phục vụ Ông/Bà thế nào?"
    rate(page, "Rất hài lòng")
    page.wait_for_selector("#thanks[hidden]", state="attached", timeout=10_000)  # back at the start, offline
    rate(page, "Không hài lòng")
    page.wait_for_selector(".sync[data-waiting='2']", state="attached")
    assert sync_state(page)[0] == "offline"
    assert stored(loaded_app) == []

    go_online(context)
    page.wait_for_selector(".sync[data-state='sent']", state="attached", timeout=20_000)
    rows = stored(loaded_app)
    assert [answers["rating"] for _, _, _, answers in rows] == [5, 2]  # in the order given
    with loaded_app.app_context():
        assert {r.field_id for r in db.session.scalars(select(Response))} == {None}  # one tap asks no field
    assert len({uuid for uuid, _, _, _ in rows}) == 2
    with loaded_app.app_context():
        device = db.session.scalar(select(Device))
        assert device.queue_length == 0 and device.last_sync_at is not None
        assert {device_id for _, _, device_id, _ in rows} == {device.id}


def test_a_page_killed_while_sending_resends_and_the_server_stores_once(tablet, loaded_app, browser, live_server):
    context, page, _ = tablet
    connect(page, enrolled(loaded_app, RATING), RATING)
    go_offline(context)
    rate(page)
    page.wait_for_selector("#thanks[hidden]", state="attached", timeout=10_000)

    delivered = []

    def server_stores_but_the_answer_is_lost(route):
        response = route.fetch()  # the server stores the response...
        delivered.append(response.status)
        route.abort("connectionreset")  # ...and the tablet never hears back

    context.route("**/api/v1/responses", server_stores_but_the_answer_is_lost)  # runs before the offline route
    go_online(context)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    for _ in range(100):
        if delivered:
            break
        page.wait_for_timeout(100)
    assert delivered == [201]
    page.close()  # killed with the answer still in its queue
    assert len(stored(loaded_app)) == 1

    context.unroute("**/api/v1/responses")
    reopened = context.new_page()
    reopened.goto(f"/kiosk/c/{RATING}")
    reopened.wait_for_selector(".sync[data-state='sent']", state="attached", timeout=20_000)
    assert len(stored(loaded_app)) == 1


def test_inactivity_shows_a_countdown_then_clears_the_answers(tablet, loaded_app):
    loaded_app.config.update(KIOSK_IDLE_SECONDS=4, KIOSK_IDLE_COUNTDOWN_SECONDS=3)
    _, page, _ = tablet
    connect(page, enrolled(loaded_app, SIPAS), SIPAS)
    begin(page)
    page.locator("#screen-1 fieldset.question.scale").first.locator("label.choice").nth(4).tap()
    assert page.locator("#screen-1 input:checked").count() == 1
    dialog = page.get_by_role("alertdialog")
    dialog.wait_for(timeout=5_000)
    assert "Ông/Bà còn ở đây không?" in dialog.inner_text()
    assert int(dialog.locator(".idle-count").inner_text()) in (1, 2, 3)
    page.wait_for_selector("#welcome:not([hidden])", timeout=10_000)
    begin(page)
    assert page.locator("#screen-1").is_visible()
    assert page.locator("form.survey input:checked").count() == 0  # nothing of the previous person
    page.wait_for_selector("#welcome:not([hidden])", timeout=10_000)
    page.wait_for_selector(".sync[data-state='sent']", state="attached")
    assert stored(loaded_app) == []  # this device discards half-finished questionnaires


def test_a_device_that_submits_partials_sends_the_half_finished_answers(tablet, loaded_app):
    loaded_app.config.update(KIOSK_IDLE_SECONDS=3, KIOSK_IDLE_COUNTDOWN_SECONDS=2)
    _, page, _ = tablet
    connect(page, enrolled(loaded_app, SIPAS, partial_policy="submit"), SIPAS)
    begin(page)
    page.get_by_role("button", name=re.compile("Tiếp")).tap()  # the first question left unanswered
    page.locator("#screen-2 label.choice").nth(3).tap()
    page.wait_for_selector("#welcome:not([hidden])", timeout=10_000)
    page.wait_for_selector(".sync[data-state='sent']", state="attached", timeout=10_000)
    [(_, partial, _, answers)] = stored(loaded_app)
    assert partial and answers["access_signs"] == 4 and answers["overall"] is None


def test_read_aloud_plays_the_question_and_its_answers(tablet, loaded_app):
    context, page, requests = tablet
    connect(page, enrolled(loaded_app, SIPAS), SIPAS)
    context.set_offline(True)  # the clips were cached with the rest
    begin(page)
    button = page.locator("#screen-1 .read-aloud").first
    assert button.get_attribute("aria-label") == "Nghe đọc câu hỏi và các câu trả lời"
    button.tap()
    page.wait_for_selector("#screen-1 .read-aloud[data-played='true']", state="attached", timeout=20_000)
    assert any("/kiosk/voice/sipas/2/vi/question/access_info" in url for url in requests)
    assert any("/kiosk/voice/sipas/2/vi/point/satisfaction/5" in url for url in requests)


def test_each_citizen_gets_a_short_form_drawn_for_the_tablet(tablet, loaded_app):
    _, page, _ = tablet
    connect(page, enrolled(loaded_app, SHORT), SHORT)
    begin(page)
    assert page.locator("section.screen[data-asked='true']:not(.review)").count() == 9
    while page.locator(".steps .next").is_visible():
        page.locator(".steps .next").tap()
    page.get_by_role("button", name=re.compile("Gửi ý kiến")).tap()
    for _ in range(200):  # queued on the tablet, then sent
        if stored(loaded_app):
            break
        page.wait_for_timeout(100)
    [(_, partial, _, answers)] = stored(loaded_app)
    with loaded_app.app_context():
        asked = db.session.scalar(select(Response.questions_asked))
    assert not partial and asked == 9 and "sex" in answers and answers["sex"] is None


def test_a_tablet_whose_clock_reset_to_1970_keeps_its_time_and_its_answers_count_when_they_were_given(
    tablet, loaded_app
):
    """A flat battery set the tablet's clock to 1970. Answers queued offline keep the tablet's own time; each
    attempt to send also says what the clock reads, so the server places them when they were given (an hour
    before the network came back), flags the clock, and counts them."""
    with loaded_app.app_context():
        db.session.scalar(select(Counter).where(Counter.code == RATING)).opening_hours = {}  # any hour of the run
        db.session.commit()
    context, page, _ = tablet
    connect(page, enrolled(loaded_app, RATING), RATING)
    given = dt.datetime(1970, 1, 1, 2, 0, tzinfo=dt.UTC)
    go_offline(context)
    page.clock.set_fixed_time(given - dt.timedelta(seconds=6))
    page.reload()  # the faces show: the citizen starts
    # The start is taken once the kiosk has read its device record, before it checks its cache.
    page.wait_for_selector("html[data-cached='true']", state="attached", timeout=30_000)
    page.clock.set_fixed_time(given)  # six seconds later by the tablet's clock
    rate(page, "Rất hài lòng")
    page.wait_for_selector(".sync[data-waiting='1']", state="attached")
    page.clock.set_fixed_time(given + dt.timedelta(hours=1))  # an hour later, still 1970 on the tablet
    go_online(context)
    page.wait_for_selector(".sync[data-state='sent']", state="attached", timeout=20_000)
    with loaded_app.app_context():
        [response] = db.session.scalars(select(Response)).all()
        reasons = set(db.session.scalars(select(ResponseFlag.reason).where(ResponseFlag.response_id == response.id)))
        assert reasons == {"device_clock"} and response.status == "noted"
        assert response.device_submitted_at == given  # the tablet's own time, kept
        assert response.submitted_at - response.started_at == dt.timedelta(seconds=6)
        placed = utcnow() - response.submitted_at
        assert dt.timedelta(minutes=59) < placed < dt.timedelta(minutes=62)  # when it was given, by the server
