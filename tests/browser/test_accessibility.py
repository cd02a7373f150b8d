"""Axe-core (vendored in tests/browser/vendor, never fetched) finds no serious or critical violation on any
kiosk page: the browser kiosk, the phone pages and the offline app, on every screen and in every state."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from surveyapp.db import db
from surveyapp.devices.service import enrol
from surveyapp.organisation.models import Counter

#: What axe checks is the markup, whatever the database behind it.
pytestmark = [pytest.mark.browser, pytest.mark.layout]

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


def serious(page, state: str) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{state}: {v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def page(browser, live_server):
    """Like the shared page, but axe-core (injected as an inline script) may run under the app's CSP."""
    context = browser.new_context(
        viewport={"width": 1024, "height": 768}, has_touch=True, base_url=live_server, bypass_csp=True
    )
    yield context.new_page()
    context.close()


def each_screen(page, state: str) -> list[str]:
    """Every screen from the one shown to the last (where the questions left unanswered are listed)."""
    found = []
    index = 1
    while page.locator(".steps .next").is_visible():
        found += serious(page, f"{state} screen {index}")
        page.locator(".steps .next").tap()
        index += 1
    found += serious(page, f"{state} last screen")
    return found


def test_the_browser_kiosk_and_the_phone_pages(page):
    found = []
    page.goto("/k/so-tu-phap-1")
    found += serious(page, "welcome")
    page.locator(".view-option[data-view='large-text']").tap()
    page.locator(".view-option[data-view='high-contrast']").tap()
    found += serious(page, "welcome, large text, high contrast")
    page.goto("/k/ttpv-moc-chau-tong-hop?lang=en")
    found += serious(page, "welcome with fields, English")
    page.goto("/k/so-tu-phap-1/survey")
    found += each_screen(page, "SIPAS")
    page.goto("/k/so-tu-phap-2/survey")
    page.locator(".steps .next").tap()  # unanswered: the errors show
    found += serious(page, "case evaluation with errors")
    page.goto("/k/ttpv-quynh-nhai-tong-hop/phone")
    found += serious(page, "phone rating")
    page.locator("#screen-1 label.choice").first.tap()
    page.wait_for_selector("#screen-2:not([hidden])")
    found += serious(page, "phone rating, the optional reason")
    page.locator("#screen-2 label.option").first.tap()
    page.wait_for_selector("text=Xin cảm ơn Ông/Bà!")
    found += serious(page, "phone thanks")
    assert found == [], "\n".join(found)


def test_the_offline_app_in_every_state(browser, live_server, loaded_app):
    with loaded_app.app_context():
        enrolment = enrol(db.session.scalar(select(Counter).where(Counter.code == "so-noi-vu-1")), "t", None)
        db.session.commit()

    def connected():
        """A tablet of its own (its own service worker and cache), connected with the device token."""
        context = browser.new_context(
            viewport={"width": 1024, "height": 768}, has_touch=True, base_url=live_server, bypass_csp=True
        )  # axe-core is injected as an inline script
        page = context.new_page()
        page.goto("/kiosk/")
        found = serious(page, "connect")
        page.get_by_label("Mã thiết bị").fill(enrolment.token)
        page.get_by_role("button", name="Kết nối").tap()
        page.wait_for_url(re.compile(r"/kiosk/c/so-noi-vu-1$"))
        return context, page, found

    # The inactivity countdown, on a tablet whose page (kept by its service worker) waits only seconds.
    loaded_app.config.update(KIOSK_IDLE_SECONDS=3, KIOSK_IDLE_COUNTDOWN_SECONDS=2)
    context, page, found = connected()
    found += serious(page, "app welcome")
    page.get_by_role("button", name=re.compile("Bắt đầu")).tap()
    found += serious(page, "app screen 1")
    page.get_by_role("alertdialog").wait_for(timeout=5_000)
    found += serious(page, "inactivity countdown")
    page.wait_for_selector("#welcome:not([hidden])", timeout=10_000)
    context.close()
    # Every screen, on a tablet with the usual minute: checking a screen takes longer than a few seconds.
    loaded_app.config.update(KIOSK_IDLE_SECONDS=60, KIOSK_IDLE_COUNTDOWN_SECONDS=15)
    context, page, more = connected()
    found += more
    page.get_by_role("button", name=re.compile("Bắt đầu")).tap()
    page.locator("#screen-1 label.choice").first.tap()
    page.wait_for_selector("#screen-2:not([hidden])")
    found += each_screen(page, "app")
    page.get_by_role("button", name=re.compile("Gửi ý kiến")).tap()
    page.wait_for_selector("#thanks:not([hidden])")
    found += serious(page, "app thanks")
    context.close()
    assert found == [], "\n".join(found)
