"""The reform office signs in, sees the districts compared with a funnel plot, sorts and drills down."""

from __future__ import annotations

import os
import re

import pytest

from tests.staff import ACCOUNTS, create_accounts

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_server(loaded_app, live_server):
    result = loaded_app.test_cli_runner().invoke(args=["demo", "--responses", "3000", "--seed", "8"])
    assert result.exit_code == 0, result.output
    create_accounts(loaded_app, "office")
    return live_server


def sign_in(page, role: str) -> None:
    account = ACCOUNTS[role]
    page.goto("/auth/sign-in")
    page.get_by_label("E-mail").fill(account.email)
    page.get_by_label("Mật khẩu").fill(account.password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_office_dashboard_funnel_sorting_and_drill_down(page, demo_server):
    sign_in(page, "office")
    page.wait_for_url(re.compile(r"/agency/area/son-la"))
    page.select_option("select[name=period]", "2026-Q2")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url(re.compile(r"period=2026-Q2"))
    funnel = page.locator("#compare-district svg[role=img]")
    assert funnel.count() == 1
    links = set(funnel.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))"))
    # every district with enough responses is on the funnel and drills down; the others are listed apart
    too_few = page.locator("#compare-district table[data-sortable] tbody .decision.insufficient").count()
    assert len(links) + too_few == 12 and all("/agency/area/" in link for link in links)
    if too_few:
        assert f"{too_few} trên 12 đơn vị chưa đủ phiếu" in page.locator("#compare-district .excluded").inner_text()
    if os.environ.get("SURVEYAPP_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["SURVEYAPP_SCREENSHOTS"], "office.png"), full_page=True)

    table = page.locator("#compare-district table[data-sortable]")
    rows = table.locator("tbody tr")
    assert rows.count() == 12
    table.get_by_role("button", name="Chỉ số").click()
    values = [float(v) for v in rows.evaluate_all("rs => rs.map(r => r.cells[1].dataset.value)")]
    assert values == sorted(values)
    table.get_by_role("button", name="Chỉ số").click()
    values = [float(v) for v in rows.evaluate_all("rs => rs.map(r => r.cells[1].dataset.value)")]
    assert values == sorted(values, reverse=True)

    table.get_by_role("link", name="Huyện Mộc Châu").click()
    page.wait_for_url(re.compile(r"/agency/area/phuong-moc-chau"))
    page.locator("#compare-agency").get_by_role("link", name="Ủy ban nhân dân huyện Mộc Châu").click()
    page.wait_for_url(re.compile(r"/agency/agency/ttpv-moc-chau"))
    page.get_by_role("link", name="Công chức trực tiếp giải quyết công việc").first.click()
    page.wait_for_url(re.compile(r"/index/staff"))
    assert "Lịch sự, tôn trọng" in page.content()
